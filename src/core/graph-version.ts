/**
 * A pixel's own Graph API version (`v24.0`), checked the same way by the admin API and the CLI.
 * A pixel without one uses the relay's configured default (`graphVersion`).
 */
import { z } from 'zod';

export const graphVersionSchema = z.string().regex(/^v\d{1,3}\.\d$/, 'a Graph API version looks like v24.0 (v<major>.<minor>)');
