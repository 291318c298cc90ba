/**
 * Graceful shutdown (SIGTERM, as a rolling deploy sends it) while a request is in flight on a keep-alive
 * connection: the request is answered, the event it accepted is delivered, and the process exits within
 * seconds. A keep-alive connection that was busy at SIGTERM must not hold the server open afterwards (Fastify
 * keeps an idle one for keepAliveTimeout, 72 s, and the orchestrator SIGKILLs long before).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { dialects } from '../helpers/databases.js';
import { startEmulator } from '../helpers/emulator.js';
import { cliEnv, createTenantWithPixel, purchase, startRelayProcess, waitUntil, type RelayProcess } from '../helpers/processes.js';

const PIXEL = '777777777777';
const sqlite = dialects[0]!;

describe('SIGTERM with a request in flight on a keep-alive connection', () => {
  let emulator: Emulator;
  let graphUrl: string;

  beforeAll(async () => {
    ({ emulator, graphUrl } = await startEmulator({ allowAnyPixel: true }));
  });
  afterAll(async () => emulator?.close());

  it('answers the request, exits within seconds, and the accepted event is delivered after a restart', { timeout: 90_000 }, async () => {
    const db = await sqlite.create();
    const env = cliEnv(db, { graphUrl });
    let relay: RelayProcess | null = null;
    try {
      const { ingestKey } = await createTenantWithPixel(env, PIXEL, 'tok-graceful');
      relay = await startRelayProcess(env);
      const { hostname, port } = new URL(relay.url);
      const body = Buffer.from(JSON.stringify({ events: [purchase('graceful-1')] }));
      const socket = connect({ host: hostname, port: Number(port) });
      let response = '';
      socket.setEncoding('latin1').on('data', (d: string) => (response += d));
      socket.on('error', () => {});
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      // The request has reached its route before the signal; its body (and so its answer) comes after it.
      socket.write(
        `POST /v1/events HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\nAuthorization: Bearer ${ingestKey}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      socket.write(body.subarray(0, 10));
      await new Promise((r) => setTimeout(r, 300));
      const victim = relay;
      victim.child.kill('SIGTERM');
      await waitUntil(() => victim.output().includes('shutting down'), 10_000, () => victim.output().slice(-500), 20);
      const signalledAt = Date.now();
      socket.write(body.subarray(10));
      await waitUntil(() => response.includes('"results"'), 10_000, () => `no answer: ${response}`, 20);
      expect(response).toMatch(/^HTTP\/1\.1 202/);
      expect(response).toContain('"status":"accepted"');
      // The client keeps its end open, as a keep-alive pool does: the server must close it and exit.
      const exit = await Promise.race([victim.exited, new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
      expect(exit, `exit ${String(exit)} ${Date.now() - signalledAt} ms after SIGTERM`).toBe(0);
      await closed;
      relay = null;

      // Accepted means sent: the next process delivers what the stopped one had no time to.
      relay = await startRelayProcess(env);
      await waitUntil(
        () => emulator.state.events({ pixelId: PIXEL }).some((e) => e.event.event_id === 'graceful-1'),
        20_000,
        () => 'the accepted event never reached the emulator',
      );
      expect(emulator.state.events({ pixelId: PIXEL }).filter((e) => e.event.event_id === 'graceful-1')).toHaveLength(1);
    } finally {
      await relay?.kill();
      await db.cleanup();
    }
  });
});
