import { type BrowserSettings, type BrowserSettingsPatch, DEFAULT_BROWSER_SETTINGS } from '../core/browser-settings.js';
import type { Store } from './database.js';

/** The snippet settings of each tenant (table `browser_settings`); a tenant without a row has the defaults. */
export function createBrowserSettingsRepository(store: Store, clock: () => number = Date.now) {
  const { db } = store;

  async function get(tenantId: string): Promise<BrowserSettings> {
    const row = await db.selectFrom('browser_settings').select(['load_pixel', 'cookie_domain', 'accept_sandboxed_pixel']).where('tenant_id', '=', tenantId).executeTakeFirst();
    return row ? { loadPixel: row.load_pixel === 1, cookieDomain: row.cookie_domain, acceptSandboxedPixel: row.accept_sandboxed_pixel === 1 } : { ...DEFAULT_BROWSER_SETTINGS };
  }

  return {
    get,
    /** Applies a validated patch and returns the settings now in force. */
    async update(tenantId: string, patch: BrowserSettingsPatch): Promise<BrowserSettings> {
      const next: BrowserSettings = { ...(await get(tenantId)), ...patch };
      const values = { load_pixel: next.loadPixel ? 1 : 0, cookie_domain: next.cookieDomain, accept_sandboxed_pixel: next.acceptSandboxedPixel ? 1 : 0, updated_at: clock() };
      await db
        .insertInto('browser_settings')
        .values({ tenant_id: tenantId, ...values })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet(values))
        .execute();
      return next;
    },
  };
}

export type BrowserSettingsRepository = ReturnType<typeof createBrowserSettingsRepository>;
