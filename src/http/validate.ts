import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { PLAUSIBLE_KEY } from '../core/input-messages.js';
import { checkUntrusted, isCleanText } from '../transform/untrusted.js';
import { useJsonBodyParser } from './json-body.js';
import { HttpError } from './errors.js';

/** Unknown keys named in one message; the rest are counted (zod's own message lists every one of them). */
const NAMED_KEYS = 3;

/**
 * A zod issue's message. An `unrecognized_keys` issue names at most the first few keys that look like field names
 * (src/core/input-messages.ts: any other key could be a value, an e-mail address used as a key) and counts the rest:
 * zod lists them all, so a body of 300,000 unknown keys was answered with a 3.8 MB message.
 */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'unrecognized_keys') return issue.message;
  const { keys } = issue;
  const shown = keys.filter((k) => PLAUSIBLE_KEY.test(k)).slice(0, NAMED_KEYS);
  if (shown.length === 0) return `${keys.length === 1 ? 'an unrecognized key' : `${keys.length} unrecognized keys`} (not shown: not plain field names)`;
  const more = keys.length > shown.length ? ` and ${keys.length - shown.length} more` : '';
  return `Unrecognized key${keys.length === 1 ? '' : 's'}: ${shown.map((k) => JSON.stringify(k)).join(', ')}${more}`;
}

/** Validates a request body (untrusted-JSON rules, then a zod schema); the first issue becomes an `invalid_body` 400 naming the field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, what = 'body'): T {
  // Admin bodies end up in the database too: the same depth, text and size rules as events.
  const unsafe = checkUntrusted(body, what);
  if (unsafe) throw new HttpError('invalid_body', unsafe.path.length > 0 ? `${what} ${unsafe.message}` : unsafe.message);
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new HttpError('invalid_body', issue ? `${what} ${issue.path.join('.') || ''}: ${issueMessage(issue)}`.replace(' :', ':') : `invalid ${what}`);
  }
  return r.data;
}

/** Validates a query string with a zod schema; the first issue becomes an `invalid_parameter` 400 naming the parameter. */
export function parseQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const r = schema.safeParse(query ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const name = issue?.path.join('.');
  throw new HttpError('invalid_parameter', issue ? `${name ? `${name}: ` : ''}${issueMessage(issue)}` : 'invalid query');
}

/** Longest path or query parameter value: ids, names, ISO dates and cursors are all far shorter. */
export const MAX_PARAMETER_LENGTH = 2048;

/**
 * Path and query parameters reach SQL as text: one with U+0000 (PostgreSQL refuses it, SQLite keeps it) or an
 * unpaired surrogate is an `invalid_parameter` 400 on every route and both databases, before any handler runs.
 * The message names the parameter, never its value.
 */
export function checkRequestParameters(params: unknown, query: unknown): void {
  for (const [where, bag] of [['path', params], ['query', query]] as const) {
    if (bag === null || typeof bag !== 'object') continue;
    for (const [name, raw] of Object.entries(bag as Record<string, unknown>)) {
      for (const v of Array.isArray(raw) ? raw : [raw]) {
        if (typeof v !== 'string') continue;
        const shown = isCleanText(name) && name.length <= 64 ? name : '(a parameter)';
        if (!isCleanText(v) || !isCleanText(name)) throw new HttpError('invalid_parameter', `${where} parameter ${shown}: contains U+0000 or an unpaired surrogate`);
        if (v.length > MAX_PARAMETER_LENGTH) throw new HttpError('invalid_parameter', `${where} parameter ${shown}: longer than ${MAX_PARAMETER_LENGTH} characters`);
      }
    }
  }
}

/** Parses `text/plain` bodies as JSON in this Fastify scope only: some senders post JSON that way to skip a CORS preflight. */
export function parseTextPlainAsJson(app: FastifyInstance): void {
  useJsonBodyParser(app, 'text/plain');
}
