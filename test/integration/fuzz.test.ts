/**
 * Fuzz of every public endpoint (issue 14, "bad input: a 4xx or a per-event `rejected`, never a 500"):
 * valid bodies of /v1/events, /v1/collect and each webhook platform (validly signed after the change) are
 * mutated by fast-check — nulls, U+0000, lone surrogates, strings at and past every bound, nesting up to
 * 10,000 levels, wrong types, unknown keys, broken bytes — on SQLite and PostgreSQL. Asserted: no 5xx,
 * every 4xx carries a registry code, every per-event result has a known status (a rejection a code), and
 * the good events beside a bad one in a batch are still taken.
 *
 * Bounded: CAPI_RELAY_FUZZ_RUNS inputs per endpoint and database (default 30, plus the fixed classic cases; a few seconds per database);
 * CAPI_RELAY_FUZZ_SEED replays a run. The counts are printed as `[fuzz] …` lines.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_ERRORS } from '../../src/http/errors.js';
import { signGeneric } from '../../src/sources/index.js';
import { steppedClock } from '../helpers/clock.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS as admin, createTenantViaApi, startTestRelay, type TestRelay } from '../helpers/relay.js';

const RUNS = Number(process.env.CAPI_RELAY_FUZZ_RUNS ?? 30);
const SEED = process.env.CAPI_RELAY_FUZZ_SEED ? Number(process.env.CAPI_RELAY_FUZZ_SEED) : Date.now() ^ (Math.random() * 2 ** 31);

const AT = Date.parse('2026-01-15T12:00:00Z');
const ORIGIN = 'https://shop.example';
const SECRETS = { shopify: 'fuzz-shopify-secret', woocommerce: 'fuzz-woo-secret', stripe: 'whsec_fuzz', commerce7: 'hook-user:hook-pass', generic: 'fuzz-generic-secret' };
const FIXTURES = new URL('../fixtures/', import.meta.url);
const fixtureJson = (name: string): unknown => JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8'));
const fixtureHeaders = (name: string) => JSON.parse(readFileSync(new URL(`${name}.headers.json`, FIXTURES), 'utf8')) as Record<string, string>;

type Path = (string | number)[];
type Json = unknown;

// ---- mutations -------------------------------------------------------------------------------------------

/** A string standing for a deeply nested value: JSON.stringify cannot write 10,000 levels, so it is spliced in as text. */
const deep = (n: number, kind: 'o' | 'a') => `@@DEEP_${kind}${n}@@`;
function spliceDeep(text: string): string {
  return text.replace(/"@@DEEP_([oa])(\d+)@@"/g, (_m, kind: string, n: string) =>
    kind === 'o' ? `${'{"a":'.repeat(Number(n))}1${'}'.repeat(Number(n))}` : `${'['.repeat(Number(n))}${']'.repeat(Number(n))}`);
}

const nasty: fc.Arbitrary<Json> = fc.oneof(
  // The classes that were 500s (issue 14), weighted so that every run meets them.
  { weight: 8, arbitrary: fc.constantFrom<Json>(null, null, 'a\u0000b', '\u0000', '\udf12', deep(10_000, 'o'), 'x'.repeat(5000)) },
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', ' ', '\u0000', 'a\u0000b', '\udf12', 'x\ud800', '\ud83d\ude00',
    'é', '1e999', 'NaN', '2026-13-45', 'not an email', '__proto__', [], {}, [null], { a: null }, ['\u0000'], { '\u0000': 1 }),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(100, 101, 256, 257, 512, 513, 1024, 1025, 4096, 4097, 8192, 8193, 30_000).chain((n) => fc.constantFrom<Json>('a'.repeat(n), 'é'.repeat(n), '\u{1F600}'.repeat(n / 2))),
  fc.constantFrom(8, 9, 10, 11, 50, 10_000).chain((n) => fc.constantFrom(deep(n, 'o'), deep(n, 'a'))),
  fc.constantFrom(1001, 5000).map((n) => Array.from({ length: n }, (_, i) => ({ id: `sku-${i}`, quantity: 1 }))),
  fc.jsonValue({ maxDepth: 3 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const nastyKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', '', '\u0000', '\udf12', 'x'.repeat(300), 'surprise', 'event', 'event_name', 'event_id',
  'user', 'user_data', 'custom_data', 'app_data', 'items', 'integrations', 'timestamp', 'order_id'), fc.string({ maxLength: 12 }));

