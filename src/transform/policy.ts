/**
 * Per-tenant transform policy: consent, opt-out, Limited Data Use, send conditions, event-name
 * overrides and event-id templates. Validated with zod; `defaultPolicy` is what an empty config means.
 */
import { z } from 'zod';
import { DEFAULT_PURCHASE_EVENT_ID_TEMPLATE } from '../core/event-id-template.js';

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
    /**
     * Meta event name → event_id template used when an event has an `order_id` but no `event_id`,
     * e.g. `{ Purchase: 'purchase:{order_id}' }`, so retries of the same order deduplicate [M-DD].
     * Placeholders: `{order_id}`, `{event_name}`.
     */
    /** Drop website events without event_source_url or client_user_agent instead of sending them with a warning. */
    strictWebsiteFields: z.boolean().default(false),
    eventIdTemplates: z.record(z.string(), z.string()).default({ Purchase: DEFAULT_PURCHASE_EVENT_ID_TEMPLATE }),
  })
  .strict();

/** A validated tenant policy. */
export type TenantPolicy = z.output<typeof policySchema>;

/** Validates a raw policy object (throws a ZodError on invalid input) and fills the defaults. */
export function parsePolicy(raw: unknown): TenantPolicy {
  return policySchema.parse(raw ?? {});
}

/** The policy of a tenant that configured nothing. */
export const defaultPolicy: TenantPolicy = parsePolicy({});
