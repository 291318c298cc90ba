import type { z } from 'zod';
import { HttpError } from './errors.js';

/** Validates a request body with a zod schema; the first issue becomes an `invalid_body` 400 naming the field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, what = 'body'): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new HttpError('invalid_body', issue ? `${what} ${issue.path.join('.') || ''}: ${issue.message}`.replace(' :', ':') : `invalid ${what}`);
  }
  return r.data;
}
