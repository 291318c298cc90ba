/**
 * A strict local stand-in for Meta's Graph API (Conversions API): `POST /{v}/{pixel}/events`,
 * `GET /{v}/{pixel}`, `GET /{v}/dataset_quality`, plus the `/_emulator/*` control API.
 * Rules cited by number refer to docs/meta-capi.md, "Rules a strict fake Graph API should enforce".
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import { registerFormParsers } from './body-parsers.js';
import { registerControlRoutes } from './control.js';
import { datasetQuality } from './dataset-quality.js';
import {
  expiredToken, fbtraceId, graphError, invalidParameter, invalidToken, rateLimited, serverError, unknownObject,
  type GraphError,
} from './errors.js';
import { validateEventsRequest } from './rules.js';
import { EmulatorState } from './state.js';

export interface EmulatorOptions {
  /** Default true: rules marked E? are enforced; false keeps only E-obs/E-doc and turns E? into warnings. */
  strict?: boolean;
  /** Known pixel ids and their valid tokens. */
  pixels?: Record<string, { name: string; tokens: string[] }>;
  /** Any numeric pixel id is known and any non-empty, non-expired token is valid. */
  allowAnyPixel?: boolean;
  /** Accepted versions (default v21.0..v26.0); other `vN.M` versions are accepted with a warning (rule 1). */
  versions?: string[];
  now?: () => number;
  logger?: boolean;
  /** How long a `timeout` fault holds a request before answering 503 (default 30 s; close() releases it). */
  timeoutHoldMs?: number;
  /** Cap on recorded events kept in memory per list (default 200 000); the oldest are dropped first. */
  maxEvents?: number;
  /** Random source for `failProbability` (default Math.random). */
  random?: () => number;
}

