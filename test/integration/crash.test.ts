/**
 * Crash safety: `accepted` means durably stored. A loader posts events without pause while the relay is
 * SIGKILLed three times at random moments and restarted on the same store; every event_id that was ever
 * answered `accepted` must reach Meta (the emulator) in the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { dialects } from '../helpers/databases.js';
import { startEmulator } from '../helpers/emulator.js';
import { cliEnv, createTenantWithPixel, postEvents, purchase, startRelayProcess, waitUntil, type RelayProcess } from '../helpers/processes.js';

const PIXEL = '444444444444';
const KILLS = 3;
const BATCH = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(dialects)('SIGKILL during ingest and delivery on $name', (dialect) => {
  let emulator: Emulator;
  let graphUrl: string;

  beforeAll(async () => {
    ({ emulator, graphUrl } = await startEmulator({ allowAnyPixel: true }));
    // A little latency keeps some batches in flight at the moment of each kill.
    emulator.state.setFaults({ latencyMs: 20 });
  });
  afterAll(async () => emulator?.close());

  it(`loses no accepted event across ${KILLS} kills`, async () => {
    const db = await dialect.create();
    // A short lease: rows a killed process had claimed become claimable again within seconds.
    const env = cliEnv(db, { graphUrl, extra: { CAPI_RELAY_DELIVERY_LEASE_MS: '2000' } });
    let relay: RelayProcess | null = null;
    try {
      const { ingestKey } = await createTenantWithPixel(env, PIXEL, 'tok-crash');
      relay = await startRelayProcess(env);
      const accepted = new Set<string>();
      let failedRequests = 0;
      let next = 0;
      let stopped = false;

      // The loader: one batch after another; a request cut by a kill is simply not counted as accepted.
      const loader = (async () => {
        while (!stopped) {
          const target = relay;
          if (!target) {
            await sleep(20);
            continue;
          }
          const ids = Array.from({ length: BATCH }, () => `crash-${next++}`);
          try {
            for (const id of await postEvents(target.url, ingestKey, ids.map((id) => purchase(id)), AbortSignal.timeout(10_000))) accepted.add(id);
          } catch {
            failedRequests++;
            await sleep(20);
          }
        }
      })();

      for (let k = 0; k < KILLS; k++) {
        // Random moment: sometimes mid-ingest, sometimes mid-delivery, sometimes idle between the two.
        await sleep(700 + Math.floor(Math.random() * 1500));
        const victim = relay;
        relay = null;
        await victim?.kill();
        relay = await startRelayProcess(env);
      }
      await sleep(1000);
      stopped = true;
      await loader;

      expect(accepted.size).toBeGreaterThan(BATCH * 3);
      const received = () => new Set(emulator.state.events({ pixelId: PIXEL }).map((e) => String(e.event.event_id)));
      const missing = () => {
        const got = received();
        return [...accepted].filter((id) => !got.has(id));
      };
      await waitUntil(
        () => missing().length === 0,
        45_000,
        () => `${missing().length} of ${accepted.size} accepted events never reached the emulator (failed requests: ${failedRequests})`,
      );
      // Only what was in flight at a kill is sent again: at most the batches the killed process held, that is
      // deliveryConcurrency (2) × 1000 per kill, never the rest of the log.
      const repeats = emulator.state.events({ pixelId: PIXEL }).length - received().size;
      process.stdout.write(`[crash ${dialect.name}] ${accepted.size} accepted, ${repeats} sent again after ${KILLS} kills\n`);
      expect(repeats).toBeLessThanOrEqual(KILLS * 2 * 1000);
    } finally {
      await relay?.kill();
      await db.cleanup();
    }
  }, 120_000);
});
