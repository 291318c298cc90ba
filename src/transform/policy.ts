/**
 * Per-tenant transform policy: consent, opt-out, Limited Data Use, send conditions, event-name
 * overrides and event-id templates. Validated with zod; `defaultPolicy` is what an empty config means.
 */
import { z } from 'zod';
import { DEFAULT_PURCHASE_EVENT_ID_TEMPLATE, EVENT_ID_PLACEHOLDERS } from '../core/event-id-template.js';

const lduSchema = z.enum(['off', 'california', 'states', 'all']);

/** zod schema of a tenant policy (every field optional in input; defaults applied). */
export const policySchema = z
  .object({
    /** ISO alpha-2 country used when an event has none (phone country code, etc.). */
    defaultCountry: z.string().regex(/^[A-Za-z]{2}$/).optional(),
    consent: z
      .object({
        /** Consent category required for advertising use; null/absent = consent not checked. */
        advertisingCategory: z.string().min(1).nullable().default(null),
        /** What to do with an event whose `consent_categories` lacks the category. */
        withoutConsent: z.enum(['drop', 'strip_user_data']).default('drop'),
        /**
         * An event that carries no `consent_categories` at all: 'granted' trusts the integration that sent it to
         * have checked consent; 'denied' (GDPR: no recorded consent is no consent) treats it as lacking the category.
         */
        whenMissing: z.enum(['granted', 'denied']).default('granted'),
      })
      .strict()
      .refine((c) => c.whenMissing === 'granted' || c.advertisingCategory !== null, {
        message: 'whenMissing "denied" needs an advertisingCategory to look for',
        path: ['whenMissing'],
      })
      .default({ advertisingCategory: null, withoutConsent: 'drop', whenMissing: 'granted' }),
    /** Meta event names still sent when the user opted out (sent with `opt_out: true`). */
    essentialEvents: z.array(z.string()).default(['Purchase']),
    /**
     * Limited Data Use: off, California only, the states in lduStates, or every event. California is
     * the default because its law (CCPA) asks for it and Meta's LDU mode exists for it [M-SE].
     */
    ldu: lduSchema.default('california'),
    /** Lowercase 2-letter US state codes under LDU when ldu = 'states'. */
    lduStates: z.array(z.string()).default(['ca']),
    sendConditions: z
      .object({
        requireOneOf: z.array(z.string()).default(['em', 'ph', 'external_id', 'fbp', 'fbc']),
        minOtherIdentifiers: z.number().int().min(0).default(0),
      })
      .strict()
      .default({ requireOneOf: ['em', 'ph', 'external_id', 'fbp', 'fbc'], minOtherIdentifiers: 0 }),
    /** Commerce event name (or Meta name) → Meta event name, applied before the built-in table. */
    eventNameOverrides: z.record(z.string(), z.string()).default({}),
    /** Drop website events without event_source_url or client_user_agent instead of sending them with a warning. */
    strictWebsiteFields: z.boolean().default(false),
    /**
     * Meta event name → event_id template used when an event has an `order_id` but no `event_id`,
     * e.g. `{ Purchase: 'purchase:{order_id}' }`, so retries of the same order deduplicate [M-DD].
     * Placeholders: `{order_id}`, `{event_name}`. The Purchase entry is the store's one template: the snippet,
     * /v1/collect, every webhook source, the CSV import and the API all use it (core/event-id-template.ts).
     */
    eventIdTemplates: z.record(z.string(), z.string()).default({ Purchase: DEFAULT_PURCHASE_EVENT_ID_TEMPLATE }),
    /**
     * One event from two channels (docs/data-handling.md, issue 18): when the store reports an event type from both
     * the browser and a server channel, the first copy waits up to this many seconds for the other so one merged
     * event is sent. `eventWindowSeconds` overrides it per Meta event name; 0 turns merging off.
     */
    channelMerge: z
      .object({
        windowSeconds: z.number().int().min(0).max(600).default(60),
        eventWindowSeconds: z.record(z.string(), z.number().int().min(0).max(600)).default({}),
      })
      .strict()
      .default({ windowSeconds: 60, eventWindowSeconds: {} }),
  })
  .strict();

/** A validated tenant policy. */
export type TenantPolicy = z.output<typeof policySchema>;

/** Validates a raw policy object (throws a ZodError on invalid input) and fills the defaults. */
export function parsePolicy(raw: unknown): TenantPolicy {
  return policySchema.parse(raw ?? {});
}

const TEMPLATE_PLACEHOLDER = /\{([^{}]*)\}/g;
const TEMPLATE_NAMES: readonly string[] = EVENT_ID_PLACEHOLDERS;
const US_STATE_CODE = /^[a-z]{2}$/;

/** Why an event_id template is unsafe, or null: without {order_id} every order would share one id and Meta would drop all but the first. */
function eventIdTemplateProblem(template: string): string | null {
  if (template.length === 0 || template.length > 200) return 'must be 1–200 characters';
  const names = [...template.matchAll(TEMPLATE_PLACEHOLDER)].map((m) => m[1] ?? '');
  const unknown = names.filter((n) => !TEMPLATE_NAMES.includes(n));
  if (unknown.length > 0) return `unknown placeholder {${unknown[0]}} (use {order_id} and {event_name})`;
  if (!names.includes('order_id')) return 'must contain {order_id}, or every order would get the same event_id';
  return null;
}

/**
 * What a schema-valid policy must also satisfy before a tenant may save it (event_id templates that keep orders
 * apart, LDU states as codes), as "field: why"; null when fine. Not part of the schema, so a policy stored before
 * these rules still parses.
 */
export function policyProblem(policy: TenantPolicy): string | null {
  for (const [event, template] of Object.entries(policy.eventIdTemplates)) {
    const problem = eventIdTemplateProblem(template);
    if (problem) return `eventIdTemplates.${event}: ${problem}`;
  }
  const badState = policy.lduStates.find((st) => !US_STATE_CODE.test(st));
  return badState === undefined ? null : `lduStates: "${badState}" is not a lowercase 2-letter US state code`;
}

/** How long the first copy of an `eventName` event waits for its other channel's copy, in ms (0: no merging). */
export function mergeWindowMs(policy: TenantPolicy, eventName: string): number {
  return (policy.channelMerge.eventWindowSeconds[eventName] ?? policy.channelMerge.windowSeconds) * 1000;
}

/** The policy of a tenant that configured nothing. */
export const defaultPolicy: TenantPolicy = parsePolicy({});
