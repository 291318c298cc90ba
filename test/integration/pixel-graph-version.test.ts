/**
 * A pixel's own Graph API version (issue 8), on every dialect, through the admin API, the delivery engine and
 * the emulator: a pixel with one is sent to, probed (Test connection) and asked for dataset quality at that
 * version; a pixel without one uses the relay's configured default; a malformed version is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { dialects } from '../helpers/databases.js';
import { ADMIN_HEADERS, addPixelViaApi, createTenantViaApi, startEmulatedRelay, type EmulatedRelay } from '../helpers/relay.js';
import { deliveryStates } from '../../src/store/delivery-state.js';

const OWN = '111111111111';
const DEFAULT = '222222222222';
const TOKEN = 'tok-versions-0123456789';
// Not the built-in default, so a pass proves the fallback is the configured setting.
const RELAY_VERSION = 'v25.0';

describe.each(dialects)('per-pixel Graph API version on $name', (dialect) => {
  let emulator: Emulator;
  let t: EmulatedRelay;
  let tenant: { id: string; ingestKey: string };
  let own: string;
  let plain: string;

  beforeAll(async () => {
    t = await startEmulatedRelay(dialect, {
      emulator: { pixels: { [OWN]: { name: 'Own version', tokens: [TOKEN] }, [DEFAULT]: { name: 'Default version', tokens: [TOKEN] } } },
      relay: { graphVersion: RELAY_VERSION },
    });
    emulator = t.emulator;
    tenant = await createTenantViaApi(t, 'Versions Store');
    own = await addPixelViaApi(t, tenant.id, { pixelId: OWN, accessToken: TOKEN, graphVersion: 'v23.0' });
    plain = await addPixelViaApi(t, tenant.id, { pixelId: DEFAULT, accessToken: TOKEN });
  });
  afterAll(async () => t?.close());

  function admin(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
    return t.relay.app.inject({ method, url, headers: ADMIN_HEADERS, ...(payload === undefined ? {} : { payload: payload as object }) });
  }

  let seq = 0;
  /** Ingests one purchase and runs delivery passes until none is left unsettled; returns its event_id. */
  async function deliverOne(): Promise<string> {
    const id = `order-${++seq}`;
    const res = await t.relay.app.inject({
      method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${tenant.ingestKey}` },
      payload: { event: 'purchase', event_id: id, order_id: id, value: 10, currency: 'USD', url: 'https://shop.example.com/thanks', timestamp: Math.floor(Date.now() / 1000) - 30,
        user: { email: 'buyer@example.com', ip: '203.0.113.9', user_agent: 'Mozilla/5.0' } },
    });
    expect(res.statusCode).toBe(202);
    const engine = t.relay.engine;
    if (!engine) throw new Error('delivery is off');
    for (let round = 0; round < 20; round++) {
      await engine.tick();
      const open = (await deliveryStates(t.relay.store.db, tenant.id)).filter((d) => ['queued', 'failed', 'sending'].includes(d.status));
      if (open.length === 0) return id;
    }
    throw new Error('delivery did not settle');
  }

  /** The version each pixel's copy of an event reached the emulator with. */
  function versionsOf(eventId: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const pixelId of [OWN, DEFAULT]) out[pixelId] = emulator.state.events({ pixelId }).filter((e) => e.event.event_id === `purchase:${eventId}` || e.event.event_id === eventId).map((e) => e.version);
    return out;
  }

  it('lists each pixel with its own version (null: the relay default) beside the default', async () => {
    const res = await admin('GET', `/api/v1/tenants/${tenant.id}/pixels`);
    const body = res.json() as { pixels: { id: string; graphVersion: string | null }[]; graphVersion: string };
    expect(body.graphVersion).toBe(RELAY_VERSION);
    expect(body.pixels.map((p) => [p.id, p.graphVersion])).toEqual([[own, 'v23.0'], [plain, null]]);
  });

  it("delivers to /{pixel's version}/{pixel}/events, and the default version for a pixel without one", async () => {
    const id = await deliverOne();
    expect(versionsOf(id)).toEqual({ [OWN]: ['v23.0'], [DEFAULT]: [RELAY_VERSION] });
    expect(emulator.state.rejections()).toEqual([]);
  });

  it("tests the connection and asks for dataset quality with the pixel's version", async () => {
    emulator.state.resetEvents();
    for (const [row, version] of [[own, 'v23.0'], [plain, RELAY_VERSION]] as const) {
      const res = await admin('POST', `/api/v1/pixels/${row}/test-connection`);
      expect(res.json()).toMatchObject({ ok: true });
      expect(emulator.state.lookups().at(-1)).toMatchObject({ kind: 'pixel', version });
      const quality = await admin('GET', `/api/v1/tenants/${tenant.id}/reports/match-quality?pixel=${row}`);
      expect(quality.statusCode).toBe(200);
      expect(quality.json().meta).toMatchObject({ status: 'available' });
      expect(emulator.state.lookups().at(-1)).toMatchObject({ kind: 'dataset_quality', version });
    }
  });

  it('changes and clears a pixel’s version in its settings; the next deliveries follow', async () => {
    expect((await admin('PUT', `/api/v1/pixels/${plain}/settings`, { graphVersion: 'v22.0' })).statusCode).toBe(200);
    expect((await admin('PUT', `/api/v1/pixels/${own}/settings`, { graphVersion: null })).statusCode).toBe(200);
    // A settings change that does not name the version leaves it alone.
    expect((await admin('PUT', `/api/v1/pixels/${plain}/settings`, { testEventCode: 'TEST1' })).statusCode).toBe(200);
    const id = await deliverOne();
    expect(versionsOf(id)).toEqual({ [OWN]: [RELAY_VERSION], [DEFAULT]: ['v22.0'] });
  });

  it('refuses a malformed version with 400 invalid_body, saying what it should look like', async () => {
    const before = (await admin('GET', `/api/v1/tenants/${tenant.id}/pixels`)).json().pixels as unknown[];
    for (const graphVersion of ['v24', '24.0', 'latest', 'v24.0/../x', 'v1000.0', '']) {
      const add = await admin('POST', `/api/v1/tenants/${tenant.id}/pixels`, { pixelId: '333333333', accessToken: TOKEN, graphVersion });
      expect(add.statusCode, graphVersion).toBe(400);
      expect(add.json().error.code).toBe('invalid_body');
      expect(add.json().error.message).toContain('graphVersion');
      expect(add.json().error.message).toContain('v24.0');
      const set = await admin('PUT', `/api/v1/pixels/${plain}/settings`, { graphVersion });
      expect(set.statusCode, graphVersion).toBe(400);
      expect(set.json().error.code).toBe('invalid_body');
    }
    const after = (await admin('GET', `/api/v1/tenants/${tenant.id}/pixels`)).json().pixels as { graphVersion: string | null }[];
    expect(after).toHaveLength(before.length);
    expect(after.map((p) => p.graphVersion)).toEqual([null, 'v22.0']);
  });
});
