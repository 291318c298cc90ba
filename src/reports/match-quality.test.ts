import { describe, expect, it } from 'vitest';
import { compareWithMeta, IDENTIFIERS, matchQuality } from './match-quality.js';
import type { EventRow } from './rows.js';

let n = 0;
function ev(eventName: string, userDataKeys: string[]): EventRow {
  n++;
  return {
    id: `r${n}`, eventName, eventId: `e${n}`, source: 'api', orderId: null, eventTime: 0, receivedAt: 0,
    status: 'done', userDataKeys, value: null, currency: null, deliveries: [],
  };
}

describe('matchQuality', () => {
  it('measures coverage per event name and scores weighted coverage', () => {
    const rows = [
      ev('Purchase', ['em', 'ph', 'fbp', 'client_ip_address', 'client_user_agent']),
      ev('Purchase', ['em', 'fbp']),
      ev('Purchase', ['em', 'fbp', 'client_ip_address']),
      ev('Purchase', ['em', 'fbp', 'client_ip_address', 'client_user_agent']),
      ev('ViewContent', ['fbp']),
    ];
    const [purchase, view] = matchQuality(rows);
    expect(purchase?.eventName).toBe('Purchase');
    expect(purchase?.events).toBe(4);
    const share = (id: string) => purchase?.coverage.find((c) => c.identifier === id)?.share;
    expect(share('em')).toBe(1);
    expect(share('ph')).toBe(0.25);
    expect(share('client_ip_address')).toBe(0.75);
    expect(share('fbc')).toBe(0);
    expect(purchase?.coverage.map((c) => c.identifier)).toEqual([...IDENTIFIERS]);
    // 3·1 + 2.5·0.25 + 1·1 + 0.75·0.75 + 0.75·0.5 = 5.5625 → 5.6
    expect(purchase?.score).toBe(5.6);
    expect(view?.score).toBe(1);
  });

  it('caps the score at 10 for a complete profile', () => {
    const [row] = matchQuality([ev('Lead', [...IDENTIFIERS])]);
    expect(row?.score).toBe(10);
    expect(row?.advice).toEqual([]);
  });

  it('advises on the identifiers that lose the most points, in plain words', () => {
    const rows = [ev('Purchase', ['em', 'ph', 'fbp']), ...Array.from({ length: 7 }, () => ev('Purchase', ['em', 'fbp']))];
    const [row] = matchQuality(rows, { limit: 2 });
    expect(row?.advice).toEqual([
      'Only 13% of Purchase events carry a phone number: send the billing phone with its country code',
      'No Purchase events carry an external_id: send your stable customer id (the store customer id) as external_id',
    ]);
  });
});

describe('compareWithMeta', () => {
  it('puts local and Meta figures side by side, shares on 0–1', () => {
    const local = matchQuality([ev('Purchase', ['em']), ev('Purchase', ['em', 'ph'])]);
    const meta = {
      web: [
        {
          event_name: 'Purchase',
          event_match_quality: {
            composite_score: 6.1,
            match_key_feedback: [
              { identifier: 'em', coverage: { percentage: 90 } },
              { identifier: 'db', coverage: { percentage: 10 } },
            ],
          },
        },
        { event_name: 'AddToCart', event_match_quality: { composite_score: 4, match_key_feedback: [] } },
      ],
    };
    const [p, a] = compareWithMeta(local, meta);
    expect(p).toMatchObject({ eventName: 'Purchase', localEvents: 2, localScore: 4.3, metaScore: 6.1 });
    expect(p?.identifiers.find((i) => i.identifier === 'em')).toEqual({ identifier: 'em', localShare: 1, metaShare: 0.9 });
    expect(p?.identifiers.find((i) => i.identifier === 'ph')).toEqual({ identifier: 'ph', localShare: 0.5, metaShare: null });
    expect(p?.identifiers.at(-1)).toEqual({ identifier: 'db', localShare: null, metaShare: 0.1 });
    expect(a).toMatchObject({ eventName: 'AddToCart', localEvents: 0, localScore: null, metaScore: 4 });
  });
});

describe('identifiers of unknown presence', () => {
  it('measures IP and user agent on the events that still know them, gives no advice on unknowns, marks the score partial', () => {
    const erased = (keys: string[]) => ({ ...ev('Purchase', keys), unknownKeys: ['client_ip_address', 'client_user_agent'] });
    const rows = [erased(['em']), erased(['em']), ev('Purchase', ['em', 'client_ip_address'])];
    const [row] = matchQuality(rows, { limit: 20 });
    const cov = (id: string) => row?.coverage.find((c) => c.identifier === id);
    expect(cov('client_ip_address')).toMatchObject({ count: 1, known: 1, share: 1 });
    expect(cov('client_user_agent')).toMatchObject({ count: 0, known: 1, share: 0 });
    expect(cov('em')).toMatchObject({ count: 3, known: 3, share: 1 });
    expect(row?.partial).toBe(true);
    // 3·1 + 0.75·1 = 3.75 → 3.8
    expect(row?.score).toBe(3.8);

    const [none] = matchQuality([erased(['em'])], { limit: 20 });
    expect(none?.coverage.find((c) => c.identifier === 'client_ip_address')).toMatchObject({ known: 0, share: null });
    expect(none?.advice.some((a) => a.includes('IP address') || a.includes('user agent'))).toBe(false);
    expect(compareWithMeta([none!], {})[0]?.identifiers.find((i) => i.identifier === 'client_ip_address')?.localShare).toBeNull();
  });
});
