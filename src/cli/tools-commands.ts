import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Command, InvalidArgumentError } from 'commander';
import type { Kysely } from 'kysely';
import { createGraphClient } from '../delivery/graph-client.js';
import { testConnection } from '../delivery/test-connection.js';
import { recordConnectionCheck } from '../services/overview.js';
import { migrationsCurrent, ping } from '../store/migrations.js';
import { replayDead } from '../store/replay.js';
import { parsePolicy } from '../transform/transform.js';
import { previewLine } from '../transform/preview.js';
import { nodeSupport } from './node-release.js';
import type { CliContext } from './program.js';

type EmulatorPixels = Record<string, { name: string; tokens: string[] }>;

/**
 * Commander's collect pattern for the repeatable `--pixel id:token[:name]`: each occurrence is one string,
 * folded into the pixels seen so far (a second token for the same id is added to it; the name may hold colons).
 */
function collectPixel(spec: string, pixels: EmulatorPixels): EmulatorPixels {
  const [id = '', token = '', ...rest] = spec.split(':');
  if (!/^\d+$/.test(id) || token === '') throw new InvalidArgumentError('expected id:token[:name], with a numeric pixel id and a non-empty token');
  const name = rest.join(':') || pixels[id]?.name || `Pixel ${id}`;
  return { ...pixels, [id]: { name, tokens: [...(pixels[id]?.tokens ?? []), token] } };
}

function portArg(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return port;
}

/** Tools around delivery: the emulator, preview, replay, test-connection and doctor. */
export function registerToolCommands(program: Command, ctx: CliContext): void {
  program
    .command('emulator')
    .description('run the strict Graph API emulator (a local stand-in for Meta)')
    .option('--port <port>', 'port (0: any free port)', portArg, 4010)
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--lenient', 'enforce only rules Meta is observed or documented to enforce (strict is the default)')
    .option('--pixel <id:token[:name]>', 'a known pixel and a valid token (repeat for more pixels or tokens)', collectPixel, {})
    .option('--allow-any-pixel', 'accept any numeric pixel id with any non-empty token')
    .action(async (flags: { port: number; host: string; lenient?: boolean; pixel: EmulatorPixels; allowAnyPixel?: boolean }) => {
      const pixels = flags.pixel;
      // Loaded only for this command: every `serve` would otherwise hold the emulator's code (and the ICU
      // currency list its rules read at load) in memory for nothing.
      const { createEmulator } = await import('../emulator/index.js');
      const emulator = createEmulator({ strict: !flags.lenient, pixels, allowAnyPixel: flags.allowAnyPixel ?? Object.keys(pixels).length === 0 });
      const url = await emulator.listen(flags.port, flags.host);
      process.stdout.write(`${JSON.stringify({ msg: 'emulator listening', url })}\n`);
      const stop = () => void emulator.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });

  program
    .command('preview')
    .description('read events as JSON lines on stdin; print the exact Meta event, or why it would be skipped or rejected')
    .option('--config <file>', 'tenant policy JSON (consent, ldu, sendConditions, defaultCountry …)')
    .action(async (flags: { config?: string }) => {
      const policy = parsePolicy(flags.config ? (JSON.parse(readFileSync(flags.config, 'utf8')) as unknown) : {});
      const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of lines) {
        if (line.trim() === '') continue;
        process.stdout.write(`${previewLine(line, policy, { now: Date.now() })}\n`);
      }
    });

  ctx
    .storeOptions(program.command('replay').description('re-queue dead deliveries of a tenant').requiredOption('--tenant <id>', 'tenant id').option('--event <id>', 'only this event (row id)').option('--json', 'print JSON'))
    .action(async (flags: { tenant: string; event?: string; json?: boolean }) =>
      ctx.withStore(flags, async ({ store }) => {
        const n = await replayDead(store, flags.tenant, { eventRowId: flags.event }, Date.now());
        ctx.print(flags, { requeued: n }, `${n} dead deliveries re-queued`);
      }),
    );

  ctx
    .storeOptions(program.command('test-connection').description('ask Meta whether a pixel and its token work').requiredOption('--pixel <id>', 'pixel row id').option('--graph-url <url>', 'Graph API base URL').option('--json', 'print JSON'))
    .action(async (flags: { pixel: string; graphUrl?: string; json?: boolean }) =>
      ctx.withStore(flags, async ({ store, tenants, config }) => {
        const pixel = await tenants.getPixel(flags.pixel);
        const graph = createGraphClient({ baseUrl: config.graphUrl, version: config.graphVersion });
        try {
          const report = await testConnection(graph, pixel.pixelId, pixel.accessToken, pixel.graphVersion);
          // As from the dashboard: the overview names the pixel as Meta does, the setup checklist shows the outcome.
          await recordConnectionCheck(store, pixel.id, report, Date.now());
          ctx.print(flags, report, report.message);
          if (!report.ok) process.exitCode = 1;
        } finally {
          await graph.close();
        }
      }),
    );

  ctx
    .storeOptions(program.command('doctor').description('check the Node.js release, configuration, database, migrations and pixels').option('--json', 'print JSON'))
    .action(async (flags: { json?: boolean }) =>
      ctx.withStore(flags, async ({ store, tenants }) => {
        const checks: { check: string; ok: boolean; detail: string }[] = [{ check: 'node', ...nodeSupport(process.version) }];
        await ping(store.db as unknown as Kysely<unknown>);
        checks.push({ check: 'database', ok: true, detail: store.adapter.name });
        const current = await migrationsCurrent(store.db as unknown as Kysely<unknown>, store.adapter);
        checks.push({ check: 'migrations', ok: current, detail: current ? 'current' : 'pending: run capi-relay migrate' });
        for (const p of await tenants.listPixels()) {
          if (p.status === 'paused') checks.push({ check: `pixel ${p.pixelId}`, ok: false, detail: `paused: ${p.pauseReason ?? ''} — fix with capi-relay pixels rotate` });
        }
        ctx.print(flags, checks, checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.check}: ${c.detail}`).join('\n'));
        if (checks.some((c) => !c.ok)) process.exitCode = 1;
      }),
    );
}
