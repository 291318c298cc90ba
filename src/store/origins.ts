import type { Store } from './database.js';

/**
 * The per-tenant allow-list of web origins the snippet may post from. A publishable key is public
 * (it sits in the page), so the Origin check is what stops another site from sending in its name.
 */
export function createOriginRepository(store: Store, clock: () => number = Date.now) {
  const { db } = store;
  return {
    async add(tenantId: string, origin: string): Promise<string> {
      const o = normalizeOrigin(origin);
      await db
        .insertInto('allowed_origins')
        .values({ tenant_id: tenantId, origin: o, created_at: clock() })
        .onConflict((oc) => oc.columns(['tenant_id', 'origin']).doNothing())
        .execute();
      return o;
    },
    async remove(tenantId: string, origin: string): Promise<boolean> {
      const res = await db.deleteFrom('allowed_origins').where('tenant_id', '=', tenantId).where('origin', '=', normalizeOrigin(origin)).executeTakeFirst();
      return res.numDeletedRows > 0n;
    },
    async list(tenantId: string): Promise<string[]> {
      const rows = await db.selectFrom('allowed_origins').select('origin').where('tenant_id', '=', tenantId).orderBy('origin').execute();
      return rows.map((r) => r.origin);
    },
    async isAllowed(tenantId: string, origin: string): Promise<boolean> {
      const row = await db.selectFrom('allowed_origins').select('origin').where('tenant_id', '=', tenantId).where('origin', '=', origin).executeTakeFirst();
      return row !== undefined;
    },
    /** Any tenant allows it: enough to answer a CORS preflight, which carries no key. */
    async isKnown(origin: string): Promise<boolean> {
      const row = await db.selectFrom('allowed_origins').select('origin').where('origin', '=', origin).executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type OriginRepository = ReturnType<typeof createOriginRepository>;

/** `https://Shop.Example/path` → `https://shop.example`: browsers send the Origin header in this form. */
export function normalizeOrigin(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new InvalidOriginError(`"${input}" is not a URL such as https://shop.example`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidOriginError(`"${input}": only http and https origins`);
  // Browsers send an exact origin; a pattern would be stored as given and never match one.
  if (url.hostname.includes('*')) throw new InvalidOriginError(`"${input}": wildcards are not supported; add each origin (https://www.shop.example, https://shop.example)`);
  return url.origin;
}

export class InvalidOriginError extends Error {
  override name = 'InvalidOriginError';
}