/** `at` picks the node (modulo the node count); `shallow` keeps to the value and its own fields, where the ids and names are. */
type Mutation =
  | { op: 'replace'; at: number; shallow: boolean; value: Json }
  | { op: 'delete'; at: number; shallow: boolean }
  | { op: 'add'; at: number; shallow: boolean; key: string; value: Json }
  | { op: 'field'; key: string; value: Json };
/** Fields the relay reads (events, the snippet's beacon, each platform's payload): set on the mutated value itself. */
const FIELDS = ['event', 'event_name', 'event_id', 'event_time', 'timestamp', 'action_source', 'url', 'event_source_url', 'order_id', 'value', 'currency',
  'items', 'user', 'user_data', 'custom_data', 'app_data', 'original_event_data', 'integrations', 'opt_out', 'fbp', 'fbc', 'fbclid', 'gclid', 'consent',
  'id', 'email', 'total_price', 'line_items', 'customer', 'browser_ip', 'client_details', 'landing_site', 'billing', 'customer_ip_address',
  'customer_user_agent', 'payload', 'object', 'action', 'type', 'data', 'created', 'metadata'];
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('field' as const), key: fc.constantFrom(...FIELDS), value: nasty }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), shallow: fc.boolean(), value: nasty }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), shallow: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('add' as const), at: fc.nat(), shallow: fc.boolean(), key: nastyKey, value: nasty }) },
);
/** Byte-level damage after serialization (the signature is computed after it, so it still verifies). */
type RawDamage = { op: 'truncate'; at: number } | { op: 'insert'; at: number; bytes: number[] };
const rawDamage: fc.Arbitrary<RawDamage> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.constantFrom<number[]>([0xff], [0xc3], [0x00], [0xed, 0xa0, 0x80], [0x7b], [0x22], [0x5c, 0x75, 0x30]) }),
);
interface Input {
  mutations: Mutation[];
  raw: RawDamage | null;
}
const input: fc.Arbitrary<Input> = fc.record({
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
  raw: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: rawDamage }),
});

/**
 * Run first on every endpoint, whatever the seed: the inputs of the issue 14 campaign that were 500s or
 * refused a whole batch (null names, U+0000 and lone surrogates in ids and the user agent, 10,000 levels in a
 * pass-through object, oversized ids, a non-object event).
 */
const CLASSIC: [Input][] = (
  [
    ['event', null], ['event_name', null], ['user', null], ['custom_data', null], ['event', 'a\u0000b'], ['event_id', 'n\u0000'], ['order_id', '\u0000'],
    ['url', 'https://x.example/\u0000'], ['event_id', '\udf12'], ['user', { user_agent: 'a\u0000b', email: 'jane@example.com' }], ['user', { user_agent: '\udf12' }],
    ['user_data', { client_user_agent: '\u0000', em: 'a@b.co' }], ['custom_data', deep(10_000, 'o')], ['app_data', deep(10_000, 'a')],
    ['integrations', { facebook: { custom_data: { x: deep(10_000, 'o') } } }], ['event_id', 'x'.repeat(5000)], ['order_id', 'é'.repeat(3000)],
    ['items', Array.from({ length: 1001 }, (_, i) => ({ id: `s${i}` }))], ['type', 'payment_intent.\u0000'], ['data', null], ['payload', null],
  ] as [string, Json][]
).map(([key, value]) => [{ mutations: [{ op: 'field', key, value }], raw: null }]);
const NON_OBJECT: [Input] = [{ mutations: [{ op: 'replace', at: 0, shallow: true, value: 0 }], raw: null }];

