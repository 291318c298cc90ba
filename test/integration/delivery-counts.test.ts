/**
 * countDeliveriesSince (the overview's deliveries per pixel and status) counts per range of the log: each batch,
 * each stretch still queued above a cursor, and the exception rows apart. These tests hold it to the per-event
 * derivation it replaced (test/helpers/delivery-counts-reference.ts) on delivery states built through the real
 * ingest and the real queue (claims, sends, retries, deaths, drops, releases, splits, replays, lapsed leases, a
 * pixel added late, one disabled and enabled again), and to counts made by hand on a small story.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { MetaServerEvent } from '../../src/core/meta-event.js';
import type { ClaimedDelivery } from '../../src/delivery/queue.js';
import { openRelayStore } from '../../src/relay.js';
import { createDeliveryQueue } from '../../src/store/delivery-queue.js';
import { countDeliveriesSince, type PixelStatusCount } from '../../src/store/delivery-state.js';
import { type EventToStore, storeEvents } from '../../src/store/events.js';
import { replayDead } from '../../src/store/replay.js';
import { dialects } from '../helpers/databases.js';
import { inFixedOrder, perEventReference } from '../helpers/delivery-counts-reference.js';
import { ENCRYPTION_KEY } from '../helpers/relay.js';

const T0 = Date.UTC(2026, 10, 24, 12);
const LEASE = 60_000;


/** A small deterministic generator (mulberry32), so a failing story can be run again. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T };
}

describe.each(dialects)('deliveries per pixel and status since a time, on $name', (dialect) => {
  let opened: Awaited<ReturnType<typeof openRelayStore>>;
  let cleanup: () => Promise<void>;
  let tenantId: string;
  let queue: ReturnType<typeof createDeliveryQueue>;
  let serial = 0;

  beforeEach(async () => {
    const db = await dialect.create();
    opened = await openRelayStore(loadConfig({ flags: { dataDir: db.dataDir, databaseUrl: db.databaseUrl, encryptionKey: ENCRYPTION_KEY } }));
    cleanup = db.cleanup;
    tenantId = (await opened.tenants.createTenant('Counts')).id;
    queue = createDeliveryQueue(opened.store, opened.box);
  });
  afterEach(async () => {
    await opened.store.close();
    await cleanup();
  });

  const addPixel = async () => (await opened.tenants.addPixel({ tenantId, pixelId: `7000${++serial}`, accessToken: 'tok' })).id;

  const lead = (eventId: string, now: number): MetaServerEvent => ({
    event_name: 'Lead', event_id: eventId, event_time: Math.floor(now / 1000), action_source: 'website', user_data: { em: ['a'.repeat(64)] },
  });
  type Kind = { only?: string; skip?: boolean; drop?: boolean };
  const item = (eventId: string, now: number, kind: Kind = {}): EventToStore => ({
    eventName: 'Lead', eventId, source: 'api', event: lead(eventId, now), decisions: [],
    ...(kind.only !== undefined ? { simulated: true, onlyPixelRowId: kind.only } : {}),
    ...(kind.skip ? { skip: { code: 'switch_off', message: 'forwarding switched off' } } : {}),
    ...(kind.drop ? { drop: { code: 'invalid', message: 'invalid event' } } : {}),
  });
  const ingest = (items: EventToStore[], now: number) => storeEvents(opened.store, { id: tenantId, forwarding: true }, items, now);
  const byId = (held: readonly ClaimedDelivery[], ...ids: string[]) => held.filter((d) => ids.includes(d.eventId));

  it('answers the counts and latest changes made by hand on a small story', async () => {
    const a = await addPixel();
    const b = await addPixel();
    await ingest([item('old1', T0), item('old2', T0)], T0);
    const since = T0 + 1000;
    await ingest([...['e1', 'e2', 'e3', 'e4', 'e5', 'e6'].map((id) => item(id, since)), item('simA', since, { only: a }), item('off', since, { skip: true })], since);

    // Pixel A: old1, old2, e1 sent and e2 dead out of one claim; e3 retrying alone out of the next, the rest of it in flight.
    const first = await queue.claim(a, 4, T0 + 2000, LEASE, 'w');
    expect(first.map((d) => d.eventId)).toEqual(['old1', 'old2', 'e1', 'e2']);
    await queue.markSent(byId(first, 'old1', 'old2', 'e1'), { fbtraceId: 'f1', eventsReceived: 3 }, T0 + 3000);
    await queue.markDead(byId(first, 'e2'), { reason: 'rejected' }, T0 + 4000);
    const second = await queue.claim(a, 10, T0 + 5000, LEASE, 'w');
    expect(second.map((d) => d.eventId)).toEqual(['e3', 'e4', 'e5', 'e6', 'simA']);
    await queue.markRetry(byId(second, 'e3'), { reason: 'HTTP 503', nextAttemptAt: T0 + 60_000 }, T0 + 5100);
    // Pixel B: old1, old2, e1 sent; e2..e6 wait above its cursor (simA is A's only).
    await queue.markSent(await queue.claim(b, 3, T0 + 5000, LEASE, 'w'), { fbtraceId: 'f2', eventsReceived: 3 }, T0 + 5500);
    // e7 arrives after the claims: queued for both.
    await ingest([item('e7', T0 + 6000)], T0 + 6000);

    const expected: PixelStatusCount[] = [
      { pixelRowId: a, status: 'sent', count: 1, lastAt: T0 + 3000 },
      { pixelRowId: a, status: 'dead', count: 1, lastAt: T0 + 4000 },
      { pixelRowId: a, status: 'failed', count: 1, lastAt: T0 + 5100 },
      { pixelRowId: a, status: 'sending', count: 4, lastAt: T0 + 5000 },
      { pixelRowId: a, status: 'queued', count: 1, lastAt: T0 + 6000 },
      { pixelRowId: b, status: 'sent', count: 1, lastAt: T0 + 5500 },
      { pixelRowId: b, status: 'queued', count: 6, lastAt: T0 + 6000 },
    ];
    expect(inFixedOrder(await countDeliveriesSince(opened.store, tenantId, since))).toEqual(inFixedOrder(expected));
    expect(inFixedOrder(await perEventReference(opened.store, tenantId, since))).toEqual(inFixedOrder(expected));
    // Since the start: old1 and old2 are sent too, for both pixels, in the same batches.
    const all = inFixedOrder(await countDeliveriesSince(opened.store, tenantId, T0));
    expect(all.filter((c) => c.status === 'sent').map((c) => [c.pixelRowId, c.count, c.lastAt])).toEqual(
      inFixedOrder([
        { pixelRowId: a, status: 'sent', count: 3, lastAt: T0 + 3000 },
        { pixelRowId: b, status: 'sent', count: 3, lastAt: T0 + 5500 },
      ]).map((c) => [c.pixelRowId, c.count, c.lastAt]),
    );
    expect(await countDeliveriesSince(opened.store, tenantId, T0 + 7000)).toEqual([]);
  });

  it('agrees with the per-event derivation on random stories through the real queue', async () => {
    for (const seed of [1, 2, 3]) {
      const rnd = random(seed);
      const pixels = [await addPixel(), await addPixel()];
      const claims: ClaimedDelivery[][] = [];
      let now = T0 + seed * 86_400_000;
      const start = now;
      let late: string | null = null;
      let disabled: string | null = null;
      const compare = async (step: number) => {
        for (const since of [0, start + Math.floor((now - start) / 2), now - 2000, now + 1]) {
          const got = inFixedOrder(await countDeliveriesSince(opened.store, tenantId, since));
          expect(got, `seed ${seed}, step ${step}, since ${since}`).toEqual(inFixedOrder(await perEventReference(opened.store, tenantId, since)));
        }
      };
      for (let step = 0; step < 80; step++) {
        const active = pixels.filter((p) => p !== disabled);
        const roll = rnd.next();
        if (roll < 0.25) {
          const items = Array.from({ length: rnd.int(1, 6) }, () => {
            const k = rnd.next();
            const kind: Kind = k < 0.12 ? { only: rnd.pick(pixels) } : k < 0.2 ? { skip: true } : k < 0.26 ? { drop: true } : {};
            return item(`s${seed}-${++serial}`, now, kind);
          });
          await ingest(items, now);
        } else if (roll < 0.5 && active.length > 0) {
          const held = await queue.claim(rnd.pick(active), rnd.int(1, 5), now, LEASE, 'w');
          if (held.length > 0) claims.push(held);
        } else if (roll < 0.9 && claims.length > 0) {
          // Acks part of a claim one way and maybe the rest another: split batches and exceptions of each kind.
          const held = claims.splice(rnd.int(0, claims.length - 1), 1)[0] as ClaimedDelivery[];
          const cut = rnd.int(0, held.length);
          for (const part of [held.slice(0, cut), held.slice(cut)]) {
            if (part.length === 0 || rnd.next() < 0.15) continue;
            const outcome = rnd.int(0, 4);
            if (outcome === 0) await queue.markSent(part, { fbtraceId: `f${step}`, eventsReceived: part.length }, now);
            else if (outcome === 1) await queue.markRetry(part, { reason: 'HTTP 503', nextAttemptAt: now + rnd.int(0, 20_000) }, now);
            else if (outcome === 2) await queue.markDead(part, { reason: 'rejected' }, now);
            else if (outcome === 3) await queue.markDropped(part, { code: 'event_too_old', reason: 'too old' }, now);
            else await queue.release(part, now);
          }
        } else if (roll < 0.93) {
          await replayDead(opened.store, tenantId, {}, now);
        } else if (roll < 0.97) {
          // A pixel added late (its cursor starts at the next write), or one disabled and enabled again.
          if (late === null) pixels.push((late = await addPixel()));
          else if (disabled === null) await opened.tenants.setPixelStatus((disabled = rnd.pick(pixels)), 'disabled');
          else {
            await opened.tenants.setPixelStatus(disabled, 'active');
            disabled = null;
          }
        }
        // Time moves on, now and then past a lease: a lapsed claim is taken over by the next one.
        now += rnd.next() < 0.1 ? LEASE + 1 : rnd.int(1, 5000);
        if (step % 5 === 4) await compare(step);
      }
      await compare(80);
    }
  });
});
