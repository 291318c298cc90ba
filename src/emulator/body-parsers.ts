/**
 * Form body parsers for the Graph endpoints (meta-capi.md rule 4): Meta's curl examples post
 * multipart/form-data; x-www-form-urlencoded is plausible. No multipart library is installed, so text
 * fields are parsed here; file parts are ignored.
 */
import type { FastifyInstance } from 'fastify';

/** Parses a multipart/form-data body into its text fields (last value wins). */
export function parseMultipart(body: Buffer, contentType: string): Record<string, string> {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  // A client's mistake, not the server's: a 400 on the relay's Graph endpoint and at the emulator alike.
  if (!boundary) throw Object.assign(new Error('multipart body without boundary'), { statusCode: 400 });
  const out: Record<string, string> = {};
  const parts = body.toString('utf8').split(`--${boundary}`);
  for (const part of parts.slice(1)) {
    if (part.startsWith('--')) break; // closing delimiter
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined || /filename=/i.test(headers)) continue;
    let value = part.slice(headerEnd + 4);
    if (value.endsWith('\r\n')) value = value.slice(0, -2);
    out[name] = value;
  }
  return out;
}

/** Registers urlencoded and multipart parsers on a Fastify instance. */
export function registerFormParsers(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      done(null, parseMultipart(body as Buffer, req.headers['content-type'] ?? ''));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