export interface Emulator {
  app: FastifyInstance;
  state: EmulatorState;
  /** Listens (default port 0, host 127.0.0.1) and returns the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

const DEFAULT_VERSIONS = ['v21.0', 'v22.0', 'v23.0', 'v24.0', 'v25.0', 'v26.0'];
const VERSION = /^v\d+\.\d+$/;
const PIXEL_FIELDS = new Set(['id', 'name']);

type Params = { version: string; pixelId: string };
type Query = Record<string, string | undefined>;

/** Creates an emulator instance (not listening). */
export function createEmulator(opts: EmulatorOptions = {}): Emulator {
  const strict = opts.strict ?? true;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const versions = new Set(opts.versions ?? DEFAULT_VERSIONS);
  const holdMs = opts.timeoutHoldMs ?? 30_000;
  const state = new EmulatorState(opts.allowAnyPixel ?? false, opts.maxEvents ?? 200_000);
  for (const [id, p] of Object.entries(opts.pixels ?? {})) state.addPixel({ id, ...p });

  // 20 MB fits 1000 rich events; M-OFF probes `/{pixel}/?fields=…`, hence the trailing slash.
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 20 * 1024 * 1024, routerOptions: { ignoreTrailingSlash: true } });
  registerFormParsers(app);
  const holds = new Set<() => void>();

  const send = (reply: FastifyReply, e: GraphError): FastifyReply => {
    const req = reply.request;
    state.recordRejection({ method: req.method, url: req.url.split('?')[0] ?? '', receivedAt: now(), status: e.status, error: e.body.error });
    return reply.code(e.status).header('x-fb-trace-id', e.body.error.fbtrace_id).send(e.body);
  };

  // Graph-shaped answers for body parse errors, oversize bodies, and unknown paths.
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) return send(reply, serverError(500));
    return send(reply, { ...invalidParameter(`(#100) ${err.message}`), status });
  });
  app.setNotFoundHandler((req, reply) =>
    send(reply, graphError(400, { message: `Unknown path components: ${req.url.split('?')[0] ?? ''}`, type: 'OAuthException', code: 2500 })),
  );

  function tokenOf(req: FastifyRequest): string | undefined {
    const q = (req.query as Query).access_token;
    if (q) return q;
    const b = req.body as Record<string, unknown> | undefined;
    if (b && typeof b === 'object' && typeof b.access_token === 'string' && b.access_token) return b.access_token;
    const auth = req.headers.authorization;
    return auth?.startsWith('Bearer ') ? auth.slice(7).trim() || undefined : undefined;
  }

  /** Rules 1–3 in Graph's order: version, token, pixel access. */
  function authorize(req: FastifyRequest, version: string, objectId: string, method: 'post' | 'get'): GraphError | null {
    if (!VERSION.test(version)) {
      return graphError(400, { message: `Unknown path components: /${version}`, type: 'OAuthException', code: 2500 });
    }
    const check = state.checkToken(tokenOf(req), objectId);
    if (check === 'invalid') return invalidToken();
    if (check === 'expired') return expiredToken(now());
    if (check === 'no-access' || (!state.allowAnyPixel && !state.pixels.has(objectId))) return unknownObject(objectId, method);
    return null;
  }

  async function delay(): Promise<void> {
    const ms = state.faults().latencyMs;
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  /** Holds a request for `holdMs` or until close(), whichever comes first (timeout fault). */
  function hold(): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => { clearTimeout(timer); holds.delete(release); resolve(); };
      const timer = setTimeout(release, holdMs);
      holds.add(release);
    });
  }

  app.post<{ Params: Params }>('/:version/:pixelId/events', async (req, reply) => {
    await delay();
    const fault = state.takeFault(random);
    if (fault?.kind === 'timeout') { await hold(); return send(reply, serverError(503)); }
    if (fault?.kind === '5xx') return send(reply, serverError(fault.status));
    if (fault?.kind === 'rate') return send(reply, rateLimited(fault.code));
    const { version, pixelId } = req.params;
    const denied = authorize(req, version, pixelId, 'post');
    if (denied) return send(reply, denied);
    const receivedAt = now();
    const result = validateEventsRequest(req.body, { strict, nowMs: receivedAt });
    if (!result.ok) return send(reply, result.error);
    const trace = fbtraceId();
    const versionWarning = versions.has(version) ? null : `version ${version} is not in the accepted list`;
    state.record(result.events.map((v) => ({
      pixelId, version, receivedAt, fbtraceId: trace, testEventCode: result.testEventCode,
      warnings: versionWarning ? [versionWarning, ...v.warnings] : v.warnings, event: v.event,
    })));
    // Rule 8: exactly these three keys.
    return reply.header('x-fb-trace-id', trace).send({ events_received: result.events.length, messages: [], fbtrace_id: trace });
  });

  app.get<{ Params: Params; Querystring: Query }>('/:version/:pixelId', async (req, reply) => {
    await delay();
    const { version, pixelId } = req.params;
    if (pixelId === 'dataset_quality') {
      // Rule 35: dataset quality of one dataset (pixel), computed from live recorded events.
      const datasetId = req.query.dataset_id;
      if (!datasetId) return send(reply, invalidParameter('(#100) The parameter dataset_id is required'));
      const denied = authorize(req, version, datasetId, 'get');
      if (denied) return send(reply, denied);
      state.recordLookup({ kind: 'dataset_quality', objectId: datasetId, version, receivedAt: now() });
      return datasetQuality(state.events({ pixelId: datasetId }));
    }
    // Rule 34: credential probe.
    const denied = authorize(req, version, pixelId, 'get');
    if (denied) return send(reply, denied);
    const fields = (req.query.fields ?? 'id,name').split(',').map((f) => f.trim()).filter(Boolean);
    const unknown = fields.find((f) => !PIXEL_FIELDS.has(f));
    if (unknown) {
      return send(reply, graphError(400, {
        message: `(#100) Tried accessing nonexisting field (${unknown}) on node type (AdsPixel)`, type: 'OAuthException', code: 100,
      }));
    }
    state.recordLookup({ kind: 'pixel', objectId: pixelId, version, receivedAt: now() });
    const node: Record<string, string> = { id: pixelId, name: state.pixelName(pixelId) };
    return Object.fromEntries(fields.map((f) => [f, node[f]]));
  });

  registerControlRoutes(app, state);

  return {
    app,
    state,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const addr = app.server.address() as AddressInfo;
      return `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
    },
    async close() {
      for (const release of [...holds]) release();
      await app.close();
    },
  };
}
