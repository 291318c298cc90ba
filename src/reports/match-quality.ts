/**
 * Match quality per event name: which identifiers the events carry, a local 0–10 score and plain advice,
 * and a side-by-side view with Meta's Dataset Quality API answer. Method: docs/reports.md.
 */
import { IDENTIFIER_WEIGHTS, IDENTIFIERS, type Identifier } from '../core/match-quality-weights.js';
import type { EventRow } from './rows.js';

// The identifiers and their weights are shared with the emulator's heuristic, so they live in core.
export { IDENTIFIER_WEIGHTS, IDENTIFIERS, type Identifier };

const LABELS: Record<Identifier, [what: string, fix: string]> = {
  em: ['an email address', 'send the customer email from the order or the logged-in account'],
  ph: ['a phone number', 'send the billing phone with its country code'],
  fn: ['a first name', 'send the billing first name'],
  ln: ['a last name', 'send the billing last name'],
  ct: ['a city', 'send the billing city'],
  st: ['a state or region', 'send the billing state or region code'],
  zp: ['a postal code', 'send the billing postal code'],
  country: ['a country', 'send the billing country as a two-letter code'],
  external_id: ['an external_id', 'send your stable customer id (the store customer id) as external_id'],
  fbp: ['an fbp browser id', 'forward the _fbp cookie with server events (browser snippet or order attributes)'],
  fbc: ['an fbc click id', 'keep fbclid from landing URLs and forward the _fbc cookie with server events'],
  client_ip_address: ['an IP address', 'forward the customer IP captured at checkout'],
  client_user_agent: ['a user agent', 'forward the browser user agent captured at checkout'],
};

/** Coverage of one identifier among one event name's events. */
export interface IdentifierCoverage {
  identifier: Identifier;
  /** Events carrying it. */
  count: number;
  /** Events for which its presence is known (all of them, except IP and user agent once erased). */
  known: number;
  /** `count / known`, 0–1; null when no event's presence is known. */
  share: number | null;
  weight: number;
}

/** The match-quality row of one event name. */
export interface EventMatchQuality {
  eventName: string;
  events: number;
  coverage: IdentifierCoverage[];
  /** 0–10, one decimal. Identifiers of unknown presence add nothing. */
  score: number;
  /** True when some identifier's presence is unknown for some events: the score is then measured on fewer events for those. */
  partial: boolean;
  advice: string[];
}

/** Advice tuning: identifiers below `threshold` coverage are advised on, at most `limit` of them. */
export interface MatchQualityOptions {
  threshold?: number;
  limit?: number;
}

/** Computes coverage, local score and advice per event name over the given events (the caller picks the period). */
export function matchQuality(events: readonly EventRow[], options: MatchQualityOptions = {}): EventMatchQuality[] {
  const threshold = options.threshold ?? 0.8;
  const limit = options.limit ?? 3;
  const groups = new Map<string, EventRow[]>();
  for (const e of events) {
    const g = groups.get(e.eventName);
    if (g) g.push(e);
    else groups.set(e.eventName, [e]);
  }
  const out: EventMatchQuality[] = [];
  for (const [eventName, rows] of groups) {
    const coverage = IDENTIFIERS.map((identifier): IdentifierCoverage => {
      const knownRows = rows.filter((r) => !r.unknownKeys?.includes(identifier));
      const count = knownRows.filter((r) => r.userDataKeys.includes(identifier)).length;
      const known = knownRows.length;
      return { identifier, count, known, share: known === 0 ? null : count / known, weight: IDENTIFIER_WEIGHTS[identifier] };
    });
    const raw = coverage.reduce((s, c) => s + c.weight * (c.share ?? 0), 0);
    const score = Math.round(Math.min(10, raw) * 10) / 10;
    const partial = coverage.some((c) => c.known < rows.length);
    // Advise on the points lost, not on the lowest share: a missing phone matters more than a missing city.
    // An identifier of unknown presence gets no advice: we cannot say it is missing.
    const lost = (c: IdentifierCoverage): number => c.weight * (1 - (c.share ?? 1));
    const advice = coverage
      .filter((c) => c.share !== null && c.share < threshold)
      .sort((a, b) => lost(b) - lost(a))
      .slice(0, limit)
      .map((c) => adviceFor(eventName, c));
    out.push({ eventName, events: rows.length, coverage, score, partial, advice });
  }
  return out.sort((a, b) => b.events - a.events || a.eventName.localeCompare(b.eventName));
}

function adviceFor(eventName: string, c: IdentifierCoverage): string {
  const [what, fix] = LABELS[c.identifier];
  const pct = Math.round((c.share ?? 0) * 100);
  const lead = c.count === 0 ? `No ${eventName} events carry ${what}` : `Only ${pct}% of ${eventName} events carry ${what}`;
  return `${lead}: ${fix}`;
}

/** Meta's `GET /{v}/dataset_quality` answer, the fields this report reads. */
export interface MetaDatasetQuality {
  web?: {
    event_name: string;
    event_match_quality?: {
      composite_score?: number;
      match_key_feedback?: { identifier: string; coverage?: { percentage?: number } }[];
    };
  }[];
}

/** One identifier seen locally and by Meta; shares are 0–1, null when that side has no figure. */
export interface IdentifierComparison {
  identifier: string;
  localShare: number | null;
  metaShare: number | null;
}

/** One event name's local and Meta scores side by side. */
export interface MatchQualityComparison {
  eventName: string;
  localEvents: number;
  localScore: number | null;
  metaScore: number | null;
  identifiers: IdentifierComparison[];
}

/** Puts the local report and Meta's Dataset Quality answer side by side, per event name (union of both). */
export function compareWithMeta(local: readonly EventMatchQuality[], meta: MetaDatasetQuality): MatchQualityComparison[] {
  const metaRows = new Map((meta.web ?? []).map((w) => [w.event_name, w]));
  const names = [...new Set([...local.map((l) => l.eventName), ...metaRows.keys()])];
  return names.map((eventName) => {
    const l = local.find((x) => x.eventName === eventName);
    const m = metaRows.get(eventName)?.event_match_quality;
    // Meta reports percentages 0–100; the local report uses shares 0–1.
    const metaShares = new Map(
      (m?.match_key_feedback ?? []).map((f) => [f.identifier, f.coverage?.percentage ?? null] as const),
    );
    const ids: string[] = [...IDENTIFIERS, ...[...metaShares.keys()].filter((k) => !(IDENTIFIERS as readonly string[]).includes(k))];
    const identifiers = ids.map((identifier): IdentifierComparison => {
      const pct = metaShares.get(identifier);
      return {
        identifier,
        localShare: l?.coverage.find((c) => c.identifier === identifier)?.share ?? null,
        // A key Meta does not list has no figure: we do not assume Meta's omission means 0%.
        metaShare: pct != null ? pct / 100 : null,
      };
    });
    return { eventName, localEvents: l?.events ?? 0, localScore: l?.score ?? null, metaScore: m?.composite_score ?? null, identifiers };
  });
}
