/** `capi-relay sources …` and `capi-relay switches …`: webhook sources and per-event switches. */
import { type Command, Option } from 'commander';
import { checkNewSource, webhookUrl } from '../services/new-source.js';
import { ROTATION_WINDOW_MS } from '../store/sources.js';
import { createSwitchRepository, isSwitchName, SWITCH_NAMES } from '../store/switches.js';
import type { CliContext } from './program.js';
import { registerImportCommand } from './import-csv.js';

interface Flags {
  dataDir?: string;
  databaseUrl?: string;
  config?: string;
  json?: boolean;
}

/** A usage error: message on stderr, exit code 2 (like a bad configuration). */
function usage(message: string): never {
  process.stderr.write(`capi-relay: ${message}\n`);
  process.exit(2);
}

export function registerSourceCommands(program: Command, ctx: CliContext): void {
  const { storeOptions, withStore, print } = ctx;
  const sources = program.command('sources').description('manage webhook sources (store platforms)');
  storeOptions(
    sources
      .command('add')
      .requiredOption('--tenant <id>', 'tenant id')
      .requiredOption('--platform <name>', 'shopify | woocommerce | commerce7 | stripe | generic')
      .option('--secret <secret>', 'webhook signing secret (stored encrypted; Commerce7: "user:pass" of its Basic auth)')
      .option('--currency <ISO>', 'currency for platforms whose payloads carry none (Commerce7)')
      // Gone: kept hidden so a script that still passes it is told where the one template lives now.
      .addOption(new Option('--event-id-template <tpl>').hideHelp())
      .option('--site-url <url>', "the store's website, event_source_url of web events whose payload names no page (Commerce7)")
      .option('--json', 'print JSON'),
  ).action(async (flags: Flags & { tenant: string; platform: string; secret?: string; currency?: string; eventIdTemplate?: string; siteUrl?: string }) => {
    let settings;
    try {
      settings = checkNewSource(flags);
    } catch (err) {
      usage((err as Error).message);
    }
    await withStore(flags, async ({ tenants, sources: repo, config }) => {
      await tenants.getTenant(flags.tenant);
      const { id } = await repo.addSource({ tenantId: flags.tenant, platform: flags.platform, secret: flags.secret, settings });
      const url = webhookUrl(config, flags.platform, id);
      print(flags, { id, webhookUrl: url }, `source ${id}\nwebhook URL: ${url}`);
    });
  });
  storeOptions(sources.command('list').option('--tenant <id>', 'only this tenant').option('--json', 'print JSON')).action(
    async (flags: Flags & { tenant?: string }) =>
      withStore(flags, async ({ sources: repo, config }) => {
        const list = (await repo.listSources(flags.tenant)).map((s) => ({ ...s, webhookUrl: webhookUrl(config, s.platform, s.id) }));
        print(flags, list, list.map((s) => `${s.id}  ${s.platform.padEnd(11)}  ${s.status.padEnd(8)}  tenant ${s.tenantId}  ${s.webhookUrl}`).join('\n') || '(no sources)');
      }),
  );
  storeOptions(
    sources.command('rotate-secret').requiredOption('--source <id>', 'source id').requiredOption('--secret <secret>', 'the new signing secret').option('--json', 'print JSON'),
  ).action(async (flags: Flags & { source: string; secret: string }) =>
    withStore(flags, async ({ sources: repo }) => {
      await repo.rotateSecret(flags.source, flags.secret);
      const hours = ROTATION_WINDOW_MS / 3_600_000;
      print(flags, { id: flags.source, previousSecretValidForMs: ROTATION_WINDOW_MS }, `source ${flags.source}: secret replaced; the previous one keeps verifying for ${hours} h`);
    }),
  );
  for (const [name, status] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    storeOptions(sources.command(name).requiredOption('--source <id>', 'source id').option('--json', 'print JSON')).action(
      async (flags: Flags & { source: string }) =>
        withStore(flags, async ({ sources: repo }) => {
          await repo.setStatus(flags.source, status);
          print(flags, { id: flags.source, status }, `source ${flags.source} ${status}`);
        }),
    );
  }

  const switches = program.command('switches').description(`per-event forwarding switches (${SWITCH_NAMES.join(', ')})`);
  storeOptions(
    switches
      .command('set')
      .requiredOption('--tenant <id>', 'tenant id')
      .requiredOption('--event <name>', `one of ${SWITCH_NAMES.join(', ')}`)
      .option('--on', 'forward these events')
      .option('--off', 'log these events as skipped, do not forward them')
      .option('--json', 'print JSON'),
  ).action(async (flags: Flags & { tenant: string; event: string; on?: boolean; off?: boolean }) => {
    if (!isSwitchName(flags.event)) usage(`--event must be one of ${SWITCH_NAMES.join(', ')}; got "${flags.event}"`);
    if (Boolean(flags.on) === Boolean(flags.off)) usage('give exactly one of --on or --off');
    const event = flags.event;
    await withStore(flags, async ({ store, tenants }) => {
      await tenants.getTenant(flags.tenant);
      const repo = createSwitchRepository(store);
      await repo.set(flags.tenant, event, Boolean(flags.on));
      print(flags, await repo.list(flags.tenant), `tenant ${flags.tenant}: ${event} ${flags.on ? 'on' : 'off'}`);
    });
  });
  storeOptions(switches.command('list').requiredOption('--tenant <id>', 'tenant id').option('--json', 'print JSON')).action(
    async (flags: Flags & { tenant: string }) =>
      withStore(flags, async ({ store, tenants }) => {
        const tenant = await tenants.getTenant(flags.tenant);
        const list = await createSwitchRepository(store).list(flags.tenant);
        const lines = [`master switch (forwarding): ${tenant.forwarding ? 'on' : 'off'}`, ...Object.entries(list).map(([k, v]) => `${k.padEnd(21)} ${v ? 'on' : 'off'}`)];
        print(flags, { forwarding: tenant.forwarding, switches: list }, lines.join('\n'));
      }),
  );

  registerImportCommand(program, ctx);
}
