import { describe, expect, it } from 'vitest';
import { previewLine } from './preview.js';
import { defaultPolicy } from './transform.js';

const NOW = Date.UTC(2026, 10, 24, 12);
const ctx = { now: NOW, newId: () => 'id' };

describe('previewLine', () => {
  it('prints the event', () => {
    const line = JSON.stringify({ event: 'generate_lead', event_id: 'l1', action_source: 'email', timestamp: NOW, user: { email: 'A@b.co' } });
    const out = JSON.parse(previewLine(line, defaultPolicy, ctx)) as { event: { event_name: string; event_time: number } };
    expect(out.event.event_name).toBe('Lead');
    expect(out.event.event_time).toBe(NOW / 1000);
  });
  it('answers with the per-event statuses of ingest: accepted, skipped, rejected (with the field)', () => {
    const line = JSON.stringify({ event: 'generate_lead', action_source: 'email', timestamp: NOW, user: { email: 'A@b.co' } });
    expect(JSON.parse(previewLine(line, defaultPolicy, ctx))).toMatchObject({ status: 'accepted', event: { event_name: 'Lead' } });
    const noValue = JSON.stringify({ event: 'purchase', action_source: 'email', user: { email: 'a@b.co' } });
    expect(JSON.parse(previewLine(noValue, defaultPolicy, ctx))).toEqual({ status: 'rejected', code: 'missing_value', field: 'custom_data.value', message: expect.any(String) as string });
    const thin = JSON.stringify({ event: 'generate_lead', action_source: 'email', user: { city: 'Paris' } });
    expect(JSON.parse(previewLine(thin, defaultPolicy, ctx))).toMatchObject({ status: 'skipped', code: 'thin_user_data' });
    expect(JSON.parse(previewLine('{"x":1}', defaultPolicy, ctx))).toMatchObject({ status: 'rejected', code: 'missing_field' });
    expect(JSON.parse(previewLine('{', defaultPolicy, ctx))).toMatchObject({ status: 'rejected', code: 'invalid_json' });
  });
  it('answers null names and deep nesting instead of crashing (issue 14)', () => {
    const codeOf = (line: string) => {
      const out = JSON.parse(previewLine(line, defaultPolicy, ctx)) as { code?: string; dropped?: { code: string } };
      return out.dropped?.code ?? out.code;
    };
    expect(codeOf('{"event": null}')).toBe('missing_field');
    expect(codeOf('{"event_name": null}')).toBe('missing_field');
    expect(codeOf(`{"event_name":"Lead","custom_data":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`)).toBe('too_deep');
  });
});
