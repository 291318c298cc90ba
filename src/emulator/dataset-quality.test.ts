import { describe, expect, it } from 'vitest';
import { IDENTIFIERS, IDENTIFIER_WEIGHTS } from '../reports/match-quality.js';
import { datasetQuality } from './dataset-quality.js';
import type { RecordedEvent } from './state.js';

function recorded(userData: Record<string, unknown>, eventName = 'Purchase'): RecordedEvent {
  return { pixelId: '1', version: 'v24.0', receivedAt: 0, fbtraceId: 'x', testEventCode: null, deduplicated: false, warnings: [], event: { event_name: eventName, user_data: userData } };
}
const score = (events: RecordedEvent[]) => datasetQuality(events).web[0]!.event_match_quality.composite_score;

describe('dataset_quality composite score', () => {
  it('scores each identifier the match-quality report measures with the report’s weight', () => {
    for (const id of IDENTIFIERS) expect(score([recorded({ [id]: 'x' })]), id).toBe(Math.round(IDENTIFIER_WEIGHTS[id] * 10) / 10);
  });

  it('also scores date of birth and gender (0.25 each), which the report does not measure; unknown keys add nothing', () => {
    expect(score([recorded({ em: 'x', fn: 'x', db: 'x', ge: 'x' })])).toBe(4);
    expect(score([recorded({ em: 'x', fn: 'x', lead_id: 'x' })])).toBe(3.5);
  });

  it('weighs by coverage and saturates at 10', () => {
    expect(score([recorded({ em: 'x', ph: 'x' }), recorded({ em: 'x' })])).toBe(4.3);
    const full = Object.fromEntries([...IDENTIFIERS, 'db', 'ge'].map((k) => [k, 'x']));
    expect(score([recorded(full)])).toBe(10);
  });
});
