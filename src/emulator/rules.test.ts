import { describe, expect, it } from 'vitest';
import { validateEventsRequest } from './rules.js';
import { NOW_MS, NOW_S, sha256, validEvent } from './test-helpers.js';

const strict = { strict: true, nowMs: NOW_MS };
const loose = { strict: false, nowMs: NOW_MS };
const ud = validEvent().user_data as Record<string, unknown>;
const cd = validEvent().custom_data as Record<string, unknown>;

function reject(event: Record<string, unknown>, opts = strict) {
  const r = validateEventsRequest({ data: [validEvent(), event] }, opts);
  if (r.ok) throw new Error('expected rejection');
  return r.error;
}

describe('validateEventsRequest', () => {
  it('accepts a valid event and a PB appendix on hashes, fbc, fbp and IP (rules 21, 23, 24)', () => {
    const e = validEvent({
      user_data: {
        em: `${sha256('x@y.z')}.AQYBAAAA`, ph: `${sha256('1')}.Ag`, client_ip_address: '2001:db8::1.AQYBAAAA',
        fbc: 'fb.1.1554763741205.IwAR2x.AQYBAAAA', fbp: 'fb.1.1596403881668.1116446470.Ag', client_user_agent: 'UA',
      },
    });
    const r = validateEventsRequest({ data: [e] }, strict);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.events[0]?.warnings).toEqual([]);
  });

  it('accepts data as a JSON string (form encoding, rule 4)', () => {
    expect(validateEventsRequest({ data: JSON.stringify([validEvent()]) }, strict).ok).toBe(true);
    expect(validateEventsRequest({ data: '[oops' }, strict)).toMatchObject({ ok: false, error: { status: 400, body: { error: { code: 100 } } } });
  });

  it.each([
    ['missing data', {}],
    ['data not an array', { data: { a: 1 } }],
    ['empty data', { data: [] }],
  ])('rejects %s with code 100', (_n, body) => {
    expect(validateEventsRequest(body, strict)).toMatchObject({ ok: false, error: { status: 400, body: { error: { code: 100, type: 'OAuthException' } } } });
  });

  it('unknown event key uses the observed wording with the index (rule 9)', () => {
    const err = reject({ ...validEvent(), foo: 1 });
    expect(err.body.error.message).toBe(`Server Side Api Parameter Error: Unexpected key "foo" on param "$['data'][1]"`);
    expect(err.body.error.code).toBe(100);
  });

  it('7-day window; physical_store gets 62 days (rules 10, 11)', () => {
    expect(reject(validEvent({ event_time: NOW_S - 7 * 86400 - 1 })).body.error.error_subcode).toBe(2804003);
    expect(validateEventsRequest({ data: [validEvent({ event_time: NOW_S - 7 * 86400 })] }, strict).ok).toBe(true);
    const store = (t: number) => validEvent({ action_source: 'physical_store', event_time: t });
    expect(validateEventsRequest({ data: [store(NOW_S - 60 * 86400)] }, strict).ok).toBe(true);
    const old = reject(store(NOW_S - 63 * 86400));
    expect(old.body.error).toMatchObject({ error_subcode: 2804003, error_user_title: 'Event Timestamp Too Old' });
    expect(old.body.error.error_data?.blame_field_specs[0]?.[0]).toBe("$['data'][1]['event_time']");
    expect(validateEventsRequest({ data: [store(NOW_S - 63 * 86400)] }, loose).ok).toBe(true);
    // Stale non-store events are E-obs: rejected even when not strict.
    expect(validateEventsRequest({ data: [validEvent({ event_time: NOW_S - 8 * 86400 })] }, loose).ok).toBe(false);
  });

  it('event_time must be integer seconds (rule 10); ms timestamps only warn (rule 12)', () => {
    expect(reject(validEvent({ event_time: '1700000000' })).body.error.error_user_msg).toContain("$['data'][1]['event_time']");
    expect(reject(validEvent({ event_time: NOW_S + 0.5 })).body.error.code).toBe(100);
    const r = validateEventsRequest({ data: [validEvent({ event_time: NOW_MS })] }, strict);
    expect(r.ok && r.events[0]?.warnings.some((w) => w.includes('milliseconds'))).toBe(true);
  });

  const strictCases: [string, Record<string, unknown>, string][] = [
    ['missing event_name (13)', validEvent({ event_name: undefined }), 'event_name'],
    ['missing action_source (14)', validEvent({ action_source: undefined }), 'action_source'],
    ['action_source outside the enum (14)', validEvent({ action_source: 'web' }), 'action_source'],
    ['non-boolean opt_out (16)', validEvent({ opt_out: 'yes' }), 'opt_out'],
    ['unknown processing option (17)', validEvent({ data_processing_options: ['GDPR'] }), 'data_processing_options'],
    ['LDU without country (17)', validEvent({ data_processing_options: ['LDU'] }), 'data_processing_options_country'],
    ['bad LDU state (17)', validEvent({ data_processing_options: ['LDU'], data_processing_options_country: 1, data_processing_options_state: 42 }), 'data_processing_options_state'],
    ['missing user_data (20)', validEvent({ user_data: undefined }), 'user_data'],
    ['empty user_data (20)', validEvent({ user_data: {} }), 'user_data'],
    ['plain-text email (21)', validEvent({ user_data: { ...ud, em: 'john@example.com' } }), "['em']"],
    ['uppercase hash (21)', validEvent({ user_data: { ...ud, ph: [sha256('1').toUpperCase()] } }), "['ph'][0]"],
    ['63-hex hash (21)', validEvent({ user_data: { ...ud, fn: sha256('1').slice(1) } }), "['fn']"],
    ['hashed IP (23)', validEvent({ user_data: { ...ud, client_ip_address: sha256('1.2.3.4') } }), 'client_ip_address'],
    ['invalid IP (23)', validEvent({ user_data: { ...ud, client_ip_address: '300.1.1.1' } }), 'client_ip_address'],
    ['IP with spaces (23)', validEvent({ user_data: { ...ud, client_ip_address: ' 1.2.3.4' } }), 'client_ip_address'],
    ['hashed fbc (24)', validEvent({ user_data: { ...ud, fbc: sha256('fb.1.2.x') } }), 'fbc'],
    ['hashed fbp (24)', validEvent({ user_data: { ...ud, fbp: sha256('fb.1.2.3') } }), 'fbp'],
    ['non-integer lead_id (25)', validEvent({ user_data: { ...ud, lead_id: 'abc' } }), 'lead_id'],
    ['Purchase without value (26)', validEvent({ custom_data: { currency: 'USD' } }), 'value'],
    ['Purchase with string value (26)', validEvent({ custom_data: { ...cd, value: '42.5' } }), 'value'],
    ['Purchase without currency (26)', validEvent({ custom_data: { value: 1 } }), 'currency'],
    ['invalid currency (27)', validEvent({ custom_data: { ...cd, currency: 'EURO' } }), 'currency'],
    ['unknown currency code (27)', validEvent({ custom_data: { ...cd, currency: 'XYZ' } }), 'currency'],
    ['non-integer num_items (28)', validEvent({ custom_data: { ...cd, num_items: 1.5 } }), 'num_items'],
    ['contents without quantity (29)', validEvent({ custom_data: { ...cd, contents: [{ id: 'a' }] } }), "['contents'][0]"],
    ['bad delivery_category (29)', validEvent({ custom_data: { ...cd, delivery_category: 'drone' } }), 'delivery_category'],
  ];

  it.each(strictCases)('strict rejects %s; non-strict accepts with a warning', (_n, event, field) => {
    const err = reject(event);
    expect(err.status).toBe(400);
    expect(err.body.error).toMatchObject({ code: 100, type: 'OAuthException', is_transient: false });
    expect(err.body.error.error_user_msg).toContain("$['data'][1]");
    expect(err.body.error.error_user_msg).toContain(field);
    const r = validateEventsRequest({ data: [event] }, loose);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.events[0]!.warnings.length).toBeGreaterThan(0);
  });

  it('thin user_data combinations are rejected with subcode 2804050 (rule 20)', () => {
    const err = reject(validEvent({ user_data: { fn: sha256('mary'), ge: sha256('f') } }));
    expect(err.body.error.error_subcode).toBe(2804050);
    expect(reject(validEvent({ user_data: { client_user_agent: 'UA' } })).body.error.error_subcode).toBe(2804050);
  });

  it('W rules accept and warn: website without UA/URL, malformed fbc, MD5, country without state, content_type (rules 15, 17, 21, 24, 29)', () => {
    const e = validEvent({
      event_source_url: undefined,
      data_processing_options: [], data_processing_options_country: 0,
      user_data: { em: 'd41d8cd98f00b204e9800998ecf8427e', external_id: 'raw-id', fbc: 'fbclid-only', zzz: 'x' },
      custom_data: { ...cd, content_type: 'thing', compared_product: 'x' },
    });
    const r = validateEventsRequest({ data: [e], partner_agent: 'x', foo: 1 }, strict);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const w = r.events[0]!.warnings.join('\n');
    for (const s of ['client_user_agent', 'event_source_url', 'MD5', 'malformed fbc', 'geolocates', 'content_type', 'unknown user_data key', 'top-level key "foo"']) {
      expect(w).toContain(s);
    }
    expect(w).not.toContain('partner_agent');
  });

  it('accepts lowercase currency and LDU with geolocation (rules 17, 27)', () => {
    const e = validEvent({
      custom_data: { ...cd, currency: 'usd' }, data_processing_options: ['LDU'],
      data_processing_options_country: 1, data_processing_options_state: 1000,
    });
    expect(validateEventsRequest({ data: [e] }, strict).ok).toBe(true);
  });

  it('returns the test_event_code', () => {
    expect(validateEventsRequest({ data: [validEvent()], test_event_code: 'T1' }, strict)).toMatchObject({ ok: true, testEventCode: 'T1' });
  });

  it.each([['strict', strict], ['lenient', loose]])('%s: a null test_event_code (and other null options) means absent, as Meta takes them from its SDK (rule 19)', (_mode, opts) => {
    const body = { data: [validEvent()], test_event_code: null, partner_agent: null, namespace_id: null, upload_id: null, upload_tag: null, upload_source: null };
    expect(validateEventsRequest(body, opts)).toMatchObject({ ok: true, testEventCode: null });
  });

  it.each([42, true, ['T1'], { code: 'T1' }])('rejects a test_event_code that is neither a string nor null: %j', (tec) => {
    for (const opts of [strict, loose]) {
      const r = validateEventsRequest({ data: [validEvent()], test_event_code: tec }, opts);
      expect(r).toMatchObject({ ok: false, error: { status: 400, body: { error: { code: 100, message: expect.stringContaining('test_event_code must be a string') } } } });
    }
  });
});
