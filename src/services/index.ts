/**
 * The services between the HTTP layer and the store: the routes call these and never a repository, a query or a
 * database handle of their own. The composition root (src/relay.ts) builds them once with createServices and hands
 * them to buildApp. Only services and the composition root import src/store/ (docs/architecture.md).
 */
import type { Config } from '../config/config.js';
import type { Store } from '../store/database.js';
import { createConfigurationServices, type ConfigurationServices, type SourceService, type TenantService } from './configuration.js';
import { createDeliveryStatusService, type DeliveryStatusService } from './delivery-status.js';
import { createErasureService, type ErasureService } from './erasure.js';
import { createIntakeServices, type IntakeServices } from './intake.js';
import { createReportService, type ReportService } from './reports.js';
import { createSessionService, type SessionService } from './sessions.js';
import { createStorageService, type StorageService } from './storage.js';

export interface Services extends ConfigurationServices, IntakeServices {
  sessions: SessionService;
  deliveryStatus: DeliveryStatusService;
  reports: ReportService;
  erasure: ErasureService;
  storage: StorageService;
}

export interface ServiceDeps {
  store: Store;
  tenants: TenantService;
  sources: SourceService;
  config: Config;
  clock: () => number;
  /** Called when work was queued outside ingest (a replay), so delivery wakes at once. */
  onQueued?: (() => void) | undefined;
}

export function createServices(deps: ServiceDeps): Services {
  const { store, clock } = deps;
  return {
    ...createConfigurationServices(store, deps),
    ...createIntakeServices(store, deps.config, clock),
    sessions: createSessionService(store),
    deliveryStatus: createDeliveryStatusService(store, { clock, onQueued: deps.onQueued }),
    reports: createReportService(store),
    erasure: createErasureService(store, deps.tenants),
    storage: createStorageService(store),
  };
}
