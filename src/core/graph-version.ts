/**
 * A Graph API version (`v24.0`): a pixel's own, checked the same way by the admin API and the CLI, and the
 * relay-wide `graphVersion` setting, which every pixel without its own uses.
 */
import { z } from 'zod';

export const graphVersionSchema = z.string().regex(/^v\d{1,3}\.\d$/, 'a Graph API version looks like v24.0 (v<major>.<minor>)');
