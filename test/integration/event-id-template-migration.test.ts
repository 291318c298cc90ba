import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceSettings } from '../../src/sources/index.js';
import { carryTemplates, migrateSourceTemplates, translateSourceTemplate } from '../../src/store/event-id-template-migration.js';
import { dialects } from '../helpers/databases.js';
import { runCli } from '../helpers/processes.js';
import { ADMIN_HEADERS, cliEnv, startTestRelay, type TestRelay } from '../helpers/relay.js';

describe('carrying per-source event_id templates into the store template', () => {
  it('translates {platform} to its text and refuses what the browser cannot build', () => {
    expect(translateSourceTemplate('shopify', '{platform}-{order_id}')).toBe('shopify-{order_id}');
    expect(translateSourceTemplate('shopify', 'purchase:{order_number}')).toBeNull();
    expect(translateSourceTemplate('stripe', '{platform}')).toBeNull();
  });

  it('adopts a source template only when the store kept the default and every source agreed', () => {
    const one = [{ sourceId: 's1', platform: 'shopify', template: 'order-{order_id}' }];
    expect(carryTemplates(undefined, 1, one)).toEqual({ purchaseTemplate: 'order-{order_id}', adopted: true, reason: null });
    expect(carryTemplates('purchase:{order_id}', 1, one)).toMatchObject({ adopted: true });
    expect(carryTemplates('p-{order_id}', 1, one)).toMatchObject({ purchaseTemplate: 'p-{order_id}', adopted: false, reason: expect.stringContaining('its own') as unknown });
    expect(carryTemplates(undefined, 2, one)).toMatchObject({ purchaseTemplate: 'purchase:{order_id}', adopted: false, reason: expect.stringContaining('default') as unknown });
    expect(carryTemplates(undefined, 2, [...one, { sourceId: 's2', platform: 'stripe', template: 'x-{order_id}' }])).toMatchObject({ adopted: false, reason: expect.stringContaining('different') as unknown });
    expect(carryTemplates(undefined, 1, [{ sourceId: 's1', platform: 'shopify', template: '{order_number}' }])).toMatchObject({ adopted: false, reason: expect.stringContaining('order_number') as unknown });
    expect(carryTemplates(undefined, 3, [])).toEqual({ purchaseTemplate: 'purchase:{order_id}', adopted: false, reason: null });
  });
});

describe.each(dialects)('migration 0015 on $name', (dialect) => {
  let t: TestRelay;
  beforeAll(async () => {
    t = await startTestRelay(dialect, { deliveryEnabled: false });
  });
  afterAll(async () => t?.close());

  // Rows as a relay before the change stored them: the template inside the source's settings JSON.
  const addSource = (tenantId: string, platform: string, settings: Record<string, string>) =>
    t.relay.sources.addSource({ tenantId, platform, secret: 's3cret', settings: settings as SourceSettings });

  it('moves a lone source template into the policy, keeps a store\'s own, removes every override and audits it', async () => {
    const adopting = await t.relay.tenants.createTenant('Adopting', { ldu: 'off' });
    const kept = await t.relay.tenants.createTenant('Own template', { eventIdTemplates: { Purchase: 'p-{order_id}' } });
    const plain = await t.relay.tenants.createTenant('No override');
    const a = await addSource(adopting.id, 'shopify', { eventIdTemplate: '{platform}-{order_id}', currency: 'EUR' });
    const k = await addSource(kept.id, 'woocommerce', { eventIdTemplate: 'purchase:{order_number}' });
    await addSource(plain.id, 'stripe', {});

    await migrateSourceTemplates(t.relay.store.db, 1_700_000_000_000);

    expect((await t.relay.tenants.getTenant(adopting.id)).policy).toEqual({ ldu: 'off', eventIdTemplates: { Purchase: 'shopify-{order_id}' } });
    expect((await t.relay.tenants.getTenant(kept.id)).policy).toEqual({ eventIdTemplates: { Purchase: 'p-{order_id}' } });
    expect((await t.relay.tenants.getTenant(plain.id)).policy).toEqual({});
    const settings = Object.fromEntries((await t.relay.sources.listSources()).map((s) => [s.id, s.settings]));
    expect(settings[a.id]).toEqual({ currency: 'EUR' });
    expect(settings[k.id]).toEqual({});

    const audit = await t.relay.store.db.selectFrom('audit_log').select(['tenant_id', 'actor', 'action', 'summary']).where('action', '=', 'event_id_template.unified').orderBy('id').execute();
    // One entry per store that had a source template (in no particular order: sources created in one millisecond).
    const entries = audit.map((r) => [r.tenant_id, r.actor, JSON.parse(r.summary) as unknown]).sort((x, y) => (x[0] === adopting.id ? -1 : y[0] === adopting.id ? 1 : 0));
    expect(entries).toEqual([
      [adopting.id, 'migration', { purchaseTemplate: 'shopify-{order_id}', adoptedFromSources: true, removedSourceTemplates: [{ source: a.id, platform: 'shopify', template: '{platform}-{order_id}' }] }],
      [kept.id, 'migration', {
        purchaseTemplate: 'p-{order_id}', adoptedFromSources: false, reason: 'the store already has its own Purchase template, which the snippet and the API use',
        removedSourceTemplates: [{ source: k.id, platform: 'woocommerce', template: 'purchase:{order_number}' }],
      }],
    ]);
  });

  it('refuses a per-source template from now on, saying where the one template lives', async () => {
    const tenant = await t.relay.tenants.createTenant('New source');
    const res = await t.relay.app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant.id}/sources`, headers: ADMIN_HEADERS, payload: { platform: 'shopify', secret: 's', eventIdTemplate: 'x-{order_id}' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_body', message: expect.stringContaining('eventIdTemplates.Purchase') as unknown } });
    if (dialect.name !== 'sqlite') return; // the CLI checks with the same function: one run suffices
    const cli = await runCli(cliEnv(t.db), ['sources', 'add', '--tenant', tenant.id, '--platform', 'shopify', '--secret', 's', '--event-id-template', 'x-{order_id}']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('eventIdTemplates.Purchase');
  });
});
