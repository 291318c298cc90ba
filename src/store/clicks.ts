import type { Store } from './database.js';

/** How long a click may be credited after it was first seen (Meta: 28 days, Google Ads: 90 days). */
export const CLICK_WINDOW_MS = { fbclid: 28 * 86_400_000, gclid: 90 * 86_400_000 } as const;

export interface BrowserClicks {
  tenantId: string;
  /** The pseudonymous _fbp browser id; clicks without one cannot be tied to later orders. */
  fbp: string;
  fbclid?: { id: string; firstSeenAt: number } | undefined;
  gclid?: { id: string; firstSeenAt: number } | undefined;
  orderId?: string | undefined;
}

/**
 * Click ids and order↔browser links for attribution reports. Only pseudonymous ids (fbp, click ids,
 * order ids) are kept, never contact data. The first sighting wins, so a reload keeps the click time.
 */
export function createClickRepository(store: Store, clock: () => number = Date.now) {
  const { db } = store;
  return {
    async record(c: BrowserClicks): Promise<void> {
      const rows = [];
      if (c.fbclid) rows.push({ tenant_id: c.tenantId, fbp: c.fbp, kind: 'fbclid' as const, click_id: c.fbclid.id, first_seen_at: c.fbclid.firstSeenAt });
      if (c.gclid) rows.push({ tenant_id: c.tenantId, fbp: c.fbp, kind: 'gclid' as const, click_id: c.gclid.id, first_seen_at: c.gclid.firstSeenAt });
      if (rows.length > 0) {
        await db.insertInto('click_ids').values(rows).onConflict((oc) => oc.columns(['tenant_id', 'fbp', 'kind', 'click_id']).doNothing()).execute();
      }
      if (c.orderId) {
        await db
          .insertInto('order_browsers')
          .values({ tenant_id: c.tenantId, order_id: c.orderId, fbp: c.fbp, created_at: clock() })
          .onConflict((oc) => oc.columns(['tenant_id', 'order_id', 'fbp']).doNothing())
          .execute();
      }
    },

    /** The latest click of each kind still inside its window at the order's time, for crediting an order. */
    async clicksForOrder(tenantId: string, orderId: string, orderAt: number) {
      const rows = await db
        .selectFrom('order_browsers')
        .innerJoin('click_ids', (j) => j.onRef('click_ids.tenant_id', '=', 'order_browsers.tenant_id').onRef('click_ids.fbp', '=', 'order_browsers.fbp'))
        .select(['click_ids.kind', 'click_ids.click_id', 'click_ids.first_seen_at'])
        .where('order_browsers.tenant_id', '=', tenantId)
        .where('order_browsers.order_id', '=', orderId)
        .where('click_ids.first_seen_at', '<=', orderAt)
        .orderBy('click_ids.first_seen_at', 'desc')
        .execute();
      const out: Partial<Record<'fbclid' | 'gclid', { clickId: string; firstSeenAt: number }>> = {};
      for (const r of rows) {
        const at = Number(r.first_seen_at);
        if (out[r.kind] || orderAt - at > CLICK_WINDOW_MS[r.kind]) continue;
        out[r.kind] = { clickId: r.click_id, firstSeenAt: at };
      }
      return out;
    },
  };
}

export type ClickRepository = ReturnType<typeof createClickRepository>;
