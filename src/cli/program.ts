import { Command, InvalidArgumentError, Option } from 'commander';
import { type Config, ConfigError, type ConfigInput, ENV_NAMES, loadConfig } from '../config/config.js';
import { graphVersionSchema } from '../core/graph-version.js';
import { createLogger } from '../logger.js';
import { createRelay, openRelayStore } from '../relay.js';
import { migrateToLatest } from '../store/migrations.js';
import { EncryptionKeyError } from '../store/secret-box.js';
import type { Kysely } from 'kysely';
import { registerToolCommands } from './tools-commands.js';
import { registerOriginCommands } from './origins-commands.js';
import { registerSourceCommands } from './sources-commands.js';
import { registerPrivacyCommands } from './privacy-commands.js';
import { registerShopifyPixelCommand } from './shopify-pixel-command.js';
import { RELAY_VERSION } from '../core/version.js';

interface StoreFlags {
  dataDir?: string;
  databaseUrl?: string;
  config?: string;
  json?: boolean;
}

function storeOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'embedded SQLite data directory (CAPI_RELAY_DATA_DIR)')
    .option('--database-url <url>', 'postgres://… to use PostgreSQL (CAPI_RELAY_DATABASE_URL)')
    .option('--config <file>', 'JSON config file (CAPI_RELAY_CONFIG)');
}

/** `--graph-version`: checked like the admin API's (a usage error names the flag and the expected shape). */
function graphVersionArg(value: string): string {
  const r = graphVersionSchema.safeParse(value);
  if (!r.success) throw new InvalidArgumentError(r.error.issues[0]?.message ?? 'not a Graph API version');
  return r.data;
}

/** Only the flags that are settings go to the config; command options (--name …) stay out. */
function configFrom(flags: StoreFlags) {
  const settings = Object.fromEntries(Object.entries(flags as Record<string, unknown>).filter(([k]) => k in ENV_NAMES));
  return loadConfig({ flags: settings as Partial<ConfigInput>, env: process.env, configFile: flags.config });
}

/**
 * `serve` exits 2 on a configuration error, 1 on anything else. Both kinds are found before the database is opened:
 * the settings by configFrom, the encryption key (configured, or the generated key file) first thing in createRelay.
 */
