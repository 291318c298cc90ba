/**
 * `GET /{v}/dataset_quality` (meta-capi.md §7, rule 35): per event name, the share of events carrying each
 * `user_data` key and a 0–10 composite score. The score is a heuristic of ours, not Meta's formula.
 */
import { IDENTIFIER_WEIGHTS } from '../core/match-quality-weights.js';
import type { RecordedEvent } from './state.js';

export interface DatasetQuality {
  web: {
    event_name: string;
    event_match_quality: {
      composite_score: number;
      match_key_feedback: { identifier: string; coverage: { percentage: number } }[];
    };
  }[];
}

/**
 * Rough matching power of each key; weights sum above 10 so a full profile saturates at 10. The keys the
 * match-quality report measures take its weights (one table, so sandbox and report agree); the emulator
 * also scores date of birth and gender, which the report does not measure.
 */
const WEIGHTS: Readonly<Record<string, number>> = { ...IDENTIFIER_WEIGHTS, db: 0.25, ge: 0.25 };

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
}

/** Computes the dataset quality answer from recorded (live) events of one dataset. */
export function datasetQuality(events: RecordedEvent[]): DatasetQuality {
  const byName = new Map<string, { n: number; keys: Map<string, number> }>();
  for (const r of events) {
    const name = typeof r.event.event_name === 'string' ? r.event.event_name : '(unnamed)';
    let g = byName.get(name);
    if (!g) byName.set(name, (g = { n: 0, keys: new Map() }));
    g.n++;
    const ud = r.event.user_data;
    if (ud && typeof ud === 'object') {
      for (const [k, v] of Object.entries(ud as Record<string, unknown>)) {
        if (present(v)) g.keys.set(k, (g.keys.get(k) ?? 0) + 1);
      }
    }
  }
  const web: DatasetQuality['web'] = [];
  for (const [event_name, g] of byName) {
    let score = 0;
    const match_key_feedback = [...g.keys]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([identifier, count]) => {
        const share = count / g.n;
        score += (WEIGHTS[identifier] ?? 0) * share;
        return { identifier, coverage: { percentage: Math.round(share * 1000) / 10 } };
      });
    web.push({
      event_name,
      event_match_quality: { composite_score: Math.round(Math.min(10, score) * 10) / 10, match_key_feedback },
    });
  }
  return { web };
}
