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
