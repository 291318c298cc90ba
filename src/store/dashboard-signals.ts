/**
 * What the overview, alerts and setup checklist read about a store outside the delivery state (events, pixels,
 * keys, sources, origins), and the one thing they write: the outcome of a pixel's Test Connection.
 * Delivery reads are in overview-queries.ts (through delivery-state.ts). Simulated events (Test Events) never count.
 */
import type { Store } from './database.js';
import { readClearFields } from './delivery-state.js';

/** Events of one (source, channels) pair since a time, and how many of them since the start of today. */
export interface ChannelRow {
  source: string;
  channels: string;
  total: number;
  today: number;
}

export interface PixelCheckRow {
  id: string;
  pixelId: string;
  status: 'active' | 'disabled' | 'paused';
  pauseReason: string | null;
  role: 'primary' | 'secondary';
  metaName: string | null;
  connectionCheckedAt: number | null;
  connectionProblem: string | null;
  updatedAt: number;
}

export function createDashboardSignalsRepository(store: Store) {
  const { db } = store;
  return {
    /** Events received since `since`, by (source, channels), with those received since `todayFrom` counted apart. */
    async channelRows(tenantId: string, since: number, todayFrom: number): Promise<ChannelRow[]> {
      const rows = await db
        .selectFrom('events')
        .select((eb) => [
          'source',
          'channels',
          eb.fn.countAll<number>().as('total'),
          eb.fn.sum<number>(eb.case().when('received_at', '>=', todayFrom).then(1).else(0).end()).as('today'),
        ])
        .where('tenant_id', '=', tenantId)
        .where('received_at', '>=', since)
        .where('simulated', '=', 0)
        .groupBy(['source', 'channels'])
        .execute();
      return rows.map((r) => ({ source: r.source, channels: r.channels, total: Number(r.total), today: Number(r.today ?? 0) }));
    },

    /** When the store's newest event (not a simulation) was received, or null. */
    async lastEventAt(tenantId: string): Promise<number | null> {
      const row = await db.selectFrom('events').select((eb) => eb.fn.max<number>('received_at').as('at')).where('tenant_id', '=', tenantId).where('simulated', '=', 0).executeTakeFirst();
      return row?.at === null || row?.at === undefined ? null : Number(row.at);
    },

    /**
     * Events received in [from, to); simulations too unless `excludeSimulated` (which reads every row, where the
     * count alone is read from the (tenant_id, received_at) index of migration 0022: for a week of traffic, the
     * difference counts).
     */
    async eventCountBetween(tenantId: string, from: number, to: number, excludeSimulated = true): Promise<number> {
      let q = db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant_id', '=', tenantId)
        .where('received_at', '>=', from)
        .where('received_at', '<', to);
      if (excludeSimulated) q = q.where('simulated', '=', 0);
      const row = await q.executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    /** A store's pixels with the outcome of their last Test Connection; every store's when tenantId is null. */
    async pixels(tenantId: string | null): Promise<(PixelCheckRow & { tenantId: string })[]> {
      let q = db
        .selectFrom('pixels')
        .select(['id', 'tenant_id', 'pixel_id', 'status', 'pause_reason', 'role', 'meta_name', 'connection_checked_at', 'connection_problem', 'updated_at'])
        .orderBy('created_at');
      if (tenantId !== null) q = q.where('tenant_id', '=', tenantId);
      return (await q.execute()).map((r) => ({
        id: r.id,
        tenantId: r.tenant_id,
        pixelId: r.pixel_id,
        status: r.status,
        pauseReason: r.pause_reason,
        role: r.role === 'primary' ? 'primary' : 'secondary',
        metaName: r.meta_name,
        connectionCheckedAt: r.connection_checked_at === null ? null : Number(r.connection_checked_at),
        connectionProblem: r.connection_problem,
        updatedAt: Number(r.updated_at),
      }));
    },

    /** Keeps what Test Connection found: Meta's name for the pixel when verified (else the name stays), or the problem. */
    async recordConnectionCheck(pixelRowId: string, outcome: { name: string } | { problem: string }, at: number): Promise<void> {
      await db
        .updateTable('pixels')
        .set('name' in outcome ? { meta_name: outcome.name, connection_checked_at: at, connection_problem: null } : { connection_checked_at: at, connection_problem: outcome.problem })
        .where('id', '=', pixelRowId)
        .execute();
    },

    /**
     * The store's active publishable key: `exists` false when it has none; `key` null when it was issued before
     * the relay kept publishable keys (only its hash is known until the next rotation).
     */
    async publishableKey(tenantId: string): Promise<{ exists: boolean; key: string | null }> {
      const row = await db
        .selectFrom('api_keys')
        .select('public_key')
        .where('tenant_id', '=', tenantId)
        .where('kind', '=', 'publishable')
        .where('status', '=', 'active')
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      return row ? { exists: true, key: row.public_key } : { exists: false, key: null };
    },

    /** What the setup checklist needs to know beyond pixels: origins, webhook sources and which channels ever reported. */
    async setupFacts(tenantId: string) {
      const origins = await db.selectFrom('allowed_origins').select('origin').where('tenant_id', '=', tenantId).orderBy('origin').execute();
      const sources = await db.selectFrom('sources').select(['platform', 'status']).where('tenant_id', '=', tenantId).execute();
      const firstOf = async (where: 'any' | 'browser' | 'webhook') => {
        let q = db.selectFrom('events').select('received_at').where('tenant_id', '=', tenantId).where('simulated', '=', 0);
        // A deduplicated pair keeps the first reporter as its source and lists the others in channels.
        if (where === 'browser') q = q.where((eb) => eb.or([eb('source', '=', 'browser'), eb('channels', 'like', '%"browser"%')]));
        if (where === 'webhook') q = q.where((eb) => eb.or([eb('source', 'like', 'webhook:%'), eb('channels', 'like', '%"webhook:%')]));
        const row = await q.orderBy('received_at').limit(1).executeTakeFirst();
        return row ? Number(row.received_at) : null;
      };
      return {
        origins: origins.map((o) => o.origin),
        sources: sources.map((s) => ({ platform: s.platform, active: s.status === 'active' })),
        firstEventAt: await firstOf('any'),
        firstBrowserEventAt: await firstOf('browser'),
        firstWebhookEventAt: await firstOf('webhook'),
      };
    },

    /** One event of a store as the details view reads it (payload, IP and user agent while kept), or null. */
    async eventRow(tenantId: string, id: string) {
      const row = await db
        .selectFrom('events')
        .select(['id', 'seq', 'event_name', 'event_id', 'source', 'channels', 'status', 'received_at', 'simulated', 'payload', 'had_client_ip', 'had_user_agent'])
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return null;
      const clear = await readClearFields(store, tenantId, Number(row.seq));
      return {
        id: row.id,
        eventName: row.event_name,
        eventId: row.event_id,
        source: row.source,
        channels: row.channels,
        status: row.status,
        receivedAt: Number(row.received_at),
        simulated: Number(row.simulated) === 1,
        payload: row.payload,
        clientIp: clear.clientIp,
        userAgent: clear.userAgent,
        hadClientIp: row.had_client_ip === undefined || row.had_client_ip === null ? null : Number(row.had_client_ip) === 1,
        hadUserAgent: row.had_user_agent === undefined || row.had_user_agent === null ? null : Number(row.had_user_agent) === 1,
      };
    },
  };
}

export type DashboardSignalsRepository = ReturnType<typeof createDashboardSignalsRepository>;
