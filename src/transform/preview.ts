/** One-line preview of the transform for the CLI: JSON in, JSON out. */
import { transformEvent, type TenantPolicy, type TransformCtx } from './transform.js';

/** Transforms one JSON line and returns `{"event":…}` or `{"dropped":{"code","message"}}` as a JSON line. */
export function previewLine(line: string, policy: TenantPolicy, ctx: TransformCtx): string {
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch {
    return JSON.stringify({ dropped: { code: 'invalid_json', message: 'line is not valid JSON' } });
  }
  const r = transformEvent(input, policy, ctx);
  if (r.kind === 'send') return JSON.stringify({ event: r.event });
  return JSON.stringify({ dropped: { code: r.code, message: r.message } });
}
