/**
 * HTTP client for the Graph API `/{pixel}/events` edge, the pixel probe and `dataset_quality`. Returns raw
 * answers (for classify.ts, or `graphErrorOf` below) and never throws, so a delivery loop cannot lose a batch
 * to an unexpected exception.
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { GraphRawResponse } from './classify.js';

export interface GraphClientOptions {
  /** e.g. `https://graph.facebook.com` or the emulator's URL. */
  baseUrl: string;
  /** e.g. `v24.0`. */
  version: string;
  /** Whole-request timeout (connect + headers + body). */
  timeoutMs?: number;
  /** Overrides the keep-alive Agent (tests, proxies). Not closed by `close()`. */
  dispatcher?: Dispatcher;
}

/** The Graph API calls the relay makes; `version` (e.g. a pixel's own) overrides the client's for that call. */
export interface GraphClient {
  /** `events`: each server event's JSON text; the body is assembled around them, not re-serialized. */
  sendEvents(pixelId: string, token: string, events: readonly string[], testEventCode?: string, version?: string | null): Promise<GraphRawResponse>;
  getPixel(pixelId: string, token: string, version?: string | null): Promise<GraphRawResponse>;
  /** Meta's own Event Match Quality of a dataset (a pixel id), with only the fields the match-quality report reads. */
  getDatasetQuality(datasetId: string, token: string, version?: string | null): Promise<GraphRawResponse>;
  close(): Promise<void>;
}

// Graph returns only the fields asked for; these are the ones the match-quality report compares.
const DATASET_QUALITY_FIELDS = 'web{event_name,event_match_quality{composite_score,match_key_feedback{identifier,coverage{percentage}}}}';

/**
 * What a Graph API error answer says is wrong, in the terms an operator acts on: the token (invalid or
 * expired), its permissions, or an object (pixel, dataset) it cannot see; `other` for anything else.
 */
export interface GraphError {
  problem: 'token' | 'permission' | 'unknown_object' | 'other';
  code?: number;
  subcode?: number;
  /** Meta's own words, for the operator to read; never contains the token (Meta does not echo it). */
  message?: string;
}

/** Reads the `error` object of a Graph API answer (an answer without one is `other`, with no code). */
export function graphErrorOf(body: unknown): GraphError {
  const e = body !== null && typeof body === 'object' && 'error' in body ? (body as { error: unknown }).error : null;
  if (e === null || typeof e !== 'object') return { problem: 'other' };
  const { code, error_subcode: subcode, message } = e as Record<string, unknown>;
  const out: GraphError = { problem: 'other' };
  if (typeof code === 'number') out.code = code;
  if (typeof subcode === 'number') out.subcode = subcode;
  if (typeof message === 'string') out.message = message;
  // 190 invalid/expired token, 102 session; 10 and 200–299 permission errors; 100/33 an object the token cannot see.
  if (out.code === 190 || out.code === 102) out.problem = 'token';
  else if (out.code === 10 || (out.code !== undefined && out.code >= 200 && out.code <= 299)) out.problem = 'permission';
  else if (out.code === 100 && out.subcode === 33) out.problem = 'unknown_object';
  return out;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function isTimeout(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return err.name === 'TimeoutError' || (typeof code === 'string' && TIMEOUT_CODES.has(code));
}

function parseRetryAfter(v: string | string[] | undefined): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined) return undefined;
  const secs = Number(s);
  return Number.isFinite(secs) && secs >= 0 ? secs * 1000 : undefined;
}

/**
 * `{"data":[…events…]<rest>}` written straight into one buffer. Joining 1000 events into a string made a
 * ~0.6 MB string per request, which V8 puts in its large-object space: only a full collection frees it, so
 * under a backlog the old generation (and the RSS) grew with every batch in flight, and undici then copied
 * the string into a buffer anyway. `alloc` gives the buffer (a reused one: see BodyBuffers).
 */
