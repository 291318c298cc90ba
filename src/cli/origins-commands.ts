import { type Command, Option } from 'commander';
import { type BrowserSettings, browserSettingsPatch } from '../browser/browser-settings.js';
import { createAuditRepository, summarizeChange } from '../store/audit.js';
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
  const human = (s: BrowserSettings) =>
    `load the Meta Pixel: ${s.loadPixel ? 'on' : 'off'}\ncookie domain: ${s.cookieDomain ?? 'auto (the registrable domain, found in the browser)'}` +
    `\naccept sandboxed pixel (Origin: null, e.g. Shopify custom pixel): ${s.acceptSandboxedPixel ? 'on' : 'off'}`;
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
        .option('--cookie-domain <domain|auto>', 'the domain _fbp/_fbc go on, e.g. example.co.uk; auto: the registrable domain')
        .addOption(
          new Option('--accept-sandboxed-pixel <on|off>', "take beacons sent with Origin: null (Shopify's custom pixel) when their page URL is an allowed origin").choices(['on', 'off']),
        )
        .option('--json', 'print JSON'),
    )
    .action(async (flags: { tenant: string; loadPixel?: 'on' | 'off'; cookieDomain?: string; acceptSandboxedPixel?: 'on' | 'off'; json?: boolean }) =>
      ctx.withStore(flags, async ({ store, tenants }) => {
        await tenants.getTenant(flags.tenant);
        const raw: Record<string, unknown> = {};
        if (flags.loadPixel !== undefined) raw.loadPixel = flags.loadPixel === 'on';
        if (flags.cookieDomain !== undefined) raw.cookieDomain = flags.cookieDomain === 'auto' ? null : flags.cookieDomain;
        if (flags.acceptSandboxedPixel !== undefined) raw.acceptSandboxedPixel = flags.acceptSandboxedPixel === 'on';
        const patch = browserSettingsPatch.safeParse(raw);
        if (!patch.success) throw new Error(flags.cookieDomain !== undefined ? `--cookie-domain: ${patch.error.issues[0]?.message ?? 'invalid'}` : 'nothing to set: give --load-pixel on|off, --cookie-domain or --accept-sandboxed-pixel on|off');
        const next = await createBrowserSettingsRepository(store).update(flags.tenant, patch.data);
        // The admin API audits its changes; the CLI's is recorded the same way, as the operator's.
        await createAuditRepository(store).record({ tenantId: flags.tenant, actor: 'cli', action: 'snippet.set', target: flags.tenant, summary: { body: summarizeChange(patch.data) } });
        ctx.print(flags, next, human(next));
      }),
    );
}
