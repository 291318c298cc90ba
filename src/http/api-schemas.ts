/**
 * Shapes of answers that several routes share, as zod schemas: /openapi.json documents them (as named
 * components) and test/integration/openapi.test.ts checks real answers against them.
 */
import { z } from 'zod';
import { HTTP_ERRORS, type HttpErrorCode } from './errors.js';

const errorCodes = Object.keys(HTTP_ERRORS) as [HttpErrorCode, ...HttpErrorCode[]];

/** The relay's one error envelope (src/http/errors.ts). */
export const errorEnvelope = z
  .object({ error: z.object({ code: z.enum(errorCodes), message: z.string() }) })
  .meta({ id: 'Error', description: 'Every request-level error: a machine-readable code and a human message (docs/errors.md)' });

/** Meta's Graph API error envelope, which the Graph-compatible route answers so Meta clients keep working. */
export const graphErrorEnvelope = z
  .object({
    error: z.looseObject({
      message: z.string(),
      type: z.string(),
      code: z.number().int(),
      error_subcode: z.number().int().optional(),
      error_user_msg: z.string().optional(),
      is_transient: z.boolean().optional(),
      fbtrace_id: z.string(),
    }),
  })
  .meta({ id: 'GraphError', description: "Meta's error envelope: 190 wrong key, 104 no token, 100 invalid parameter (subcode 33: not the store's pixel), 2 transient" });

/** What happens to one event (docs/errors.md#per-event-results). */
export const eventResult = z
  .object({
    event_id: z.string().nullable(),
    status: z.enum(['accepted', 'duplicate', 'skipped', 'rejected']),
    code: z.string().optional(),
    field: z.string().optional(),
    message: z.string().optional(),
  })
  .meta({ id: 'EventResult', description: 'accepted: stored and queued; duplicate: already stored; skipped: stored, kept back by the policy; rejected: not stored' });

export const eventResults = z.object({ results: z.array(eventResult) }).meta({ id: 'EventResults' });

export const tenantView = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(['active', 'disabled']),
    forwarding: z.boolean(),
    policy: z.record(z.string(), z.unknown()),
    createdAt: z.number().int(),
  })
  .meta({ id: 'Tenant' });

export const pixelView = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    pixelId: z.string(),
    testEventCode: z.string().nullable(),
    status: z.enum(['active', 'disabled', 'paused']),
    pauseReason: z.string().nullable(),
    graphVersion: z.string().nullable(),
    role: z.enum(['primary', 'secondary']),
    createdAt: z.number().int(),
  })
  .meta({ id: 'Pixel', description: 'A destination pixel; its access token is never returned' });

/** A path parameter naming a row (tenant, pixel, source, event). */
export const idParam = z.string().min(1).max(200);

const delivery = z.object({
  pixelRowId: z.string(),
  status: z.string(),
  shown: z.string().meta({ description: 'what to show: paused while a paused pixel holds a queued or failed delivery' }),
  pauseReason: z.string().nullable(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  fbtraceId: z.string().nullable(),
  eventsReceived: z.number().int().nullable(),
});


/** Channel merge (issue 18): what happened to an event held for its other channel's copy; null when never held. */
export const mergeState = z
  .object({
    state: z.enum(['held', 'merged', 'sent_alone', 'late_partner']),
    label: z.string().meta({ description: '"held, waiting for its partner", "merged", "sent alone" or "late partner"' }),
    holdUntil: z.number().int().nullable().meta({ description: 'while held: when it is sent alone if no partner comes' }),
    valueFrom: z.string().nullable().meta({ description: "the channel whose value was sent (merged)" }),
    late: z.object({ channel: z.string(), adds: z.array(z.string()).meta({ description: 'names of the fields it would have added, never values' }) }).nullable(),
  })
  .nullable()
  .meta({ id: 'MergeState' });

/** One page of the event log, newest first. */
export const eventLogPage = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        eventName: z.string(),
        eventId: z.string(),
        source: z.string(),
        orderId: z.string().nullable(),
        eventTime: z.number().int(),
        receivedAt: z.number().int(),
        status: z.string(),
        dropCode: z.string().nullable(),
        dropMessage: z.string().nullable(),
        channels: z.array(z.string()),
        simulated: z.boolean(),
        deliveries: z.array(delivery),
        merge: mergeState,
      }),
    ),
    nextCursor: z.string().nullable().meta({ description: 'pass as cursor for the next page; null on the last' }),
  })
  .meta({ id: 'EventLogPage' });

/** One event with its decisions, the payload as sent (customer data hashed) and its delivery history. */
export const eventHistory = z
  .object({
    id: z.string(),
    eventName: z.string(),
    eventId: z.string(),
    source: z.string(),
    orderId: z.string().nullable(),
    status: z.string(),
    receivedAt: z.number().int(),
    dropCode: z.string().nullable(),
    dropMessage: z.string().nullable(),
    channels: z.array(z.string()),
    simulated: z.boolean(),
    decisions: z.array(z.unknown()),
    payload: z.unknown(),
    history: z.array(z.object({ pixelRowId: z.string(), status: z.string(), at: z.number().int(), detail: z.string().nullable() })),
    merge: mergeState,
  })
  .meta({ id: 'EventHistory' });

/**
 * The two event shapes /v1/events takes, for the document: the transform validates them with its own rules
 * (src/transform/), which this schema describes, not replaces; unknown keys are refused there.
 */
const metaNativeEvent = z
  .looseObject({
    event_name: z.string().meta({ description: 'Purchase, AddToCart, … or a custom name' }),
    event_time: z.number().int().optional().meta({ description: 'Unix seconds' }),
    event_id: z.string().optional(),
    action_source: z.string().optional(),
    event_source_url: z.string().optional(),
    user_data: z.record(z.string(), z.unknown()).optional().meta({ description: 'raw or already SHA-256 hashed; normalized and hashed by Meta\'s rules' }),
    custom_data: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'MetaNativeEvent', description: "Meta's server event (docs/meta-capi.md)" });
const commerceEvent = z
  .looseObject({
    event: z.string().meta({ description: 'purchase, begin_checkout, add_to_cart, view_item, … (GA4 / Commanders Act style)' }),
    event_id: z.string().optional(),
    timestamp: z.union([z.number(), z.string()]).optional(),
    user: z.record(z.string(), z.unknown()).optional().meta({ description: 'email, phone, first_name, …, ip, user_agent, fbp, fbc, fbclid' }),
    url: z.string().optional(),
    value: z.number().optional(),
    currency: z.string().optional(),
    order_id: z.union([z.string(), z.number()]).optional(),
    items: z.array(z.record(z.string(), z.unknown())).optional(),
    consent_categories: z.array(z.string()).optional(),
  })
  .meta({ id: 'CommerceEvent', description: 'A commerce event (README: Ingest)' });
export const ingestEvent = z.union([metaNativeEvent, commerceEvent]).meta({ id: 'IngestEvent' });
