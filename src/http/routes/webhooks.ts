/**
 * `POST /v1/webhooks/{platform}/{sourceId}`: platform webhooks. The body is kept as raw bytes because
 * signatures are computed over the exact bytes; the source definition verifies, then maps to commerce
 * events that take the one ingest path. Nothing is stored for a request that fails verification.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isPlatform, sourceDefinitions, type WebhookRequest } from '../../sources/index.js';
import { NotFoundError, type TenantView } from '../../services/configuration.js';
import type { IngestResult } from '../../ingest/ingest-service.js';
import type { AppDeps } from '../app.js';
import { HttpError } from '../errors.js';
import { isCleanText, storableText } from '../../transform/untrusted.js';
import { z } from 'zod';
import { eventResult } from '../api-schemas.js';
import { describeRoute } from '../route-contract.js';

const webhookRoute = describeRoute({
  summary: "A platform's webhook",
  description:
    'The raw body is verified against the source\'s signing secret (signed bytes as received), then mapped to commerce events that take the one ingest path. ' +
    'A delivery that cannot be mapped is answered 200 (rejected, kept in the event log as Unmappable) so the platform does not retry it. ' +
    'Signature headers by platform: shopify X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the body); woocommerce X-WC-Webhook-Signature (the same); ' +
    'stripe Stripe-Signature (t=…,v1=…); generic X-Capi-Relay-Signature (t=…,v1=hex HMAC-SHA256 of "{t}.{body}") and X-Capi-Relay-Delivery-Id; ' +
    'commerce7 optional Basic auth. docs/connect-your-store.md.',
  tags: ['Webhooks'],
  auth: 'public',
  params: z.object({
    platform: z.enum(['shopify', 'woocommerce', 'commerce7', 'stripe', 'generic']),
    sourceId: z.string().meta({ description: 'the source id (POST /api/v1/tenants/{id}/sources answers its webhookUrl)' }),
  }),
  headers: {
    'X-Shopify-Hmac-Sha256': { description: 'shopify: base64 HMAC-SHA256 of the raw body' },
    'X-Shopify-Topic': { description: 'shopify: orders/create, orders/paid, checkouts/create, carts/update, customers/create …' },
    'X-Shopify-Webhook-Id': { description: 'shopify: the delivery id' },
    'X-WC-Webhook-Signature': { description: 'woocommerce: base64 HMAC-SHA256 of the raw body' },
    'X-WC-Webhook-Topic': { description: 'woocommerce: order.created, customer.created …' },
    'Stripe-Signature': { description: 'stripe: t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{body}">' },
    'X-Capi-Relay-Signature': { description: 'generic: t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{body}">' },
    'X-Capi-Relay-Delivery-Id': { description: 'generic: 1–128 characters of A–Z a–z 0–9 . _ : -; a repeat is answered duplicate' },
  },
  documentedBody: {
    description: "the platform's payload, kept as raw bytes whatever the content type (signatures cover the exact bytes)",
    content: { 'application/json': z.record(z.string(), z.unknown()), 'application/x-www-form-urlencoded': z.string().meta({ description: 'a WooCommerce ping' }) },
  },
  responses: {
    200: {
      description: 'verified: one result per mapped event, or ignored (a ping or a topic not sent to Meta) or duplicate (a delivery or signed request already received)',
      schema: z.union([z.object({ results: z.array(eventResult) }), z.object({ status: z.enum(['ignored', 'duplicate']), reason: z.string(), results: z.array(eventResult).max(0) })]),
    },
  },
  errors: ['not_found', 'signature_missing', 'signature_invalid', 'signature_malformed', 'signature_outdated', 'timestamp_out_of_tolerance', 'delivery_id_invalid', 'too_many_events', 'body_too_large', 'storage_unavailable', 'delivery_in_progress', 'unsupported_media_type'],
});

/** The event name of the log row kept for a delivery that could not be mapped. */
export const UNMAPPABLE_EVENT = 'Unmappable';

