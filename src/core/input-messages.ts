/**
 * THE RULE for every message about rejected or unusable input (validation, webhooks, CSV, HTTP 4xx):
 * name the field and the rule it broke, never the value. Such messages are returned, logged and stored
 * (a webhook's Unmappable row keeps its message), and `forget` cannot find a value inside a message —
 * while a value in the wrong field is often an e-mail address or a phone number.
 * test/integration/pii-canary.test.ts sends canary customer data down every rejection path and fails
 * on any message, stored row or log line that repeats it.
 */

/** A key that looks like a field name may be named; anything else could be a value used as a key. */
export const PLAUSIBLE_KEY = /^[a-z0-9_.]{1,64}$/i;

/** `user_data: unknown key "foo"`, or `user_data: an unknown key` when the key does not look like a field name. */
export function unknownKeyMessage(where: string, key: string): string {
  return PLAUSIBLE_KEY.test(key) ? `${where}: unknown key "${key}"` : `${where}: an unknown key (not shown: it is not a plain field name)`;
}

/**
 * A JSON syntax error without the parser's excerpt of the input (V8 quotes the text around the error):
 * only where it went wrong.
 */
export function jsonSyntaxMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : '';
  // Valid JSON, refused on purpose: a key that would reach an object's prototype (Fastify's secure parser).
  if (/forbidden (prototype|constructor)/i.test(text)) return 'the body has a "__proto__" key or a "constructor" key holding "prototype"; the relay refuses these keys anywhere in the body';
  const position = /at position (\d+)/.exec(text)?.[1];
  if (position !== undefined) return `the body is not valid JSON (error at position ${position})`;
  if (/end of JSON input/i.test(text)) return 'the body is not valid JSON (it ends too early)';
  if (/cannot be empty/i.test(text)) return 'the body is empty';
  return 'the body is not valid JSON';
}
