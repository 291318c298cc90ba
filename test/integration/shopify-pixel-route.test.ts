/**
 * Issue 17: GET /api/v1/tenants/{id}/shopify-pixel and `capi-relay shopify-pixel` give a store the Shopify custom
 * pixel with its publishable key (checked), the relay's URL and its Purchase rule, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { cli, runCli } from '../helpers/processes.js';
import { ADMIN_HEADERS, cliEnv, startRelayNode, startTestRelay, type TestRelay } from '../helpers/relay.js';

const PUBLIC_URL = 'https://relay.example.com';

interface Pixel {
  code: string;
  relayUrl: string;
  keyIncluded: boolean;
  purchaseEventIdTemplate: string;
  events: Record<string, string>;
  acceptSandboxedPixel: boolean;
}

describe.each(dialects)('the Shopify custom pixel route on $name', (dialect) => {
  let t: TestRelay;
  beforeAll(async () => {
    t = await startTestRelay(dialect, { publicUrl: PUBLIC_URL });
  });
  afterAll(async () => t?.close());

  const get = async (url: string, headers: Record<string, string> = ADMIN_HEADERS) => {
    const res = await t.relay.app.inject({ method: 'GET', url: `/api/v1${url}`, headers });
    return { status: res.statusCode, json: <T>() => res.json<T>() };
  };
  const tenant = async (name: string, policy?: object) => {
    const res = await t.relay.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: ADMIN_HEADERS, payload: { name, ...(policy ? { policy } : {}) } });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string; publishableKey: string; ingestKey: string }>();
  };

  it('gives the code with the store\'s key, the public URL and its Purchase rule', async () => {
    const store = await tenant('Snowdevil', { eventIdTemplates: { Purchase: 'sd-{order_id}' } });
    const res = await get(`/tenants/${store.id}/shopify-pixel?key=${encodeURIComponent(store.publishableKey)}`);
    expect(res.status).toBe(200);
    const pixel = res.json<Pixel>();
    expect(pixel).toMatchObject({ relayUrl: PUBLIC_URL, keyIncluded: true, purchaseEventIdTemplate: 'sd-{order_id}' });
    expect(pixel.events).toEqual({ page_viewed: 'PageView', product_viewed: 'ViewContent', product_added_to_cart: 'AddToCart', checkout_started: 'InitiateCheckout', checkout_completed: 'Purchase' });
    expect(pixel.code).toContain(JSON.stringify({ key: store.publishableKey, endpoint: PUBLIC_URL, purchaseIdParts: ['sd-', ''] }));
    // A relay URL given by the caller wins over publicUrl.
    const other = (await get(`/tenants/${store.id}/shopify-pixel?relay_url=${encodeURIComponent('https://capi.shop.example/')}`)).json<Pixel>();
    expect(other).toMatchObject({ relayUrl: 'https://capi.shop.example', keyIncluded: false });
    expect(other.code).toContain('"key":"YOUR_PUBLISHABLE_KEY"');
  });

  it('refuses another store\'s key, the ingest key, a bad URL, an unknown parameter and an unknown store', async () => {
    const store = await tenant('Mine');
    const stranger = await tenant('Theirs');
    for (const key of [stranger.publishableKey, store.ingestKey, 'cr_pub_nonsense']) {
      const res = await get(`/tenants/${store.id}/shopify-pixel?key=${encodeURIComponent(key)}`);
      expect(res.status).toBe(400);
      expect(res.json<{ error: { code: string; message: string } }>().error).toEqual({ code: 'invalid_parameter', message: "key: not this store's publishable key (cr_pub_…)" });
    }
    // Not a URL a browser sends beacons to (a port past 65535), or one that would put a password in the store's page.
    for (const url of ['javascript:alert(1)', 'http://[::1]:99999', 'https://user:pw@relay.example.com']) {
      const badUrl = await get(`/tenants/${store.id}/shopify-pixel?relay_url=${encodeURIComponent(url)}`);
      expect([url, badUrl.status, badUrl.json<{ error: { code: string } }>().error.code]).toEqual([url, 400, 'invalid_parameter']);
    }
    expect((await get(`/tenants/${store.id}/shopify-pixel?kee=x`)).status).toBe(400);
    const missing = await get('/tenants/00000000-0000-7000-8000-000000000000/shopify-pixel');
    expect(missing.status).toBe(404);
  });

  it('takes a beacon from a sandboxed frame (Origin: null, as Shopify\'s pixel sandbox sends) only for a page on the allow-list', async () => {
    const store = await tenant('Sandboxed');
    const add = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${store.id}/origins`, headers: ADMIN_HEADERS, payload: { origin: 'https://shop.example' } });
    expect(add.statusCode).toBe(201);
    const collect = (body: object) =>
      t.relay.app.inject({ method: 'POST', url: '/v1/collect', headers: { origin: 'null', 'content-type': 'text/plain;charset=UTF-8' }, payload: JSON.stringify({ key: store.publishableKey, consent: true, ...body }) });
    const beacon = { event: 'PageView', event_id: 'sh-sandboxed-1', url: 'https://shop.example/checkouts/cn/x/thank-you', user: { email: 'jon@example.com' } };
    // Off by default: refused as any origin not allowed, with the way to turn it on.
    expect((await get(`/tenants/${store.id}/shopify-pixel`)).json<Pixel>().acceptSandboxedPixel).toBe(false);
    const off = await collect(beacon);
    expect(off.statusCode).toBe(403);
    const offError = off.json<{ error: { code: string; message: string } }>().error;
    expect(offError.code).toBe('origin_not_allowed');
    expect(offError.message).toContain('acceptSandboxedPixel');
    expect(offError.message).toContain('--accept-sandboxed-pixel on');
    // Another store's opt-in does not open this one.
    const other = await tenant('Opted in elsewhere');
    expect((await t.relay.app.inject({ method: 'PUT', url: `/api/v1/tenants/${other.id}/snippet`, headers: ADMIN_HEADERS, payload: { acceptSandboxedPixel: true } })).statusCode).toBe(200);
    expect((await collect(beacon)).statusCode).toBe(403);

    const optIn = await t.relay.app.inject({ method: 'PUT', url: `/api/v1/tenants/${store.id}/snippet`, headers: ADMIN_HEADERS, payload: { acceptSandboxedPixel: true } });
    expect(optIn.json()).toEqual({ loadPixel: false, cookieDomain: null, acceptSandboxedPixel: true });
    expect((await get(`/tenants/${store.id}/shopify-pixel`)).json<Pixel>().acceptSandboxedPixel).toBe(true);
    const audit = (await get(`/tenants/${store.id}/audit`)).json<{ items: { action: string; summary: unknown }[] }>().items;
    expect(audit.find((e) => e.action === 'PUT /api/v1/tenants/:id/snippet')?.summary).toEqual({ body: { acceptSandboxedPixel: true } });
    const ok = await collect(beacon);
    expect(ok.statusCode).toBe(202);
    // Past the origin check and stored (this store has no pixel, so not sent).
    expect(ok.json<{ results: unknown[] }>().results).toMatchObject([{ event_id: 'sh-sandboxed-1', status: 'skipped', code: 'no_active_pixel' }]);
    // No CORS grant for an opaque origin: the sandbox sends no-cors and reads nothing.
    expect(ok.headers['access-control-allow-origin']).toBeUndefined();
    for (const url of ['https://elsewhere.example/', undefined, 'not a url']) {
      const refused = await collect({ event: 'PageView', event_id: 'sh-sandboxed-2', ...(url === undefined ? {} : { url }) });
      expect(refused.statusCode).toBe(403);
      expect(refused.json<{ error: { code: string } }>().error.code).toBe('origin_not_allowed');
    }
    const stored = await t.relay.store.db.selectFrom('events').select('event_id').where('tenant_id', '=', store.id).execute();
    expect(stored).toEqual([{ event_id: 'sh-sandboxed-1' }]);
    // A page origin allowed by another store only is still refused.
    const add2 = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${other.id}/origins`, headers: ADMIN_HEADERS, payload: { origin: 'https://other.example' } });
    expect(add2.statusCode).toBe(201);
    const foreign = await collect({ event: 'PageView', event_id: 'sh-sandboxed-3', url: 'https://other.example/' });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json<{ error: { code: string } }>().error.code).toBe('origin_not_allowed');
    // Turned off again: refused again.
    await t.relay.app.inject({ method: 'PUT', url: `/api/v1/tenants/${store.id}/snippet`, headers: ADMIN_HEADERS, payload: { acceptSandboxedPixel: false } });
    expect((await collect({ ...beacon, event_id: 'sh-sandboxed-4' })).statusCode).toBe(403);
  });

  it('is an admin route: no admin token, no code', async () => {
    const store = await tenant('Guarded');
    const res = await get(`/tenants/${store.id}/shopify-pixel`, {});
    expect(res.status).toBe(401);
  });
});

describe.each(dialects)('capi-relay shopify-pixel on $name', (dialect) => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    db = await dialect.create();
    env = cliEnv(db);
    await cli(env, 'migrate');
  });
  afterAll(async () => db?.cleanup());

  it('prints the code for a store, with its key checked', async () => {
    const store = JSON.parse(await cli(env, 'tenants', 'create', '--name', 'CLI Shop', '--json')) as { id: string; publishableKey: string; ingestKey: string };
    const pixel = JSON.parse(await cli(env, 'shopify-pixel', '--tenant', store.id, '--relay-url', 'https://relay.example.com', '--key', store.publishableKey, '--json')) as Pixel;
    expect(pixel).toMatchObject({ relayUrl: 'https://relay.example.com', keyIncluded: true, purchaseEventIdTemplate: 'purchase:{order_id}' });
    expect(pixel.code).toContain(`"key":"${store.publishableKey}"`);
    expect(pixel.acceptSandboxedPixel).toBe(false);
    // Off: the code on stdout, the reminder of the opt-in on stderr.
    const reminded = await runCli(env, ['shopify-pixel', '--tenant', store.id, '--relay-url', 'https://relay.example.com']);
    expect(reminded.code).toBe(0);
    expect(reminded.stdout).toContain('capi-relay');
    expect(reminded.stdout).not.toContain('--accept-sandboxed-pixel');
    expect(reminded.stderr).toContain(`capi-relay snippet set --tenant ${store.id} --accept-sandboxed-pixel on`);
    const on = JSON.parse(await cli(env, 'snippet', 'set', '--tenant', store.id, '--accept-sandboxed-pixel', 'on', '--json')) as Record<string, unknown>;
    expect(on).toEqual({ loadPixel: false, cookieDomain: null, acceptSandboxedPixel: true });
    expect(await cli(env, 'snippet', 'show', '--tenant', store.id)).toContain('accept sandboxed pixel (Origin: null, e.g. Shopify custom pixel): on');
    // Audited as the admin API's changes are, as the CLI's.
    const relay = await startRelayNode(db);
    try {
      const audit = await relay.app.inject({ method: 'GET', url: `/api/v1/tenants/${store.id}/audit`, headers: ADMIN_HEADERS });
      expect(audit.json<{ items: { actor: string; action: string; summary: unknown }[] }>().items.map((e) => [e.actor, e.action, e.summary])).toEqual([
        ['cli', 'snippet.set', { body: { acceptSandboxedPixel: true } }],
      ]);
    } finally {
      await relay.close();
    }
    const afterOn = await runCli(env, ['shopify-pixel', '--tenant', store.id, '--relay-url', 'https://relay.example.com', '--json']);
    expect(JSON.parse(afterOn.stdout)).toMatchObject({ acceptSandboxedPixel: true });
    expect(afterOn.stderr).toBe('');
    const wrongKey = await runCli(env, ['shopify-pixel', '--tenant', store.id, '--relay-url', 'https://relay.example.com', '--key', store.ingestKey]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain("--key: not this store's publishable key");
    const noUrl = await runCli(env, ['shopify-pixel', '--tenant', store.id]);
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toContain('--relay-url');
  });
});
