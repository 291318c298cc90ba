import type { Command } from 'commander';
import { generateShopifyPixel } from '../browser/shopify-pixel.js';
import { createBrowserSettingsRepository } from '../store/browser-settings.js';
import { parsePolicy } from '../transform/transform.js';
import type { CliContext } from './program.js';

/**
 * `capi-relay shopify-pixel --tenant <id> --relay-url <url> [--key cr_pub_…]`: prints the code to paste into
 * Shopify Admin → Settings → Customer events → Add custom pixel (as GET /api/v1/tenants/{id}/shopify-pixel).
 */
export function registerShopifyPixelCommand(program: Command, ctx: CliContext): void {
  ctx
    .storeOptions(
      program
        .command('shopify-pixel')
        .description('print the Shopify custom pixel (Customer events) for a store')
        .requiredOption('--tenant <id>', 'tenant id')
        .option('--relay-url <url>', "the relay's public URL, e.g. https://relay.example.com (default: the publicUrl setting)")
        .option('--key <publishable key>', "the store's publishable key (cr_pub_…); without it the code has a placeholder to replace")
        .option('--json', 'print JSON'),
    )
    .action(async (flags: { tenant: string; relayUrl?: string; key?: string; json?: boolean }) =>
      ctx.withStore(flags, async ({ store, tenants, config }) => {
        const tenant = await tenants.getTenant(flags.tenant);
        const relayUrl = flags.relayUrl ?? config.publicUrl;
        if (!relayUrl) throw new Error('give --relay-url <url> (the address stores reach the relay at), or set publicUrl');
        if (!/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/i.test(relayUrl)) throw new Error(`--relay-url: ${relayUrl} is not an http(s) URL such as https://relay.example.com`);
        if (flags.key !== undefined && (await tenants.authenticate(flags.key, 'publishable'))?.id !== tenant.id) {
          throw new Error("--key: not this store's publishable key (cr_pub_…)");
        }
        let templates: Readonly<Record<string, string>> = {};
        try {
          templates = parsePolicy(tenant.policy).eventIdTemplates;
        } catch {
          // a broken policy: the default rule, as the webhook then uses
        }
        const { acceptSandboxedPixel } = await createBrowserSettingsRepository(store).get(tenant.id);
        const pixel = { ...(await generateShopifyPixel({ publishableKey: flags.key, relayUrl, eventIdTemplates: templates })), acceptSandboxedPixel };
        ctx.print(flags, pixel, pixel.code.trimEnd());
        // On stderr, so the code on stdout can still be piped or copied whole.
        if (!acceptSandboxedPixel && !flags.json) {
          process.stderr.write(`note: the relay refuses this pixel's beacons (Origin: null) until the store opts in: capi-relay snippet set --tenant ${tenant.id} --accept-sandboxed-pixel on\n`);
        }
      }),
    );
}
