import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { jsonSyntaxMessage } from '../core/input-messages.js';
import { parseJsonBody, useJsonBodyParser } from './json-body.js';

const refusal = (text: string): string => {
  try {
    parseJsonBody(text);
  } catch (err) {
    return jsonSyntaxMessage(err);
  }
  return 'parsed';
};

describe('parseJsonBody', () => {
  it('parses JSON, and keeps a constructor key that holds no prototype', () => {
    expect(parseJsonBody('{"a":[1,{"constructor":"x"}]}')).toEqual({ a: [1, { constructor: 'x' }] });
  });

  it('refuses the keys prototype pollution comes in by, at any depth, and says so', () => {
    for (const text of ['{"__proto__":{"admin":true}}', '{"a":[{"b":{"__proto__":1}}]}', '{"constructor":{"prototype":{"x":1}}}']) {
      expect(refusal(text)).toMatch(/"__proto__" key or a "constructor" key holding "prototype"/);
    }
  });

  it('says where malformed JSON goes wrong, never quoting it', () => {
    expect(refusal('{"email":"jane@example.com",}')).toMatch(/^the body is not valid JSON \(error at position \d+\)$/);
    expect(refusal('{"a":')).toBe('the body is not valid JSON (it ends too early)');
  });

  it('is the parser of a Fastify scope', async () => {
    const app = Fastify();
    app.removeContentTypeParser('application/json');
    useJsonBodyParser(app, 'application/json');
    app.post('/', async (req) => ({ got: req.body }));
    const ok = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: '{"a":1}' });
    expect(ok.json()).toEqual({ got: { a: 1 } });
    const empty = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    await app.close();
  });
});
