/**
 * Segment / RudderStack HTTP Tracking API: POST /v1/track, /v1/page, /v1/identify, /v1/batch. The write key is
 * the store's ingest key, sent as the Basic-auth user (password empty), as analytics-node and RudderStack's
 * server SDKs send it: both are server-side secrets, so one key kind serves both, and a browser library
 * (analytics.js) must not be pointed here with it (the snippet's /v1/collect takes the publishable key).
 * Calls take the one ingest path; `identify` traits are remembered hashed for the user's later calls.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mapSegmentCall, type SegmentMapped, segmentCalls } from '../../protocols/segment.js';
import type { TenantView } from '../../services/configuration.js';
import { checkUntrusted } from '../../transform/untrusted.js';
import { buildUserData } from '../../transform/user-data.js';
import { parsePolicy } from '../../transform/transform.js';
import type { AppDeps } from '../app.js';
import { HttpError } from '../errors.js';
import { useJsonBodyParser } from '../json-body.js';
import { z } from 'zod';
import { describeRoute } from '../route-contract.js';

const segmentCall = z.looseObject({
  type: z.enum(['track', 'page', 'identify']).optional().meta({ description: 'in a batch' }),
  messageId: z.string().optional(),
  userId: z.string().optional(),
  anonymousId: z.string().optional(),
  event: z.string().optional().meta({ description: 'track: the event name (e-commerce spec v2: Order Completed, Product Added …)' }),
  properties: z.record(z.string(), z.unknown()).optional(),
  traits: z.record(z.string(), z.unknown()).optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  timestamp: z.string().optional(),
});
const callResult = z.object({ messageId: z.string().nullable(), status: z.string().meta({ description: 'accepted, duplicate, skipped, rejected, remembered (identify) or ignored' }), event_id: z.string().nullable().optional(), code: z.string().optional(), message: z.string().optional() });
const segmentRoute = (path: 'track' | 'page' | 'identify' | 'batch') =>
  describeRoute({
    summary: `Segment / RudderStack: ${path}`,
    description: 'The write key is the store ingest key, as the Basic-auth user with an empty password; calls take the one ingest path (docs/switch-from.md).',
    tags: ['Drop-in: Segment'],
    auth: 'segment',
    documentedBody: {
      description: path === 'batch' ? '{"batch": [...]}, up to maxEventsPerRequest calls' : `one ${path} call`,
      content: { 'application/json': path === 'batch' ? z.looseObject({ batch: z.array(segmentCall).min(1) }) : segmentCall, 'text/plain': z.string() },
    },
    responses: { 200: { description: "Segment's success, with one result per call in order", schema: z.object({ success: z.literal(true), results: z.array(callResult) }) } },
    errors: ['invalid_json', 'invalid_body', 'too_many_events', 'body_too_large', 'unsupported_media_type'],
  });

/** The write key of `Authorization: Basic base64(writeKey:)`, or null. */
export function basicUser(req: FastifyRequest): string | null {
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1]) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const user = decoded.split(':')[0] ?? '';
  return user === '' ? null : user;
}

/** One call's answer, in input order (Segment's own API answers only `{"success": true}`; these explain). */
interface CallResult {
  messageId: string | null;
  status: string;
  event_id?: string | null;
  code?: string;
  message?: string;
}

const tenantOfRequest = new WeakMap<FastifyRequest, TenantView>();

export async function registerSegmentRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const traits = deps.userTraits;
  // Every body is read as JSON, whatever its Content-Type: some clients post JSON as text/plain (no CORS preflight),
  // and RudderStack's Node SDK posts its gzipped batch as a bare buffer, with axios's default type, not JSON's.
  // (Fastify's own text/plain parser would answer a string, so that type is named as well as the catch-all.)
  useJsonBodyParser(app, 'text/plain');
  useJsonBodyParser(app, '*');

  // The write key is checked before the body is read.
  app.addHook('onRequest', async (req) => {
    const key = basicUser(req);
    if (!key) throw new HttpError('unauthorized', 'send the store ingest key as the write key: Authorization: Basic base64("<ingest key>:")');
    const tenant = await deps.tenants.authenticate(key, 'ingest');
    if (!tenant) throw new HttpError('unauthorized', 'invalid or revoked write key (the store ingest key)');
    tenantOfRequest.set(req, tenant);
  });

  for (const path of ['track', 'page', 'identify', 'batch'] as const) {
    app.post(`/v1/${path}`, segmentRoute(path).options, async (req, reply) => {
      const tenant = tenantOfRequest.get(req) as TenantView;
      const split = segmentCalls(path, req.body, deps.config.maxEventsPerRequest);
      if ('error' in split) throw new HttpError(split.tooMany ? 'too_many_events' : 'invalid_body', split.error);
      // The untrusted-input rules (depth, text, lengths) apply to a whole call before it is mapped, as to an event.
      const mapped = split.calls.map(({ type, call }): SegmentMapped => {
        const unsafe = checkUntrusted(call, 'call');
        return unsafe ? { kind: 'invalid', messageId: null, message: unsafe.message } : mapSegmentCall(type, call);
      });
      const results = await handleCalls(tenant, mapped);
      return reply.status(200).send({ success: true, results });
    });
  }

  async function handleCalls(tenant: TenantView, mapped: SegmentMapped[]): Promise<CallResult[]> {
    const now = deps.ingest.now();
    const results: CallResult[] = new Array(mapped.length);
    let defaultCountry: string | undefined;
    try {
      defaultCountry = parsePolicy(tenant.policy).defaultCountry;
    } catch {
      defaultCountry = undefined; // a broken policy is ingest's to reject
    }
    // identify first, in order: a batch's later track calls of the same user already carry its traits.
    for (const [i, m] of mapped.entries()) {
      if (m.kind === 'invalid') results[i] = { messageId: m.messageId, status: 'rejected', code: 'invalid_call', message: m.message };
      else if (m.kind === 'ignored') results[i] = { messageId: m.messageId, status: 'ignored', message: m.reason };
      else if (m.kind === 'identify') {
        const decisions: { code: string; message: string }[] = [];
        const built = buildUserData(m.traits, { eventTimeMs: now, now, ...(defaultCountry ? { defaultCountry } : {}) }, decisions);
        if ('rejected' in built) {
          results[i] = { messageId: m.messageId, status: 'rejected', ...built.rejected };
          continue;
        }
        await traits.remember(tenant.id, m.userKey, built.userData as Record<string, unknown>, now);
        results[i] = { messageId: m.messageId, status: 'remembered' };
      }
    }
    const events = mapped.flatMap((m, i) => (m.kind === 'event' ? [{ m, i }] : []));
    if (events.length === 0) return results;
    const remembered = await traits.get(tenant.id, events.flatMap(({ m }) => (m.userKey ? [m.userKey] : [])));
    const inputs = events.map(({ m }) => {
      const known = m.userKey ? remembered.get(m.userKey) : undefined;
      // What the call itself says wins over what an earlier identify said.
      return known ? { ...m.input, user: { ...known, ...(m.input.user as Record<string, unknown>) } } : m.input;
    });
    const outcomes = await deps.ingest.ingest(tenant, inputs, { source: 'api:segment' });
    events.forEach(({ m, i }, k) => {
      const o = outcomes[k];
      results[i] = { messageId: m.messageId, ...(o ?? { status: 'rejected', event_id: null }) };
    });
    return results;
  }
}
