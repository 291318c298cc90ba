/**
 * The `user_data` identifiers the match-quality report measures and the points each adds at 100% coverage: one
 * table, shared by the report (src/reports/match-quality.ts) and the emulator's dataset_quality heuristic
 * (src/emulator/dataset-quality.ts), so sandbox and report agree.
 */

/** The identifiers, in display order. */
export const IDENTIFIERS = [
  'em', 'ph', 'fn', 'ln', 'ct', 'st', 'zp', 'country', 'external_id',
  'fbp', 'fbc', 'client_ip_address', 'client_user_agent',
] as const;
export type Identifier = (typeof IDENTIFIERS)[number];

/**
 * They sum to 13 so a complete profile saturates at 10 even when a minor field is missing. Email/phone/external_id
 * and fbc/fbp carry the most, IP + user agent together as much as fbc, per Meta's matching guidance. The emulator
 * adds db and ge, which the report does not measure.
 */
export const IDENTIFIER_WEIGHTS: Readonly<Record<Identifier, number>> = {
  em: 3, ph: 2.5, external_id: 1.5, fbc: 1.5, fbp: 1, client_ip_address: 0.75, client_user_agent: 0.75,
  fn: 0.5, ln: 0.5, ct: 0.25, st: 0.25, zp: 0.25, country: 0.25,
};
