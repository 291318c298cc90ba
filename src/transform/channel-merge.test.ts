import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MetaServerEvent } from '../core/meta-event.js';
import { BROWSER_USER_KEYS, type ChannelCopy, channelKindOf, CUSTOMER_KEYS, lateAdditions, mergeChannelCopies } from './channel-merge.js';

const H = (c: string) => c.repeat(64);

/** Order 1002 as the snippet saw it: €30 (a stale cart total), the click's cookies, device and page. */
function browserEvent(over: Partial<MetaServerEvent> = {}): MetaServerEvent {
  return {
    event_name: 'Purchase',
    event_time: 1_700_000_000,
    event_id: 'purchase:1002',
    action_source: 'website',
    event_source_url: 'https://shop.example/thanks',
    user_data: { fbp: 'fb.1.1.111', fbc: 'fb.1.1.abc', client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0 Browser', em: [H('b')] },
    custom_data: { value: 30, currency: 'EUR', order_id: '1002' },
    ...over,
  };
}

/** Order 1002 as the Shopify webhook knows it: the real total, the customer, the contents. */
function serverEvent(over: Partial<MetaServerEvent> = {}): MetaServerEvent {
  return {
    event_name: 'Purchase',
    event_time: 1_700_000_005,
    event_id: 'purchase:1002',
    action_source: 'website',
    event_source_url: 'https://shop.example/orders/1002',
    user_data: { em: [H('a')], ph: [H('c')], ct: [H('d')], external_id: [H('e')], client_ip_address: '198.51.100.1', client_user_agent: 'Shopify webhook' },
    custom_data: { value: 35, currency: 'EUR', order_id: '1002', contents: [{ id: 'sku-1', quantity: 2 }], num_items: 2 },
    ...over,
  };
}

const browser = (event: MetaServerEvent | null = browserEvent(), consentRefused = false): ChannelCopy => ({ source: 'browser', event, consentRefused });
const server = (event: MetaServerEvent | null = serverEvent(), consentRefused = false): ChannelCopy => ({ source: 'webhook:shopify', event, consentRefused });

describe('channelKindOf', () => {
  it.each([
    ['browser', 'browser'],
    ['api', 'server'],
    ['api:segment', 'server'],
    ['api:graph', 'server'],
    ['api:ga4', 'server'],
    ['webhook:shopify', 'server'],
    ['webhook:generic', 'server'],
    ['csv', 'server'],
    ['simulate', null],
  ])('%s is %s', (source, kind) => expect(channelKindOf(source)).toBe(kind));
});

// The documented table (docs/meta-capi.md), one row per field: which copy's value is sent, whichever arrived first.
describe.each([
  ['browser first', true],
  ['server first', false],
])('the rules table, %s', (_, browserFirst) => {
  const merge = (b: ChannelCopy, s: ChannelCopy) => (browserFirst ? mergeChannelCopies(b, s) : mergeChannelCopies(s, b))!;
  const merged = merge(browser(), server()).event;

  it.each([
    ['custom_data.value', merged.custom_data?.value, 35],
    ['custom_data.currency', merged.custom_data?.currency, 'EUR'],
    ['custom_data.contents', merged.custom_data?.contents, [{ id: 'sku-1', quantity: 2 }]],
    ['custom_data.num_items', merged.custom_data?.num_items, 2],
    ['custom_data.order_id', merged.custom_data?.order_id, '1002'],
    ['user_data.ph', merged.user_data.ph, [H('c')]],
    ['user_data.ct', merged.user_data.ct, [H('d')]],
    ['user_data.external_id', merged.user_data.external_id, [H('e')]],
    ['user_data.em (union, server first)', merged.user_data.em, [H('a'), H('b')]],
    ['user_data.fbp', merged.user_data.fbp, 'fb.1.1.111'],
    ['user_data.fbc', merged.user_data.fbc, 'fb.1.1.abc'],
    ['user_data.client_ip_address', merged.user_data.client_ip_address, '203.0.113.7'],
    ['user_data.client_user_agent', merged.user_data.client_user_agent, 'Mozilla/5.0 Browser'],
    ['event_source_url', merged.event_source_url, 'https://shop.example/thanks'],
    ['event_time (first non-empty)', merged.event_time, browserFirst ? 1_700_000_000 : 1_700_000_005],
    ['event_id', merged.event_id, 'purchase:1002'],
  ])('%s', (_field, actual, expected) => expect(actual).toEqual(expected));

  it('says which channel the value came from', () => {
    expect(merge(browser(), server()).valueFrom).toBe('webhook:shopify');
    const noServerValue = serverEvent({ custom_data: { order_id: '1002' } });
    const m = merge(browser(), server(noServerValue));
    expect(m.valueFrom).toBe('browser');
    expect(m.event.custom_data).toMatchObject({ value: 30, currency: 'EUR' });
  });

  it('falls back to the other copy for an owned field its owner lacks', () => {
    const bare = browserEvent({ user_data: { fbp: 'fb.1.1.111' } });
    delete bare.event_source_url;
    const m = merge(browser(bare), server()).event;
    expect(m.user_data.client_ip_address).toBe('198.51.100.1');
    expect(m.user_data.fbc).toBeUndefined();
    expect(m.event_source_url).toBe('https://shop.example/orders/1002');
  });

  it('never takes value from one copy and currency from the other', () => {
    const s = serverEvent({ custom_data: { value: 35 } });
    const m = merge(browser(), server(s)).event;
    expect(m.custom_data).toMatchObject({ value: 35 });
    expect(m.custom_data?.currency).toBeUndefined();
  });

  it('a browser consent refusal keeps the browser identifiers out, not its user agent or page', () => {
    const stripped = browserEvent({ user_data: { client_user_agent: 'Mozilla/5.0 Browser' } });
    for (const b of [browser(browserEvent(), true), browser(stripped, true), browser(null, true)]) {
      const m = merge(b, server()).event;
      expect(m.user_data.fbp).toBeUndefined();
      expect(m.user_data.fbc).toBeUndefined();
      expect(m.user_data.client_ip_address).toBe('198.51.100.1');
      expect(m.user_data.em).toEqual([H('a')]);
      if (b.event) expect(m.user_data.client_user_agent).toBe('Mozilla/5.0 Browser');
    }
    expect(merge(browser(browserEvent(), true), server()).decisions.map((d) => d.code)).toContain('merge_consent');
  });

  it('a server consent refusal keeps every identifier out', () => {
    const s = serverEvent({ user_data: { client_user_agent: 'Shopify webhook' } });
    const m = merge(browser(), server(s, true)).event;
    for (const k of [...CUSTOMER_KEYS, 'fbp', 'fbc', 'client_ip_address']) expect(m.user_data[k]).toBeUndefined();
  });

  it('LDU from either copy applies (the server one when both have it)', () => {
    const ldu = { data_processing_options: ['LDU'], data_processing_options_country: 1, data_processing_options_state: 1000 };
    expect(merge(browser(browserEvent(ldu)), server()).event).toMatchObject(ldu);
    expect(merge(browser(), server(serverEvent(ldu))).event).toMatchObject(ldu);
    const geo = { data_processing_options: ['LDU'], data_processing_options_country: 0, data_processing_options_state: 0 };
    expect(merge(browser(browserEvent(geo)), server(serverEvent(ldu))).event).toMatchObject(ldu);
    expect(merge(browser(), server()).event.data_processing_options).toBeUndefined();
  });

  it('opt_out from either copy applies', () => {
    expect(merge(browser(browserEvent({ opt_out: true })), server()).event.opt_out).toBe(true);
    expect(merge(browser(), server()).event.opt_out).toBeUndefined();
  });
});

describe('mergeChannelCopies', () => {
  it('answers null when both copies were dropped', () => {
    expect(mergeChannelCopies(browser(null, true), server(null, true))).toBeNull();
  });

  it('keeps single-valued identifiers single when both copies agree', () => {
    const m = mergeChannelCopies(browser(browserEvent({ user_data: { em: H('a') } })), server(serverEvent({ user_data: { em: H('a') } })))!;
    expect(m.event.user_data.em).toBe(H('a'));
  });

  const hash = fc.constantFrom(H('1'), H('2'), H('3'), H('4'));
  const userData = fc.record(
    { em: fc.array(hash, { maxLength: 3 }), ph: fc.array(hash, { maxLength: 2 }), fbp: fc.constantFrom('fb.1.1.1', 'fb.1.1.2'), client_ip_address: fc.ipV4() },
    { requiredKeys: [] },
  );
  const copy = (kind: 'browser' | 'server') =>
    fc.record({
      event: fc.option(
        fc.record({ user: userData, value: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }) }).map(
          ({ user, value }): MetaServerEvent => ({ event_name: 'Purchase', event_id: 'p:1', event_time: 1, action_source: 'website', user_data: user, custom_data: value === undefined ? {} : { value, currency: 'EUR' } }),
        ),
        { nil: null },
      ),
      consentRefused: fc.boolean(),
    }).map((c): ChannelCopy => ({ source: kind === 'browser' ? 'browser' : 'api', ...c }));

  it('property: order of arrival changes only the first-non-empty fields, never the owned ones', () => {
    fc.assert(
      fc.property(copy('browser'), copy('server'), (b, s) => {
        const one = mergeChannelCopies(b, s);
        const two = mergeChannelCopies(s, b);
        if (!one || !two) {
          expect(one).toBe(two);
          return;
        }
        expect(one.event.user_data).toEqual(two.event.user_data);
        expect(one.event.custom_data).toEqual(two.event.custom_data);
        expect(one.valueFrom).toBe(two.valueFrom);
      }),
    );
  });

  it('property: every identifier of an allowed copy is in the merge, none of a refusing one', () => {
    fc.assert(
      fc.property(copy('browser'), copy('server'), (b, s) => {
        const m = mergeChannelCopies(b, s);
        if (!m) return;
        const ud = m.event.user_data;
        const has = (k: string, v: unknown) => ([] as unknown[]).concat(ud[k] ?? []).includes(v);
        if (s.event && !s.consentRefused) for (const k of CUSTOMER_KEYS) for (const v of [s.event.user_data[k] ?? []].flat()) expect(has(k, v)).toBe(true);
        if (b.event && !b.consentRefused && !s.consentRefused) for (const k of CUSTOMER_KEYS) for (const v of [b.event.user_data[k] ?? []].flat()) expect(has(k, v)).toBe(true);
        const browserOnly = (k: string) => b.event?.user_data[k] !== undefined && b.event.user_data[k] !== s.event?.user_data[k] && s.event?.user_data[k] === undefined;
        if (b.consentRefused || s.consentRefused) for (const k of ['em', 'ph', 'fbp', 'client_ip_address']) if (browserOnly(k)) expect(ud[k]).toBeUndefined();
        if (b.event && !b.consentRefused && !s.consentRefused) for (const k of BROWSER_USER_KEYS) if (b.event.user_data[k] !== undefined) expect(ud[k]).toBe(b.event.user_data[k]);
      }),
    );
  });
});

describe('lateAdditions', () => {
  it('names what a late webhook would have added to the browser event that was sent, never values', () => {
    const names = lateAdditions(browser(), server());
    expect(names).toEqual(expect.arrayContaining(['custom_data.value', 'custom_data.contents', 'user_data.em', 'user_data.ph', 'user_data.external_id', 'user_data.ct']));
    expect(names).not.toContain('user_data.fbp');
    expect(names.join(' ')).not.toMatch(/35|fb\.1/);
  });

  it('names what a late browser copy would have added to the server event that was sent', () => {
    expect(lateAdditions(server(), browser())).toEqual(
      expect.arrayContaining(['user_data.fbp', 'user_data.fbc', 'user_data.client_ip_address', 'user_data.client_user_agent', 'event_source_url', 'user_data.em']),
    );
  });

  it('a late copy that refused consent adds no identifiers', () => {
    expect(lateAdditions(server(), browser(browserEvent(), true))).toEqual(['event_source_url', 'user_data.client_user_agent']);
  });
});
