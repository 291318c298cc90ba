import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { MIN_RETENTION_DAYS } from '../config/config.js';
import { eraseCustomer, identifiedBy } from '../privacy/customer-erasure.js';
import { createAuditRepository } from '../store/audit.js';
import { purgeOlderThan } from '../store/retention.js';
import type { CliContext } from './program.js';


function days(value: string): number {
  const n = Number(value);
  // The same floor as retentionDays: a shorter purge would let retried webhooks through as new events.
  if (!Number.isInteger(n) || n < MIN_RETENTION_DAYS) throw new InvalidArgumentError(`a whole number of days, at least ${MIN_RETENTION_DAYS}`);
  return n;
}

/** Privacy tasks: erase one customer on request, purge what is older than the retention period. */
export function registerPrivacyCommands(program: Command, ctx: CliContext): void {
  ctx
    .storeOptions(
      program
        .command('forget')
        .description("erase one customer's events, browser ids and click ids from the relay (not from Meta)")
        .requiredOption('--tenant <id>', 'tenant id')
        .option('--email <address>', "the customer's e-mail")
        .option('--phone <number>', "the customer's phone (national numbers use the tenant's defaultCountry)")
        .option('--external-id <id>', 'the id the store sends as external_id')
        .option('--fbp <id>', 'a browser id (_fbp cookie)')
        .option('--json', 'print JSON'),
    )
    .action(async (flags: { tenant: string; email?: string; phone?: string; externalId?: string; fbp?: string; json?: boolean }) =>
      ctx.withStore(flags, async ({ store, tenants }) => {
        const who = { email: flags.email, phone: flags.phone, externalId: flags.externalId, fbp: flags.fbp };
        const r = await eraseCustomer({ store, tenants }, flags.tenant, who);
        if ('error' in r) {
          process.exitCode = 2;
          ctx.print(flags, r, `nothing erased: ${r.error.message}`);
          return;
        }
        // An erasure is recorded (what kinds of identifier, how much was removed), never whom it was about.
        await createAuditRepository(store).record({ tenantId: flags.tenant, actor: 'cli', action: 'customer.erase', target: null, summary: { identifiedBy: identifiedBy(who), removed: r.removed } });
        const { events, clickIds, orderBrowsers } = r.removed;
        ctx.print(flags, r, `erased ${events} events, ${clickIds} click ids and ${orderBrowsers} order links`);
      }),
    );

  ctx
    .storeOptions(
      program
        .command('purge')
        .description('delete events, click ids and orders older than the retention period now (serve also does it hourly)')
        .option('--older-than-days <n>', 'retention in days (default: the retentionDays setting)', days)
        .option('--json', 'print JSON'),
    )
    .action(async (flags: { olderThanDays?: number; json?: boolean }) =>
      ctx.withStore(flags, async ({ store, config }) => {
        const keep = flags.olderThanDays ?? config.retentionDays;
        if (keep === 0) {
          ctx.print(flags, { skipped: 'retentionDays is 0 (keep everything)' }, 'retentionDays is 0: nothing is purged (pass --older-than-days)');
          return;
        }
        const now = Date.now();
        const removed = await purgeOlderThan(store, keep, now);
        ctx.print(flags, { retentionDays: keep, removed }, `purged ${removed.events} events, ${removed.clickIds} click ids, ${removed.orderBrowsers} order links and ${removed.orders} orders older than ${keep} days`);
      }),
    );
}
