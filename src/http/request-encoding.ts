/**
 * Compressed request bodies. RudderStack's server SDKs gzip every batch by default (`Content-Encoding: gzip`), and
 * other senders may too, so a drop-in relay reads gzip, deflate and brotli bodies. The body limit applies to the
 * decompressed bytes (Fastify counts what the decoding stream yields), so a small compressed body that inflates
 * past `bodyLimitBytes` is a 413, not a memory spike; the Content-Length check still sees the bytes on the wire.
 * Any other coding, or codings stacked on each other, is a 415 that names what the relay reads.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

const DECODERS = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
} as const;

export type ContentCoding = keyof typeof DECODERS;

export const READ_CODINGS = Object.keys(DECODERS) as ContentCoding[];

/**
 * The one coding a request body is compressed with, or null when it is sent as is (no header, or `identity`).
 * Throws a 415 for a coding the relay does not read and for stacked codings (`gzip, br`: nobody sends them).
 */
export function contentCodingOf(headers: IncomingHttpHeaders): ContentCoding | null {
  const header = headers['content-encoding'];
  if (header === undefined) return null;
  const codings = header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return null;
  const [only] = codings;
  if (codings.length === 1 && only !== undefined && Object.hasOwn(DECODERS, only)) return only as ContentCoding;
  throw new HttpError('unsupported_media_type', `the body's Content-Encoding is not one the relay reads: send it uncompressed or as ${READ_CODINGS.join(', ')} (one coding)`);
}

/** A stream of the decompressed body that tells Fastify how many compressed bytes arrived (its Content-Length check). */
interface DecodedBody extends PassThrough {
  receivedEncodedLength: number;
}

/**
 * Decompresses `payload`. A corrupt or truncated body becomes a 400 `invalid_body` naming the coding: zlib's own
 * error would reach the error handler as a bare 400 with zlib's wording.
 */
export function decodedBody(payload: Readable, coding: ContentCoding): DecodedBody {
  const decoder = DECODERS[coding]();
  const out = Object.assign(new PassThrough(), { receivedEncodedLength: 0 });
  payload.on('data', (chunk: Buffer | string) => {
    out.receivedEncodedLength += chunk.length;
  });
  // pipe() forwards data and backpressure, not errors: each error ends `out` once, in the relay's terms.
  payload.on('error', (err) => out.destroy(err));
  decoder.on('error', () => out.destroy(new HttpError('invalid_body', `the body is not valid ${coding === 'br' ? 'brotli' : coding} data (Content-Encoding: ${coding})`)));
  payload.pipe(decoder).pipe(out);
  return out;
}

/** The coding of a request's body; null with no body (a proxy may add the header to a GET) or none. */
function bodyCodingOf(headers: IncomingHttpHeaders): ContentCoding | null {
  const hasBody = headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
  return hasBody ? contentCodingOf(headers) : null;
}

/**
 * Every route reads a compressed body decompressed. The coding is checked on arrival, before any route's own
 * hooks (an unknown one is refused before the body is read), and the body decoded as it is read.
 */
export function useBodyDecoding(app: FastifyInstance): void {
  // Callback hooks, not async ones: every request passes through both, and most carry no Content-Encoding.
  app.addHook('onRequest', (req, _reply, done) => {
    try {
      bodyCodingOf(req.headers);
      done();
    } catch (err) {
      done(err as Error);
    }
  });
  app.addHook('preParsing', (req, _reply, payload, done) => {
    try {
      const coding = bodyCodingOf(req.headers);
      done(null, coding === null ? payload : decodedBody(payload, coding));
    } catch (err) {
      done(err as Error);
    }
  });
}
