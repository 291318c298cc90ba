/**
 * Configuration the admin API and the dashboard change: tenants, their pixels and keys, webhook sources, per-event
 * switches, the snippet's origins and settings, and the audit log of every change. The store's repositories
 * already speak in these terms (getTenant, addPixel, rotateKey …), so the services are those repositories, built
 * once here; the HTTP layer names them by the types below and never reaches the store itself.
 */
import type { Store } from '../store/database.js';
import { createAuditRepository, type AuditRepository } from '../store/audit.js';
import { createBrowserSettingsRepository, type BrowserSettingsRepository } from '../store/browser-settings.js';
import { createOriginRepository, type OriginRepository } from '../store/origins.js';
import type { SourceRepository } from '../store/sources.js';
import { createSwitchRepository, type SwitchRepository } from '../store/switches.js';
import type { TenantRepository } from '../store/tenants.js';

export { summarizeChange } from '../store/audit.js';
export { InvalidOriginError, normalizeOrigin } from '../store/origins.js';
export { isSwitchName, SWITCH_NAMES } from '../store/switches.js';
export { ConflictError, NotFoundError, type PixelView, type TenantView } from '../store/tenants.js';

/** Tenants, their API keys and pixels; throws NotFoundError for an unknown id. */
export type TenantService = TenantRepository;
/** Webhook sources and their signing secrets. */
export type SourceService = SourceRepository;
/** Per-event switches (a store may turn one event kind off). */
export type SwitchService = SwitchRepository;
/** The origins allowed to post to /v1/collect; throws InvalidOriginError for one that is not an origin. */
export type OriginService = OriginRepository;
/** The snippet's per-tenant settings. */
export type BrowserSettingsService = BrowserSettingsRepository;
/** Who changed what, and when (secrets recorded as "(set)"). */
export type AuditService = AuditRepository;

export interface ConfigurationServices {
  tenants: TenantService;
  sources: SourceService;
  switches: SwitchService;
  origins: OriginService;
  browserSettings: BrowserSettingsService;
  audit: AuditService;
}

/** The tenant and source repositories come built (the CLI and the tests open them with the store); the rest are made here. */
export function createConfigurationServices(store: Store, repositories: { tenants: TenantService; sources: SourceService }): ConfigurationServices {
  return {
    tenants: repositories.tenants,
    sources: repositories.sources,
    switches: createSwitchRepository(store),
    origins: createOriginRepository(store),
    browserSettings: createBrowserSettingsRepository(store),
    audit: createAuditRepository(store),
  };
}
