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

/** Validates a query string with a zod schema; the first issue becomes an `invalid_parameter` 400 naming the parameter. */
export function parseQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const r = schema.safeParse(query ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const name = issue?.path.join('.');
  throw new HttpError('invalid_parameter', issue ? `${name ? `${name}: ` : ''}${issue.message}` : 'invalid query');
}
