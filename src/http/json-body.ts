import type { FastifyInstance } from 'fastify';
import secureJsonParse from 'secure-json-parse';
import { HttpError } from './errors.js';

/**
 * JSON.parse that refuses a `__proto__` key, or a `constructor` key holding `prototype`, at any depth: the keys
 * prototype pollution comes in by. Its SyntaxError keeps the parser's message (a position, or the refused key),
 * which jsonSyntaxMessage turns into the answer; Fastify's own parser drops it and says only "invalid".
 */
export function parseJsonBody(text: string): unknown {
  return secureJsonParse.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
}

/** Parses bodies of these content types with parseJsonBody in this Fastify scope (and the scopes it registers). */
export function useJsonBodyParser(app: FastifyInstance, contentTypes: string | string[]): void {
  app.addContentTypeParser(contentTypes, { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(new HttpError('invalid_json', 'the body is empty'), undefined);
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
