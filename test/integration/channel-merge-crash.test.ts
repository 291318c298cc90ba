/**
 * Held events are durable like any other (issue 18): a relay SIGKILLed while copies wait for their partner loses
 * nothing and sends nothing twice once restarted on the same store. One copy is sent alone when its window ends
 * (after the restart), the other is merged with a partner that arrives after the restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { dialects } from '../helpers/databases.js';
import { startEmulator } from '../helpers/emulator.js';
import { cli, cliEnv, startRelayProcess, waitUntil, type RelayProcess } from '../helpers/processes.js';

const PIXEL = '555555555555';
const ADMIN_TOKEN = 'crash-admin-token-0123456789';
const ORIGIN = 'https://shop.example';
const FBP = 'fb.1.1700000000000.1234567890';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(dialects)('SIGKILL while events are held for their partner on $name', (dialect) => {
  let emulator: Emulator;
  let graphUrl: string;

  beforeAll(async () => ({ emulator, graphUrl } = await startEmulator({ allowAnyPixel: true })));
  afterAll(async () => emulator?.close());

  it('sends each held event once after a restart: alone when its window ends, or merged with a partner that comes after', async () => {
    const db = await dialect.create();
    const env = cliEnv(db, { graphUrl, extra: { CAPI_RELAY_ADMIN_TOKEN: ADMIN_TOKEN } });
    let relay: RelayProcess | null = null;
    try {
      const tenant = JSON.parse(await cli(env, 'tenants', 'create', '--name', 'Crash Store', '--json')) as { id: string; ingestKey: string; publishableKey: string };
      await cli(env, 'pixels', 'add', '--tenant', tenant.id, '--pixel-id', PIXEL, '--token', 'tok-crash-merge', '--json');
      await cli(env, 'origins', 'add', '--tenant', tenant.id, '--origin', ORIGIN);
      relay = await startRelayProcess(env);
      const url = relay.url;
      const put = await fetch(`${url}/api/v1/tenants/${tenant.id}/policy`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channelMerge: { windowSeconds: 12 } }),
      });
      expect(put.status).toBe(200);

      const browser = async (base: string, eventId: string) => {
        const res = await fetch(`${base}/v1/collect`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': 'Mozilla/5.0 Crash' },
          body: JSON.stringify({ key: tenant.publishableKey, event: 'Purchase', event_id: eventId, url: `${ORIGIN}/thanks`, fbp: FBP, value: 30, currency: 'EUR', consent: true }),
        });
        expect(res.status).toBe(202);
        return ((await res.json()) as { results: { status: string }[] }).results[0]!.status;
      };
      const server = async (base: string, eventId: string) => {
        const res = await fetch(`${base}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tenant.ingestKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ events: [{ event: 'purchase', event_id: eventId, order_id: eventId, value: 35, currency: 'EUR', url: `${ORIGIN}/thanks`, user: { email: 'jane@example.com' } }] }),
        });
        expect(res.status).toBe(202);
        return ((await res.json()) as { results: { status: string }[] }).results[0]!.status;
      };
      const sent = (eventId: string) => emulator.state.events({ pixelId: PIXEL }).filter((e) => e.event.event_id === eventId);
      const describeSent = () => JSON.stringify(emulator.state.events({ pixelId: PIXEL }).map((e) => e.event.event_id));

      // Both channels seen for Purchase: from now on the first copy is held.
      expect(await browser(url, 'prime')).toBe('accepted');
      expect(await server(url, 'prime')).toBe('duplicate');
      await waitUntil(() => sent('prime').length === 1, 20_000, describeSent);

      expect(await server(url, 'alone')).toBe('accepted');
      expect(await server(url, 'pair')).toBe('accepted');
      await relay.kill();
      relay = null;
      expect(sent('alone')).toHaveLength(0);
      expect(sent('pair')).toHaveLength(0);

      relay = await startRelayProcess(env);
      // The partner of `pair` arrives at the restarted relay, inside the window: one merged Purchase at once.
      expect(await browser(relay.url, 'pair')).toBe('accepted');
      await waitUntil(() => sent('pair').length === 1, 20_000, describeSent);
      expect(sent('pair')[0]!.event).toMatchObject({ custom_data: { value: 35 }, user_data: { fbp: FBP } });
      // `alone` had no partner: sent by the restarted relay when its window ends.
      await waitUntil(() => sent('alone').length === 1, 30_000, describeSent);
      expect((sent('alone')[0]!.event as { user_data: Record<string, unknown> }).user_data.fbp).toBeUndefined();
      // And never twice.
      await sleep(2500);
      expect(sent('pair')).toHaveLength(1);
      expect(sent('alone')).toHaveLength(1);
      expect(sent('prime')).toHaveLength(1);
    } finally {
      await relay?.kill();
      await db.cleanup();
    }
  });
});