export function requestBody(events: readonly string[], rest: string, alloc: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  let size = '{"data":['.length + Buffer.byteLength(rest) + ']}'.length + Math.max(0, events.length - 1);
  for (const e of events) size += Buffer.byteLength(e);
  const body = alloc(size);
  let at = body.write('{"data":[', 0, 'latin1');
  events.forEach((e, i) => {
    if (i > 0) body[at++] = 0x2c; // ','
    at += body.write(e, at);
  });
  at += body.write(']', at, 'latin1');
  at += body.write(rest, at);
  body.write('}', at, 'latin1');
  return body;
}

/**
 * Request bodies reused from one request to the next. A new ~1 MB buffer per request lives outside the heap
 * but is freed only when its small handle is collected; a handle held across a request's round trip is
 * promoted and then waits for a full collection, so draining a backlog grew the process by tens of MB of
 * bodies already sent. A buffer comes back only after a 2xx answer, which Meta gives once it has read the
 * whole body: an early error answer may leave part of it still queued on a socket.
 */
export interface BodyBuffers {
  take(size: number): Buffer;
  give(body: Buffer): void;
}

export function createBodyBuffers(keep = 4): BodyBuffers {
  const free: ArrayBuffer[] = [];
  const own = new WeakSet<ArrayBuffer>();
  return {
    take(size) {
      const i = free.findIndex((b) => b.byteLength >= size);
      const buffer = i === -1 ? new ArrayBuffer(Math.max(size, 64 * 1024)) : (free.splice(i, 1)[0] as ArrayBuffer);
      own.add(buffer);
      return Buffer.from(buffer, 0, size);
    },
    give(body) {
      const buffer = body.buffer;
      // Only buffers this pool made: a small Buffer may share Node's own pool slab.
      if (!(buffer instanceof ArrayBuffer) || !own.has(buffer) || free.includes(buffer)) return;
      if (free.length >= keep) free.sort((a, b) => a.byteLength - b.byteLength).shift();
      free.push(buffer);
    },
  };
}

/** Creates a Graph API client with a keep-alive connection pool; the token travels only in `Authorization`. */
export function createGraphClient(opts: GraphClientOptions): GraphClient {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const ownAgent = opts.dispatcher ? null : new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const dispatcher: Dispatcher = opts.dispatcher ?? (ownAgent as Agent);
  const base = opts.baseUrl.replace(/\/+$/, '');
  const defaultVersion = encodeURIComponent(opts.version);
  // A pixel without its own version (null or absent) uses the relay's default.
  const bodies = createBodyBuffers();
  const versionOf = (override: string | null | undefined) => (override == null ? defaultVersion : encodeURIComponent(override));

  async function call(method: 'GET' | 'POST', path: string, token: string, body?: Buffer): Promise<GraphRawResponse> {
    try {
      // Tokens never go in the URL: URLs end up in proxy and server access logs.
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await request(`${base}${path}`, {
        method,
        headers,
        body: body ?? null,
        dispatcher,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await res.body.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Non-JSON (an HTML error page from a proxy): keep the text, classify decides by status.
      }
      const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      return retryAfterMs === undefined
        ? { status: res.statusCode, body: parsed }
        : { status: res.statusCode, body: parsed, retryAfterMs };
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return { networkError: message.split(token).join('[token]'), timedOut: isTimeout(err) };
    }
  }

  return {
    async sendEvents(pixelId, token, events, testEventCode, version) {
      const testCode = testEventCode === undefined ? '' : `,"test_event_code":${JSON.stringify(testEventCode)}`;
      const body = requestBody(events, testCode, bodies.take);
      const answer = await call('POST', `/${versionOf(version)}/${encodeURIComponent(pixelId)}/events`, token, body);
      if ('status' in answer && answer.status >= 200 && answer.status < 300) bodies.give(body);
      return answer;
    },
    getPixel(pixelId, token, version) {
      return call('GET', `/${versionOf(version)}/${encodeURIComponent(pixelId)}?fields=id,name`, token);
    },
    getDatasetQuality(datasetId, token, version) {
      const query = new URLSearchParams({ dataset_id: datasetId, fields: DATASET_QUALITY_FIELDS });
      return call('GET', `/${versionOf(version)}/dataset_quality?${query.toString()}`, token);
    },
    async close() {
      if (ownAgent) await ownAgent.close();
    },
  };
}
