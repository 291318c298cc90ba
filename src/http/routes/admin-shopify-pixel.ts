import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createTrustedProxyCheck } from '../../browser/client-ip.js';
import { generateShopifyPixel } from '../../browser/shopify-pixel.js';
import { parsePolicy } from '../../transform/transform.js';
import type { AppDeps } from '../app.js';
import { requestIsHttps } from '../auth.js';
import { HttpError } from '../errors.js';
import { describeRoute } from '../route-contract.js';

const httpUrl = z
  .string()
  .max(500)
  .refine((s) => /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/i.test(s) && parsesAsRelayUrl(s), { message: 'an http(s) URL such as https://relay.example.com, with no user or password' });

/** A URL a browser can send beacons to: it parses (a port of 99999 does not), and has no user:password@ to embed in a store's page. */
function parsesAsRelayUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.username === '' && u.password === '';
  } catch {
    return false;
  }
}
const pixelQuery = z.object({ key: z.string().min(1).max(200).optional(), relay_url: httpUrl.optional() }).strict();
const shopifyPixelRoute = describeRoute({
  summary: 'The Shopify custom pixel for the store',
  description: "Paste `code` into Shopify Admin › Settings › Customer events. key: the store's publishable key to embed (else a placeholder); relay_url: default publicUrl (docs/switch-from.md). The pixel's beacons are accepted only once the store's acceptSandboxedPixel is on (PUT …/snippet).",
  tags: ['Admin: browser'],
  auth: 'admin',
  query: pixelQuery,
  responses: {
    200: {
      description: 'the code and the settings it holds',
      schema: z.object({
        code: z.string(),
        relayUrl: z.string(),
        keyIncluded: z.boolean(),
        purchaseEventIdTemplate: z.string(),
        events: z.record(z.string(), z.string()),
        acceptSandboxedPixel: z.boolean().meta({ description: "the store's snippet setting: until it is true, /v1/collect refuses every beacon of this pixel (Origin: null)" }),
      }),
    },
  },
  errors: ['not_found'],
});

/**
 * GET /api/v1/tenants/{id}/shopify-pixel[?key=cr_pub_…][&relay_url=…]: the Shopify custom pixel for the store
 * (src/browser/shopify-pixel.ts). Keys are stored hashed, so the code carries the publishable key only when the
 * caller passes it (checked against the tenant), else a placeholder to replace.
 */
export async function registerShopifyPixelRoute(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const isTrustedProxy = createTrustedProxyCheck(deps.config.trustedProxies);
  app.get('/tenants/:id/shopify-pixel', shopifyPixelRoute.options, async (req) => {
    const tenant = await deps.tenants.getTenant((req.params as { id: string }).id);
    const q = shopifyPixelRoute.query(req);
    if (q.key !== undefined && (await deps.tenants.authenticate(q.key, 'publishable'))?.id !== tenant.id) {
      throw new HttpError('invalid_parameter', "key: not this store's publishable key (cr_pub_…)");
    }
    let templates: Readonly<Record<string, string>>;
    try {
      templates = parsePolicy(tenant.policy).eventIdTemplates;
    } catch {
      // A broken policy is ingest's to reject; the webhook then uses the default rule too.
      templates = {};
    }
    // As /sdk.js: the configured public URL, else the address this request reached.
    const relayUrl = q.relay_url ?? deps.config.publicUrl ?? `${requestIsHttps(req, isTrustedProxy) ? 'https' : 'http'}://${req.host}`;
    const { acceptSandboxedPixel } = await deps.browserSettings.get(tenant.id);
    return { ...(await generateShopifyPixel({ publishableKey: q.key, relayUrl, eventIdTemplates: templates })), acceptSandboxedPixel };
  });
}
