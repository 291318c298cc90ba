import { describe, expect, it } from 'vitest';
import { summarizeChange } from './audit.js';

describe('summarizeChange', () => {
  it('replaces every secret-named value, at any depth, and keeps the rest', () => {
    expect(
      summarizeChange({
        pixelId: '123456789', accessToken: 'EAAB-secret', testEventCode: 'TEST1', secret: 'shpss', nested: { apiKey: 'k', password: 'p', Authorization: 'Bearer x', keep: 1 },
      }),
    ).toEqual({ pixelId: '123456789', accessToken: '(set)', testEventCode: 'TEST1', secret: '(set)', nested: { apiKey: '(set)', password: '(set)', Authorization: '(set)', keep: 1 } });
  });

  it('keeps a customer named in an erasure request out of the log', () => {
    expect(summarizeChange({ email: 'ana@example.com', phone: '+33 6 12 34 56 78', externalId: 'u42', fbp: 'fb.1.1.2' })).toEqual({
      email: '(given)', phone: '(given)', externalId: '(given)', fbp: '(given)',
    });
  });

  it('cuts long strings, long arrays and deep nesting', () => {
    const out = summarizeChange({ s: 'x'.repeat(500), list: Array.from({ length: 80 }, (_, i) => i), a: { b: { c: { d: { e: 1 } } } } }) as Record<string, unknown>;
    expect(out.s).toBe(`${'x'.repeat(200)}…`);
    expect(out.list).toHaveLength(50);
    expect(out.a).toEqual({ b: { c: { d: '…' } } });
  });

  it('keeps scalars and turns nothing into null', () => {
    expect(summarizeChange(undefined)).toBeNull();
    expect(summarizeChange(false)).toBe(false);
    expect(summarizeChange(3)).toBe(3);
  });
});
