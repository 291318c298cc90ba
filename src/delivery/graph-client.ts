/**
 * HTTP client for the Graph API `/{pixel}/events` edge and the pixel probe. Returns raw answers for
 * classify.ts and never throws, so a delivery loop cannot lose a batch to an unexpected exception.
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
  sendEvents(pixelId: string, token: string, events: readonly string[], testEventCode?: string, version?: string): Promise<GraphRawResponse>;
  getPixel(pixelId: string, token: string, version?: string): Promise<GraphRawResponse>;
  close(): Promise<void>;
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

/** Creates a Graph API client with a keep-alive connection pool; the token travels only in `Authorization`. */
export function createGraphClient(opts: GraphClientOptions): GraphClient {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const ownAgent = opts.dispatcher ? null : new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const dispatcher: Dispatcher = opts.dispatcher ?? (ownAgent as Agent);
  const base = opts.baseUrl.replace(/\/+$/, '');
  const defaultVersion = encodeURIComponent(opts.version);
  const versionOf = (override: string | undefined) => (override === undefined ? defaultVersion : encodeURIComponent(override));

  async function call(method: 'GET' | 'POST', path: string, token: string, body?: string): Promise<GraphRawResponse> {
    try {
      // Tokens never go in the URL (STYLE "avoid"): URLs end up in proxy and server access logs.
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
    sendEvents(pixelId, token, events, testEventCode, version) {
      const testCode = testEventCode === undefined ? '' : `,"test_event_code":${JSON.stringify(testEventCode)}`;
      const body = `{"data":[${events.join(',')}]${testCode}}`;
      return call('POST', `/${versionOf(version)}/${encodeURIComponent(pixelId)}/events`, token, body);
    },
    getPixel(pixelId, token, version) {
      return call('GET', `/${versionOf(version)}/${encodeURIComponent(pixelId)}?fields=id,name`, token);
    },
    async close() {
      if (ownAgent) await ownAgent.close();
    },
  };
}
