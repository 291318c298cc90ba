/** One-line preview of the transform for the CLI: JSON in, JSON out. */
import { transformEvent, type TenantPolicy, type TransformCtx } from './transform.js';

/**
 * Transforms one JSON line and answers as ingest would, as a JSON line: `{"status":"accepted","event":…}`
 * (the exact event Meta would get), `{"status":"skipped","code","message"}` (valid, the policy keeps it back)
 * or `{"status":"rejected","code","message","field"?}` (invalid). No store: duplicates, switches and pixels
 * are not known here.
 */
export function previewLine(line: string, policy: TenantPolicy, ctx: TransformCtx): string {
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch {
    return JSON.stringify({ status: 'rejected', code: 'invalid_json', message: 'line is not valid JSON' });
  }
  const r = transformEvent(input, policy, ctx);
  if (r.kind === 'send') return JSON.stringify({ status: 'accepted', event: r.event });
  if (r.kind === 'dropped') return JSON.stringify({ status: 'skipped', code: r.code, message: r.message });
  return JSON.stringify({ status: 'rejected', code: r.code, message: r.message, ...(r.field === undefined ? {} : { field: r.field }) });
}