function pathsOf(v: Json, max = 10): Path[] {
  const out: Path[] = [];
  const stack: [Json, Path][] = [[v, []]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    out.push(path);
    if (path.length >= max || node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) node.forEach((c, i) => stack.push([c, [...path, i]]));
    else for (const [k, c] of Object.entries(node)) stack.push([c, [...path, k]]);
  }
  return out;
}
function nodeAt(v: Json, path: Path): Json {
  let n = v;
  for (const step of path) n = (n as Record<string | number, Json>)[step];
  return n;
}
/** Applies the mutations to a copy of `base` at paths under `under`; returns the mutated value. */
function mutate(base: Json, mutations: Mutation[], under: Path = []): Json {
  const root = { v: structuredClone(base) } as Record<string, Json>;
  for (const m of mutations) {
    const target = nodeAt(root.v, under);
    if (m.op === 'field') {
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, Json>)[m.key] = m.value;
      continue;
    }
    const paths = pathsOf(target, m.shallow ? 1 : 10).filter((p) => !m.shallow || p.length <= 1);
    const rel = paths[m.at % paths.length] as Path;
    const path = ['v', ...under, ...rel];
    const parent = nodeAt(root, path.slice(0, -1)) as Record<string | number, Json>;
    const last = path[path.length - 1] as string | number;
    if (m.op === 'replace') parent[last] = m.value;
    else if (m.op === 'delete') {
      // The mutated value itself stays (removing it would shift the good events' positions).
      if (rel.length === 0) continue;
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else {
      const node = parent[last];
      if (Array.isArray(node)) node.push(m.value);
      // defineProperty: a "__proto__" key must become an own property, as JSON.parse makes it.
      else if (node !== null && typeof node === 'object') Object.defineProperty(node, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      else parent[last] = { [m.key]: m.value };
    }
  }
  return root.v;
}
/** A stable number from the input, to choose a sample body. */
const pick = (i: Input): number => { const m = i.mutations[0]; return m === undefined ? 0 : m.op === 'field' ? m.key.length : m.at; };
function serialize(v: Json, raw: RawDamage | null): Buffer {
  const buf = Buffer.from(spliceDeep(JSON.stringify(v) ?? 'null'), 'utf8');
  if (!raw) return buf;
  const at = raw.at % (buf.length + 1);
  if (raw.op === 'truncate') return buf.subarray(0, at);
  return Buffer.concat([buf.subarray(0, at), Buffer.from(raw.bytes), buf.subarray(at)]);
}

// ---- valid bodies ----------------------------------------------------------------------------------------

let seq = 0;
const nextId = (p: string) => `${p}-${++seq}-${randomUUID().slice(0, 8)}`;
/** A commerce Purchase the relay takes (accepted and sent). */
const goodCommerce = () => ({
  event: 'purchase', event_id: nextId('good'), timestamp: AT / 1000 - 60, url: 'https://shop.example/thanks', value: 42.5, currency: 'EUR',
  order_id: nextId('o'), items: [{ id: 'SKU-1', quantity: 2, price: 21.25 }],
  user: { email: 'jane@example.com', phone: '+33 6 12 34 56 78', ip: '203.0.113.7', user_agent: 'Mozilla/5.0 (X11; Linux x86_64)', fbp: 'fb.1.1596403881668.1116446470' },
});
/** Meta-native events with the pass-through objects Meta allows. */
const BASE_EVENTS: (() => Json)[] = [
  goodCommerce,
  () => ({
    event_name: 'Purchase', event_time: AT / 1000 - 120, event_id: nextId('meta'), action_source: 'website', event_source_url: 'https://shop.example/p',
    user_data: { em: 'jane@example.com', client_ip_address: '203.0.113.8', client_user_agent: 'Mozilla/5.0', fbc: 'fb.1.1700000000000.AbC' },
    custom_data: { value: 10, currency: 'USD', order_id: nextId('o'), contents: [{ id: 'a', quantity: 1, item_price: 10 }], content_ids: ['a'], num_items: 1 },
    app_data: { advertiser_tracking_enabled: 1, extinfo: ['i2', 'com.example', '1.0'] },
  }),
  () => ({
    event: 'add_to_cart', timestamp: AT / 1000 - 30, url: 'https://shop.example/p/1', value: 5, currency: 'EUR', items: [{ id: 7, quantity: 1 }],
    user: { email: 'b@example.com', user_agent: 'UA' }, integrations: { facebook: { custom_data: { note: 'x' } } },
  }),
];
const collectBody = (key: string) => ({
  key, event: 'AddToCart', event_id: nextId('c'), url: `${ORIGIN}/p/1`, value: 10, currency: 'EUR', items: [{ id: 'sku-1', price: 10, quantity: 1 }],
  fbp: 'fb.1.1700000000000.1234567890', fbc: 'fb.1.1700000000000.AbC123xyz', gclid: 'Cj0KCQ', consent: true, user: { email: 'jane@example.com' },
});

interface Request {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Indexes of results that must be taken (good events beside the mutated one), when the request kept its shape. */
  good: number[];
}

const hmac = (secret: string, data: string | Buffer, enc: 'hex' | 'base64') => createHmac('sha256', secret).update(data).digest(enc);
/** The generic source's signature, in one place should its scheme change. */
const genericHeaders = (body: Buffer, deliveryId: string, nowMs: number) => ({ 'content-type': 'application/json', 'x-capi-relay-signature': signGeneric(SECRETS.generic, body, Math.floor(nowMs / 1000)), 'x-capi-relay-delivery-id': deliveryId });

// ---- the suite -------------------------------------------------------------------------------------------

const summary: string[] = [];
afterAll(() => {
  for (const line of summary) console.log(line);
});

describe.each(dialects)('fuzz of the public endpoints on $name', (dialect) => {
  let t: TestRelay;
  let tenant: { id: string; ingestKey: string; publishableKey: string };
  const sources: Record<string, string> = {};
  const clock = steppedClock(AT);
  const counts = { inputs: 0, status5xx: 0, uncoded4xx: 0, threw: 0, goodChecked: 0, goodLost: 0, byStatus: {} as Record<number, number>, codes: {} as Record<string, number> };
  const failures: string[] = [];

  beforeAll(async () => {
    t = await startTestRelay(dialect, { logLevel: 'warn', collectRatePerMinute: 1_000_000 }, clock.now);
    tenant = await createTenantViaApi(t, 'Fuzz store');
    await t.relay.tenants.addPixel({ tenantId: tenant.id, pixelId: '123456789012345', accessToken: 'EAAB-fuzz-token-0123456789' });
    const origin = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/origins`, headers: admin, payload: { origin: ORIGIN } });
    expect(origin.statusCode).toBe(201);
    for (const platform of ['shopify', 'woocommerce', 'commerce7', 'stripe', 'generic'] as const) {
      const res = await t.relay.app.inject({
        method: 'POST', url: `/api/v1/tenants/${tenant.id}/sources`, headers: admin,
        payload: { platform, secret: SECRETS[platform], ...(platform === 'commerce7' ? { currency: 'CAD', siteUrl: 'https://winery.example.com' } : {}), ...(platform === 'stripe' ? { siteUrl: 'https://shop.example.com/' } : {}) },
      });
      expect(res.statusCode).toBe(201);
      sources[platform] = res.json<{ id: string }>().id;
    }
  });
  afterAll(async () => {
    const unhandled = t?.logs.filter((l) => l.includes('unhandled error')).length ?? 0;
    summary.push(`[fuzz] ${dialect.name}: ${counts.inputs} inputs tried (seed ${SEED}, ${RUNS} per endpoint), ${counts.status5xx} answered 5xx, ` +
      `${counts.uncoded4xx} 4xx without a code, ${counts.threw} crashes, ${counts.goodLost} of ${counts.goodChecked} good events beside a bad one lost, ` +
      `${unhandled} unhandled errors logged; HTTP statuses ${JSON.stringify(counts.byStatus)}; codes ${JSON.stringify(counts.codes)}`);
    await t?.close();
  });

  /** Sends one request and checks the invariants; returns false (and records why) on a violation. */
  async function check(name: string, req: Request, inputDesc: () => string): Promise<boolean> {
    counts.inputs++;
    let res;
    try {
      res = await t.relay.app.inject({ method: 'POST', url: req.url, headers: req.headers, payload: req.body });
    } catch (err) {
      counts.threw++;
      failures.push(`${name}: inject threw ${(err as Error).message} for ${inputDesc()}`);
      return false;
    }
    counts.byStatus[res.statusCode] = (counts.byStatus[res.statusCode] ?? 0) + 1;
    const fail = (why: string) => {
      failures.push(`${name}: ${why} — answer ${res.statusCode} ${res.body.slice(0, 300)} — input ${inputDesc()}`);
      return false;
    };
    if (res.statusCode >= 500) {
      counts.status5xx++;
      return fail('5xx');
    }
    if (res.statusCode >= 400) {
      const code = (res.json() as { error?: { code?: unknown } }).error?.code;
      if (typeof code === 'string') counts.codes[code] = (counts.codes[code] ?? 0) + 1;
      if (typeof code !== 'string' || !Object.hasOwn(HTTP_ERRORS, code)) {
        counts.uncoded4xx++;
        return fail('4xx without a registry code');
      }
      return true;
    }
    const body = res.json() as { results?: { status?: string; code?: unknown }[] };
    if (!Array.isArray(body.results)) return fail('2xx without results');
    for (const r of body.results) {
      if (typeof r.code === 'string' && r.status === 'rejected') counts.codes[r.code] = (counts.codes[r.code] ?? 0) + 1;
      if (!['accepted', 'duplicate', 'skipped', 'rejected'].includes(r.status ?? '')) return fail(`unknown status ${String(r.status)}`);
      if (r.status === 'rejected' && typeof r.code !== 'string') return fail('rejected without a code');
    }
    for (const i of req.good) {
      counts.goodChecked++;
      if (body.results[i]?.status === 'rejected' || body.results[i] === undefined) {
        counts.goodLost++;
        return fail(`good event #${i} not taken`);
      }
    }
    return true;
  }

  async function fuzz(name: string, build: (i: Input) => Request): Promise<void> {
    await fc.assert(
      fc.asyncProperty(input, async (i) => check(name, build(i), () => JSON.stringify(i).slice(0, 600))),
      { numRuns: RUNS + CLASSIC.length + 1, seed: SEED, examples: [...CLASSIC, NON_OBJECT] },
    );
  }
  const describeFailures = () => failures.slice(0, 3).join('\n');

  it('POST /v1/events: a bad event among good ones', async () => {
    await fuzz('/v1/events', (i) => {
      const base = BASE_EVENTS[pick(i) % BASE_EVENTS.length]!();
      const envelope = { events: [goodCommerce(), base, goodCommerce()] };
      const body = serialize(mutate(envelope, i.mutations, ['events', 1]), i.raw);
      return { url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}`, 'content-type': 'application/json' }, body, good: i.raw ? [] : [0, 2] };
    }).catch((err: Error) => { throw new Error(`${err.message}\n${describeFailures()}`); });
  });

  it('POST /v1/events: a mutated envelope', async () => {
    await fuzz('/v1/events envelope', (i) => ({
      url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}`, 'content-type': 'application/json' },
      body: serialize(mutate({ events: [goodCommerce(), goodCommerce()] }, i.mutations), i.raw), good: [],
    })).catch((err: Error) => { throw new Error(`${err.message}\n${describeFailures()}`); });
  });

  it('POST /v1/collect', async () => {
    await fuzz('/v1/collect', (i) => ({
      url: '/v1/collect', headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': 'Mozilla/5.0 (fuzz)' },
      // The key stays: without it the beacon is a 401 before anything is read.
      body: serialize({ ...(mutate(collectBody(tenant.publishableKey), i.mutations) as object), key: tenant.publishableKey }, i.raw), good: [],
    })).catch((err: Error) => { throw new Error(`${err.message}\n${describeFailures()}`); });
  });

  it('POST /v1/webhooks/generic: a bad event among good ones, and long delivery ids', async () => {
    await fuzz('generic', (i) => {
      const body = serialize(mutate({ events: [goodCommerce(), BASE_EVENTS[pick(i) % BASE_EVENTS.length]!(), goodCommerce()] }, i.mutations, ['events', 1]), i.raw);
      const deliveryId = [randomUUID(), 'd'.repeat(5000), '\xff'.repeat(3000)][pick(i) % 3]!;
      return { url: `/v1/webhooks/generic/${sources.generic}`, headers: genericHeaders(body, deliveryId, clock.now()), body, good: i.raw ? [] : [0, 2] };
    }).catch((err: Error) => { throw new Error(`${err.message}\n${describeFailures()}`); });
  });

  it('POST /v1/webhooks/shopify (orders, checkouts, carts, customers)', async () => {
    const samples = ['shopify-orders-create', 'shopify-checkouts-create', 'shopify-carts-update', 'shopify-customers-create'].map((n) => ({ json: fixtureJson(n), headers: fixtureHeaders(n) }));
    await fuzz('shopify', (i) => {
      const s = samples[pick(i) % samples.length]!;
      const body = serialize(mutate(s.json, i.mutations), i.raw);
      return { url: `/v1/webhooks/shopify/${sources.shopify}`, headers: { ...s.headers, 'X-Shopify-Webhook-Id': randomUUID(), 'X-Shopify-Hmac-Sha256': hmac(SECRETS.shopify, body, 'base64') }, body, good: [] };
    }).catch((err: Error) => { throw new Error(`${err.message}\n${describeFailures()}`); });
  });

  it('POST /v1/webhooks/woocommerce (orders, customers)', async () => {
    const samples = ['woocommerce-order-created', 'woocommerce-customer-created'].map((n) => ({ json: fixtureJson(n), headers: fixtureHeaders(n) }));
    await fuzz('woocommerce', (i) => {
      const s = samples[pick(i) % samples.length]!;
      const body = serialize(mutate(s.json, i.mutations), i.raw);
      return { url: `/v1/webhooks/woocommerce/${sources.woocommerce}`, headers: { ...s.headers, 'X-WC-Webhook-Delivery-ID': randomUUID(), 'X-WC-Webhook-Signature': hmac(SECRETS.woocommerce, body, 'base64') }, body, good: [] };
    }).catch((err: Error) => { throw new Error(`${err.message}\n${describeFailures()}`); });
  });

  it('POST /v1/webhooks/commerce7 (orders, memberships, reservations, carts)', async () => {
    const samples = [['Order', 'Create', 'commerce7-order'], ['Club Membership', 'Create', 'commerce7-club-membership'], ['Reservation', 'Create', 'commerce7-reservation'], ['Cart', 'Update', 'commerce7-cart-update']]
      .map(([object, action, n]) => ({ object, action, user: 'ops@example.com', tenantId: 'spectra', payload: fixtureJson(n!) }));
    const basic = `Basic ${Buffer.from(SECRETS.commerce7).toString('base64')}`;
    await fuzz('commerce7', (i) => ({
      url: `/v1/webhooks/commerce7/${sources.commerce7}`, headers: { 'content-type': 'application/json', authorization: basic },
      body: serialize(mutate(samples[pick(i) % samples.length], i.mutations), i.raw), good: [],
    })).catch((err: Error) => { throw new Error(`${err.message}\n${describeFailures()}`); });
  });

  it('POST /v1/webhooks/stripe (payment intents, checkout sessions)', async () => {
    const session = {
      id: 'evt_fuzz_session', type: 'checkout.session.completed', created: AT / 1000, data: { object: {
        id: 'cs_test_fuzz', object: 'checkout.session', amount_total: 4250, currency: 'eur', created: AT / 1000 - 5, payment_status: 'paid', payment_intent: 'pi_fuzz',
        success_url: 'https://shop.example.com/thanks', customer_details: { email: 'Buyer@Example.com', name: 'Ada Lovelace', address: { city: 'London', country: 'GB' } },
        metadata: { client_ip_address: '198.51.100.9', client_user_agent: 'Mozilla/5.0 (Mac)' },
      } },
    };
    const samples = [fixtureJson('stripe-payment-intent-succeeded'), session];
    const t0 = AT / 1000;
    await fuzz('stripe', (i) => {
      const body = serialize(mutate(samples[pick(i) % samples.length], i.mutations), i.raw);
      const v1 = hmac(SECRETS.stripe, Buffer.concat([Buffer.from(`${t0}.`), body]), 'hex');
      return { url: `/v1/webhooks/stripe/${sources.stripe}`, headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t0},v1=${v1}` }, body, good: [] };
    }).catch((err: Error) => { throw new Error(`${err.message}\n${describeFailures()}`); });
  });

  it('saw no 5xx, no uncoded 4xx, no crash and lost no good event', () => {
    expect(failures).toEqual([]);
    expect(counts).toMatchObject({ status5xx: 0, uncoded4xx: 0, threw: 0, goodLost: 0 });
    expect(counts.inputs).toBeGreaterThanOrEqual((RUNS + CLASSIC.length + 1) * 8);
  });
});
