import { type Command, Option } from 'commander';
import { browserSettingsPatch } from '../browser/browser-settings.js';
import { createBrowserSettingsRepository } from '../store/browser-settings.js';
import { createOriginRepository } from '../store/origins.js';
import type { CliContext } from './program.js';

/**
 * The snippet's commands: `capi-relay origins add|remove|list` (the web origins a tenant's snippet may
 * post from) and `capi-relay snippet show|set` (its per-tenant settings).
 */
export function registerOriginCommands(program: Command, ctx: CliContext): void {
  const origins = program.command('origins').description('manage the origins allowed to send browser events (POST /v1/collect)');
  for (const action of ['add', 'remove'] as const) {
    ctx
      .storeOptions(origins.command(action).requiredOption('--tenant <id>', 'tenant id').requiredOption('--origin <url>', 'e.g. https://shop.example').option('--json', 'print JSON'))
      .action(async (flags: { tenant: string; origin: string; json?: boolean }) =>
        ctx.withStore(flags, async ({ store, tenants }) => {
          await tenants.getTenant(flags.tenant); // a clear error for a mistyped id
          const repo = createOriginRepository(store);
          if (action === 'add') await repo.add(flags.tenant, flags.origin);
          else if (!(await repo.remove(flags.tenant, flags.origin))) throw new Error(`${flags.origin} is not on the allow-list`);
          const list = await repo.list(flags.tenant);
          ctx.print(flags, { origins: list }, list.join('\n') || '(no origins: the snippet is refused everywhere)');
        }),
      );
  }
  ctx.storeOptions(origins.command('list').requiredOption('--tenant <id>', 'tenant id').option('--json', 'print JSON')).action(
    async (flags: { tenant: string; json?: boolean }) =>
      ctx.withStore(flags, async ({ store }) => {
        const list = await createOriginRepository(store).list(flags.tenant);
        ctx.print(flags, { origins: list }, list.join('\n') || '(no origins)');
      }),
  );

  const snippet = program.command('snippet').description('per-tenant settings of the browser snippet (/sdk.js)');
  const human = (s: { loadPixel: boolean }) => `load the Meta Pixel: ${s.loadPixel ? 'on' : 'off'}`;
  ctx.storeOptions(snippet.command('show').requiredOption('--tenant <id>', 'tenant id').option('--json', 'print JSON')).action(
    async (flags: { tenant: string; json?: boolean }) =>
      ctx.withStore(flags, async ({ store, tenants }) => {
        await tenants.getTenant(flags.tenant);
        const current = await createBrowserSettingsRepository(store).get(flags.tenant);
        ctx.print(flags, current, human(current));
      }),
  );
  ctx
    .storeOptions(
      snippet
        .command('set')
        .requiredOption('--tenant <id>', 'tenant id')
        .addOption(new Option('--load-pixel <on|off>', "load the Meta Pixel and fbq('init') the tenant's pixels").choices(['on', 'off']))
        .option('--json', 'print JSON'),
    )
    .action(async (flags: { tenant: string; loadPixel?: 'on' | 'off'; json?: boolean }) =>
      ctx.withStore(flags, async ({ store, tenants }) => {
        await tenants.getTenant(flags.tenant);
        const patch = browserSettingsPatch.safeParse(flags.loadPixel === undefined ? {} : { loadPixel: flags.loadPixel === 'on' });
        if (!patch.success) throw new Error('nothing to set: give --load-pixel on|off');
        const next = await createBrowserSettingsRepository(store).update(flags.tenant, patch.data);
        ctx.print(flags, next, human(next));
      }),
    );
}