function headersOf(raw: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(raw)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

const MAX_RECORD_ID = 200;
const MAX_RECORD_MESSAGE = 1000;
/** Retry-After on delivery_in_progress: the first request is answered within seconds, or fails and frees its claim. */
const IN_FLIGHT_RETRY_AFTER_S = 5;

/**
 * The delivery id as the Unmappable row's event_id when it is storable text of a sane length, else its digest:
 * it comes from a header or the body (Stripe's `id`), and the row must be kept on both databases alike.
 */
function recordIdOf(deliveryId: string | null, rawBody: Buffer): string {
  if (deliveryId !== null && deliveryId.length <= MAX_RECORD_ID && isCleanText(deliveryId)) return deliveryId;
  return `sha256:${createHash('sha256').update(deliveryId ?? rawBody).digest('hex')}`;
}

/**
 * Keeps a record of a delivery the relay could not turn into a sendable event, without any customer
 * data: only the delivery id (or a digest of the body), the code and the message. The event is answered
 * `rejected` (it will never be sent), yet the platform gets a 2xx so it does not retry a payload that will
 * never map.
 */
async function keepUnmappable(
  deps: AppDeps,
  tenant: TenantView,
  source: string,
  eventId: string,
  drop: { code: string; message: string },
  now: number,
): Promise<IngestResult> {
  const [outcome] = await deps.ingest.keep(
    tenant,
    [{ eventName: UNMAPPABLE_EVENT, eventId, source, event: null, decisions: [], drop: { code: storableText(drop.code, MAX_RECORD_MESSAGE), message: storableText(drop.message, MAX_RECORD_MESSAGE) } }],
    now,
  );
  if (outcome?.status === 'duplicate') return { event_id: eventId, status: 'duplicate' };
  deps.metrics.dropped.inc({ code: drop.code });
  return { event_id: eventId, status: 'rejected', code: drop.code, message: `${drop.message} (kept in the event log as ${UNMAPPABLE_EVENT} ${eventId})` };
}

export async function registerWebhookRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const replayKeys = deps.webhookReplayKeys;
  // Encapsulated: only this scope receives raw bytes, whatever the content type (WooCommerce pings are form-encoded).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  /** The active source and tenant a webhook URL names; 404 otherwise. */
  async function resolveTarget(platform: string, sourceId: string) {
    const notFound = () => new HttpError('not_found', `no active ${platform} source ${sourceId}`);
    if (!isPlatform(platform)) throw notFound();
    const source = await deps.sources.resolve(sourceId, platform);
    if (!source) throw notFound();
    let tenant: TenantView;
    try {
      tenant = await deps.tenants.getTenant(source.tenantId);
    } catch (err) {
      // Only "no such tenant" is a 404: a storage fault must stay a 503 the platform retries.
      if (err instanceof NotFoundError) throw notFound();
      throw err;
    }
    if (tenant.status !== 'active') throw notFound();
    return { platform, source, tenant };
  }

  // The source id is checked on the URL, before the body is read: a request to an unknown or disabled
  // source never gets up to bodyLimitBytes buffered (404, and the connection is closed).
  const targets = new WeakMap<FastifyRequest, Awaited<ReturnType<typeof resolveTarget>>>();
  app.addHook('onRequest', async (req) => {
    const { platform, sourceId } = (req.params ?? {}) as { platform?: string; sourceId?: string };
    if (platform !== undefined && sourceId !== undefined) targets.set(req, await resolveTarget(platform, sourceId));
  });

  app.post('/v1/webhooks/:platform/:sourceId', webhookRoute.options, async (req, reply: FastifyReply) => {
    const { platform: name, sourceId } = req.params as { platform: string; sourceId: string };
    const { platform, source, tenant } = targets.get(req) ?? (await resolveTarget(name, sourceId));

    const def = sourceDefinitions[platform];
    const now = deps.ingest.now();
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const wreq: WebhookRequest = { headers: headersOf(req.headers), rawBody, now, toleranceSeconds: deps.config.webhookToleranceSeconds };
    if (def.isPing?.(wreq)) return reply.status(200).send({ status: 'ignored', reason: 'ping', results: [] });

    const verified = def.verify(wreq, source.secrets);
    if (!verified.ok) {
      // Log the code only: never the secret, the signature or the body. The codes are registry codes
      // (HttpError only takes those), so docs/errors.md lists every answer a platform can get.
      req.log.warn({ platform, sourceId, code: verified.code }, 'webhook verification failed');
      deps.refused.record(tenant.id, 'signature_refused');
      throw new HttpError(verified.code, verified.message);
    }

    // A signature is good for one request: the same signed bytes again (a capture replayed inside the
    // tolerance window, whatever delivery id it now claims) are answered as a duplicate and not stored.
    const replayKey = def.deduplicatesDeliveries ? verified.replayKey : undefined;
    if (replayKey !== undefined) {
      const claim = await replayKeys.claimSignature(source.id, replayKey);
      if (claim === 'done') return reply.status(200).send({ status: 'duplicate', reason: 'this signed request was already received', results: [] });
      // The same signed request is still being processed (the sender retried before it was answered). Answering
      // "duplicate" now would lose its events if that first attempt then fails: the sender is asked to retry.
      if (claim === 'in_flight') {
        reply.header('retry-after', String(IN_FLIGHT_RETRY_AFTER_S));
        throw new HttpError('delivery_in_progress');
      }
    }
    try {
      const answer = await handleVerified();
      if (replayKey !== undefined) await replayKeys.completeSignature(source.id, replayKey).catch(() => undefined);
      return answer;
    } catch (err) {
      // Nothing was stored: the sender's identical retry must not be taken for a replay.
      if (replayKey !== undefined) await replayKeys.releaseSignature(source.id, replayKey).catch(() => undefined);
      throw err;
    }

    async function handleVerified() {
      const sourceName = `webhook:${platform}`;
      const parsed = def.parse(wreq, source!.settings);
      if (parsed.kind === 'ignore') return reply.status(200).send({ status: 'ignored', reason: parsed.reason, results: [] });
      const fallbackId = recordIdOf(parsed.deliveryId, rawBody);
      if (parsed.kind === 'unmappable') {
        const r = await keepUnmappable(deps, tenant, sourceName, fallbackId, { code: parsed.code, message: parsed.message }, now);
        return reply.status(200).send({ results: [r] });
      }
      // The generic source takes batches as /v1/events does, under the same bound.
      const max = deps.config.maxEventsPerRequest;
      if (parsed.events.length > max) throw new HttpError('too_many_events', `at most ${max} events per request; got ${parsed.events.length}`);
      const dedup = def.deduplicatesDeliveries === true;
      if (dedup && (await replayKeys.deliverySeen(source!.id, fallbackId))) {
        return reply.status(200).send({ status: 'duplicate', reason: 'this delivery id was already received', results: [] });
      }

      // An event without an id gets `{delivery id}:{position}`: a retry of the delivery deduplicates at the relay and at Meta.
      const results = await deps.ingest.ingest(tenant, parsed.events, {
        source: sourceName,
        ...(dedup ? { eventIdFor: (i: number) => `${fallbackId}:${i}` } : {}),
      });
      // A mapped event the transform rejects would otherwise leave no trace: keep a PII-free record of it.
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        if (r?.status !== 'rejected') continue;
        const id = results.length > 1 ? `${fallbackId}:${i}` : fallbackId;
        await keepUnmappable(deps, tenant, sourceName, id, { code: r.code ?? 'rejected', message: r.message ?? 'rejected by the transform' }, now);
        results[i] = { ...r, message: `${r.message ?? ''} (kept in the event log as ${UNMAPPABLE_EVENT} ${id})` };
      }
      // Recorded only now, once stored: an attempt that failed halfway stays retryable (events deduplicate anyway).
      if (dedup) await replayKeys.recordDelivery(source!.id, fallbackId);
      return reply.status(200).send({ results });
    }
  });
}
