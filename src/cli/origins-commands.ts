import type { Command } from 'commander';
import { createOriginRepository } from '../store/origins.js';
import type { CliContext } from './program.js';

/** `capi-relay origins add|remove|list`: the web origins a tenant's snippet may post from. */
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
}
