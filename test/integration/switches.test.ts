import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { allDeliveryStates } from '../helpers/delivery-states.js';
import { cli as cliStdout } from '../helpers/processes.js';
import { ADMIN_HEADERS as admin, addPixelViaApi, cliEnv, createTenantViaApi, startTestRelay, type TestRelay } from '../helpers/relay.js';

function event(name: string, id: string) {
  return {
    event: name, event_id: id, timestamp: Math.floor(Date.now() / 1000) - 60, url: 'https://shop.example.com/p', value: 5, currency: 'EUR',
    user: { email: 'sw@example.com', user_agent: 'Mozilla/5.0', ip: '203.0.113.1' },
  };
}

describe.each(dialects)('event switches on $name', (dialect) => {
  let t: TestRelay;
  let tenant: { id: string; ingestKey: string };

  const post = (events: unknown[]) =>
    t.relay.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}`, 'content-type': 'application/json' }, payload: { events } });
  const row = (eventId: string) => t.relay.store.db.selectFrom('events').selectAll().where('tenant_id', '=', tenant.id).where('event_id', '=', eventId).executeTakeFirstOrThrow();

  beforeAll(async () => {
    t = await startTestRelay(dialect, { deliveryEnabled: false });
    tenant = await createTenantViaApi(t, 'Switches');
    await addPixelViaApi(t, tenant.id, { pixelId: '123456789012345', accessToken: 'EAAB-switch-token-0123' });
  });
  afterAll(async () => t?.close());

  it('lists every switch on by default, and rejects unknown ones', async () => {
    const res = await t.relay.app.inject({ method: 'GET', url: `/api/v1/tenants/${tenant.id}/switches`, headers: admin });
    expect(res.json().switches).toMatchObject({ Purchase: true, custom: true, PageView: true, AddToCart: true });
    const bad = await t.relay.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/switches`, headers: admin, payload: { Nope: false } });
    expect(bad.statusCode).toBe(400);
  });

  it('stores events whose switch is off as skipped (event_switch_off), forwarding the others', async () => {
    const put = await t.relay.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/switches`, headers: admin, payload: { Purchase: false, custom: false } });
    expect(put.json().switches).toMatchObject({ Purchase: false, custom: false, AddToCart: true });
    const res = await post([event('purchase', 's-1'), event('add_to_cart', 's-2'), event('CancelMembership', 's-3')]);
    const results = res.json().results;
    expect(results.map((r: { status: string }) => r.status)).toEqual(['skipped', 'accepted', 'skipped']);
    expect(results[0].code).toBe('event_switch_off');
    expect(results[1].code).toBeUndefined();
    expect(results[2].code).toBe('event_switch_off');
    expect(await row('s-1')).toMatchObject({ status: 'skipped', drop_code: 'event_switch_off' });
    expect(await row('s-2')).toMatchObject({ status: 'queued' });
    expect(await row('s-3')).toMatchObject({ status: 'skipped', drop_code: 'event_switch_off' });
    const deliveries = await allDeliveryStates(t.relay.store, tenant.id);
    expect(deliveries.map((d) => d.eventRowId)).toEqual([(await row('s-2')).id]);
    expect((await post([event('purchase', 's-1')])).json().results[0].status).toBe('duplicate');
    await t.relay.app.inject({ method: 'PUT', url: `/api/v1/tenants/${tenant.id}/switches`, headers: admin, payload: { Purchase: true } });
    expect((await post([event('purchase', 's-4')])).json().results[0]).toEqual({ event_id: 's-4', status: 'accepted' });
  });

  it('sets switches and manages sources from the CLI', async () => {
    const env = cliEnv(t.db, { extra: { CAPI_RELAY_PUBLIC_URL: 'https://relay.example.com' } });
    const cli = (...args: string[]) => cliStdout(env, ...args);
    const list = JSON.parse(await cli('switches', 'set', '--tenant', tenant.id, '--event', 'Lead', '--off', '--json'));
    expect(list.Lead).toBe(false);
    expect(JSON.parse(await cli('switches', 'list', '--tenant', tenant.id, '--json')).switches.Lead).toBe(false);
    const src = JSON.parse(await cli('sources', 'add', '--tenant', tenant.id, '--platform', 'shopify', '--secret', 'shpss_cli_secret', '--currency', 'eur', '--site-url', 'https://shop.example.com', '--json'));
    expect(src).toEqual({ id: expect.any(String), webhookUrl: `https://relay.example.com/v1/webhooks/shopify/${src.id}` });
    await cli('sources', 'rotate-secret', '--source', src.id, '--secret', 'shpss_cli_secret_2');
    await cli('sources', 'disable', '--source', src.id);
    const sources = JSON.parse(await cli('sources', 'list', '--tenant', tenant.id, '--json'));
    expect(sources).toHaveLength(1);
    expect(sources[0]).toMatchObject({ status: 'disabled', settings: { currency: 'EUR', siteUrl: 'https://shop.example.com/' } });
    expect(JSON.stringify(sources)).not.toContain('shpss_cli_secret');
    await expect(cli('sources', 'add', '--tenant', tenant.id, '--platform', 'magento', '--secret', 'x')).rejects.toThrow(/platform must be one of/);
    // The admin API validates the same way: a site URL must be an absolute http(s) URL.
    const bad = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/sources`, headers: admin, payload: { platform: 'commerce7', siteUrl: 'shop.example.com' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'invalid_body', message: expect.stringContaining('site URL') as unknown });
  }, 120_000);
});