function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError || err instanceof EncryptionKeyError) {
    process.stderr.write(`capi-relay: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

function print(flags: { json?: boolean }, value: unknown, human: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

type StoreContext = Awaited<ReturnType<typeof openRelayStore>> & { config: Config };

/** Runs a command against the store and always closes it. */
async function withStore<T>(flags: StoreFlags, fn: (ctx: StoreContext) => Promise<T>): Promise<T> {
  const config = configFrom(flags);
  const ctx = await openRelayStore(config);
  try {
    return await fn({ ...ctx, config });
  } finally {
    await ctx.store.close();
  }
}

/** What command modules registered from other files share with this one. */
export interface CliContext {
  storeOptions: typeof storeOptions;
  withStore: typeof withStore;
  print: typeof print;
  configFrom: typeof configFrom;
}

/** The capi-relay command line: every admin task the API offers is also a command. */
export function runCli(): Command {
  const program = new Command('capi-relay').description('Send a store’s real conversions to Meta’s Conversions API').version(RELAY_VERSION);

  storeOptions(program.command('serve').description('run the HTTP server and delivery workers'))
    .option('--port <port>', 'HTTP port (CAPI_RELAY_PORT)')
    .option('--host <host>', 'listen address (CAPI_RELAY_HOST)')
    .option('--graph-url <url>', 'Graph API base URL (CAPI_RELAY_GRAPH_URL)')
    .action(async (flags: StoreFlags & { port?: string; host?: string; graphUrl?: string }) => {
      let config;
      try {
        config = configFrom(flags);
      } catch (err) {
        exitOnConfigError(err);
      }
      const logger = createLogger(config.logLevel);
      const relay = await createRelay(config, logger).catch(exitOnConfigError);
      const url = await relay.listen();
      logger.info({ url, database: relay.store.adapter.name }, 'capi-relay listening');
      let closing = false;
      const shutdown = (signal: string) => {
        if (closing) return;
        closing = true;
        logger.info({ signal }, 'shutting down: stop intake, finish in-flight work, close the store');
        relay.close().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    });

  storeOptions(program.command('migrate').description('apply pending database migrations')).action(async (flags: StoreFlags) => {
    const config = configFrom(flags);
    const { openStore } = await import('../store/database.js');
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: false });
    try {
      const applied = await migrateToLatest(store.db as unknown as Kysely<unknown>, store.adapter);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    } finally {
      await store.close();
    }
  });

  const tenants = program.command('tenants').description('manage tenants (stores)');
  storeOptions(tenants.command('create').requiredOption('--name <name>', 'store name').option('--json', 'print JSON'))
    .action(async (flags: StoreFlags & { name: string }) =>
      withStore(flags, async ({ tenants: repo }) => {
        const t = await repo.createTenant(flags.name);
        print(flags, t, `tenant ${t.id}\ningest key:      ${t.ingestKey}\npublishable key: ${t.publishableKey}\n(keys are shown once)`);
      }),
    );
  storeOptions(tenants.command('list').option('--json', 'print JSON')).action(async (flags: StoreFlags) =>
    withStore(flags, async ({ tenants: repo }) => {
      const list = await repo.listTenants();
      print(flags, list, list.map((t) => `${t.id}  ${t.status.padEnd(8)}  ${t.name}`).join('\n') || '(no tenants)');
    }),
  );
  for (const [name, status] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    storeOptions(tenants.command(name).requiredOption('--tenant <id>', 'tenant id').option('--json', 'print JSON')).action(
      async (flags: StoreFlags & { tenant: string }) =>
        withStore(flags, async ({ tenants: repo }) => {
          await repo.setTenantStatus(flags.tenant, status);
          print(flags, { id: flags.tenant, status }, `tenant ${flags.tenant} ${status}`);
        }),
    );
  }
  storeOptions(
    tenants
      .command('rotate-key')
      .requiredOption('--tenant <id>', 'tenant id')
      .addOption(new Option('--kind <kind>', 'which key').choices(['ingest', 'publishable']).default('ingest'))
      .option('--json', 'print JSON'),
  ).action(async (flags: StoreFlags & { tenant: string; kind: 'ingest' | 'publishable' }) =>
    withStore(flags, async ({ tenants: repo }) => {
      const key = await repo.rotateKey(flags.tenant, flags.kind);
      print(flags, { key }, `new ${flags.kind} key: ${key}\n(the old one is revoked; shown once)`);
    }),
  );

  const pixels = program.command('pixels').description('manage destination pixels (datasets)');
  storeOptions(
    pixels
      .command('add')
      .requiredOption('--tenant <id>', 'tenant id')
      .requiredOption('--pixel-id <pid>', 'Meta pixel / dataset id')
      .requiredOption('--token <token>', 'Conversions API access token (stored encrypted)')
      .option('--test-event-code <code>', 'Test Events code (applied only to simulated events)')
      .option('--graph-version <version>', "this pixel's Graph API version, e.g. v23.0 (default: the relay's graphVersion)", graphVersionArg)
      .option('--json', 'print JSON'),
  ).action(async ({ graphVersion, ...flags }: StoreFlags & { tenant: string; pixelId: string; token: string; testEventCode?: string; graphVersion?: string }) =>
    // The pixel's version is not the relay's graphVersion setting, so it stays out of the flags read as configuration.
    withStore(flags, async ({ tenants: repo }) => {
      const p = await repo.addPixel({ tenantId: flags.tenant, pixelId: flags.pixelId, accessToken: flags.token, testEventCode: flags.testEventCode, graphVersion });
      print(flags, p, `pixel ${p.id} added${graphVersion ? ` (Graph API ${graphVersion})` : ''}`);
    }),
  );
  storeOptions(pixels.command('list').option('--tenant <id>', 'only this tenant').option('--json', 'print JSON')).action(
    async (flags: StoreFlags & { tenant?: string }) =>
      withStore(flags, async ({ tenants: repo }) => {
        const list = await repo.listPixels(flags.tenant);
        print(flags, list, list.map((p) => `${p.id}  ${p.pixelId}  ${p.status}${p.pauseReason ? ` (${p.pauseReason})` : ''}${p.graphVersion ? `  Graph API ${p.graphVersion}` : ''}`).join('\n') || '(no pixels)');
      }),
  );
  for (const [name, status] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    storeOptions(pixels.command(name).requiredOption('--pixel <id>', 'pixel row id').option('--json', 'print JSON')).action(
      async (flags: StoreFlags & { pixel: string }) =>
        withStore(flags, async ({ tenants: repo }) => {
          await repo.setPixelStatus(flags.pixel, status);
          print(flags, { id: flags.pixel, status }, `pixel ${flags.pixel} ${status}`);
        }),
    );
  }
  storeOptions(
    pixels
      .command('set-graph-version')
      .requiredOption('--pixel <id>', 'pixel row id')
      .requiredOption('--graph-version <version>', "e.g. v23.0, or 'default' for the relay's graphVersion", (v: string) => (v === 'default' ? 'default' : graphVersionArg(v)))
      .option('--json', 'print JSON'),
  ).action(async ({ graphVersion, ...flags }: StoreFlags & { pixel: string; graphVersion: string }) =>
    // As in `pixels add`: the pixel's version must not be read as the relay's graphVersion setting.
    withStore(flags, async ({ tenants: repo }) => {
      const version = graphVersion === 'default' ? null : graphVersion;
      await repo.setPixelGraphVersion(flags.pixel, version);
      print(flags, { id: flags.pixel, graphVersion: version }, `pixel ${flags.pixel}: Graph API ${version ?? "the relay's default"}`);
    }),
  );
  storeOptions(
    pixels
      .command('rotate')
      .requiredOption('--pixel <id>', 'pixel row id')
      .requiredOption('--token <token>', 'the new access token')
      .option('--test-event-code <code>', 'new Test Events code')
      .option('--json', 'print JSON'),
  ).action(async (flags: StoreFlags & { pixel: string; token: string; testEventCode?: string }) =>
    withStore(flags, async ({ tenants: repo }) => {
      await repo.rotatePixelToken(flags.pixel, flags.token, flags.testEventCode);
      print(flags, { id: flags.pixel }, `pixel ${flags.pixel}: token replaced; a paused pixel resumes`);
    }),
  );

  const ctx: CliContext = { storeOptions, withStore, print, configFrom };
  registerToolCommands(program, ctx);
  registerOriginCommands(program, ctx);
  registerSourceCommands(program, ctx);
  registerPrivacyCommands(program, ctx);
  registerShopifyPixelCommand(program, ctx);
  return program;
}
