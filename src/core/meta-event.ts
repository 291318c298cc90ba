/**
 * The shapes capi-relay sends to Meta (a server event inside `data`), per
 * docs/meta-capi.md §2–4. Shared by the transform (which builds them),
 * the store (which keeps them) and delivery (which sends them).
 */
export const ACTION_SOURCES = [
  'email',
  'website',
  'app',
  'phone_call',
  'chat',
  'physical_store',
  'system_generated',
  'business_messaging',
  'other',
] as const;
export type ActionSource = (typeof ACTION_SOURCES)[number];

/** `user_data` as sent: contact fields hashed (arrays), fbc/fbp/IP/UA in clear. */
export type MetaUserData = Record<string, string | string[] | number>;
export type MetaCustomData = Record<string, unknown>;

export interface MetaServerEvent {
  event_name: string;
  event_time: number;
  event_id: string;
  action_source: ActionSource;
  event_source_url?: string;
  referrer_url?: string;
  opt_out?: boolean;
  user_data: MetaUserData;
  custom_data?: MetaCustomData;
  data_processing_options?: string[];
  data_processing_options_country?: number;
  data_processing_options_state?: number;
  [key: string]: unknown;
}

/** A recorded decision about an event or one of its values (a dropped field, a consent rule, LDU …). */
export interface Decision {
  code: string;
  message: string;
  field?: string;
}

/** What the transform concluded for one input event. */
export type TransformResult =
  | { kind: 'send'; event: MetaServerEvent; decisions: Decision[] }
  /** Valid input the tenant's policy keeps back (consent, gates); stored, never delivered, answered `skipped`. */
  | { kind: 'dropped'; event: MetaServerEvent | null; eventName: string; eventId: string; code: string; message: string; decisions: Decision[] }
  /** Malformed input, or an event Meta's rules refuse: answered `rejected` at ingest (with the field when known), not stored. */
  | { kind: 'rejected'; eventId: string | null; code: string; message: string; field?: string };
