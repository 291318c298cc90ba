/**
 * The shapes of the channel merge (issue 18), shared by the transform, which merges (src/transform/channel-merge.ts),
 * and the store, which holds an event for its partner and applies the merge it is given inside the writing
 * transaction (src/store/channel-hold.ts): the store may not import the transform.
 */
import type { Decision, MetaServerEvent } from './meta-event.js';

/** Which side of a conversion a source reports from. */
export type ChannelKind = 'browser' | 'server';

/** One copy of the event as a channel reported it. */
export interface ChannelCopy {
  source: string;
  /** The event as it would be sent; null when the store's policy dropped that copy (consent refused: `drop`). */
  event: MetaServerEvent | null;
  /** Consent refused, or missing where the policy requires it (stripped or dropped by the privacy step). */
  consentRefused: boolean;
}

export interface MergedEvent {
  event: MetaServerEvent;
  /** The source whose value (and currency) was sent; null when neither copy had one. */
  valueFrom: string | null;
  /** What the merge did, for the event's decisions (never values). */
  decisions: Decision[];
}

/** The merge rules, handed to the store by ingest. */
export interface ChannelMerger {
  kindOf(source: string): ChannelKind | null;
  /** The two copies merged (`first` arrived first); null when both were dropped. */
  merge(first: ChannelCopy, second: ChannelCopy): MergedEvent | null;
  /** Names of the fields a copy that came after `sent` went out would have added or changed. */
  lateAdditions(sent: ChannelCopy, late: ChannelCopy): string[];
}

/** `events.merge_detail`: how a merge was made, and a partner that came too late (names only, never values). */
export interface MergeDetail {
  browser?: string;
  server?: string;
  valueFrom?: string | null;
  late?: { channel: string; adds: string[]; at: number };
}

/**
 * What the event log and the acceptance report say of an event's merge: `held` (waiting for its partner),
 * `merged`, `sent_alone` (the window ended without a partner) or `late_partner` (sent alone, and a partner came
 * after: recorded, not sent). Null for an event that was never held.
 */
export interface MergeState {
  state: 'held' | 'merged' | 'sent_alone' | 'late_partner';
  /** The words shown: "held, waiting for its partner", "merged", "sent alone", "late partner". */
  label: string;
  /** While held: when it is sent alone if no partner comes (Unix ms). */
  holdUntil: number | null;
  /** The channel whose value (and currency) was sent, when merged. */
  valueFrom: string | null;
  /** A partner that came after the event went out: its channel and the fields it would have added (names only). */
  late: { channel: string; adds: string[] } | null;
}

export const MERGE_LABELS: Readonly<Record<MergeState['state'], string>> = {
  held: 'held, waiting for its partner',
  merged: 'merged',
  sent_alone: 'sent alone',
  late_partner: 'late partner',
};

/** The merge state of a stored event from its columns (`seq`, `hold_until`, `merge_outcome`, `merge_detail`). */
export function mergeStateOf(row: { seq: number | null; hold_until?: number | null; merge_outcome?: string | null; merge_detail?: string | null }): MergeState | null {
  let detail: MergeDetail = {};
  try {
    detail = row.merge_detail ? (JSON.parse(row.merge_detail) as MergeDetail) : {};
  } catch {
    detail = {};
  }
  const late = detail.late ? { channel: detail.late.channel, adds: detail.late.adds } : null;
  let state: MergeState['state'] | null = null;
  if (row.seq === null && row.hold_until !== null && row.hold_until !== undefined) state = 'held';
  else if (row.merge_outcome === 'merged') state = 'merged';
  else if (late) state = 'late_partner';
  else if (row.merge_outcome === 'sent_alone') state = 'sent_alone';
  if (state === null) return null;
  return { state, label: MERGE_LABELS[state], holdUntil: state === 'held' ? Number(row.hold_until) : null, valueFrom: detail.valueFrom ?? null, late };
}
