/**
 * The store side of the channel merge (issue 18, migration 0023). An event held for its other channel's copy is an
 * `events` row with `seq` null: it takes no place in the tenant's log, so no pixel's cursor waits for it and the
 * events around it keep their latency. Its partner hits the dedup constraint in its own writing transaction, and
 * there the held row gets the merged payload and the seq that transaction allocated for the partner (the partner
 * is not stored twice). The sweeper gives a held row whose window ended a seq of its own (`sent_alone`). A copy that
 * arrives after the row got its seq is a late partner: recorded on the row (channel and field names), not sent.
 */
import { sql, type Insertable, type Transaction, type Updateable } from 'kysely';
import type { ChannelCopy, ChannelMerger, MergeDetail } from '../core/channel-merge.js';
import type { Decision, MetaServerEvent } from '../core/meta-event.js';
import { dedupKey, parseChannels } from './channels.js';
import type { Store } from './database.js';
import { oneOf } from './dialect-adapter.js';
import { allocateSeqs } from './log-sequence.js';
import { NO_ACTIVE_PIXEL, reachesAPixel } from './no-active-pixel.js';
import type { Database, EventClearFieldsTable, EventsTable } from './schema.js';
import { toStoredPayload } from './stored-payload.js';

/** A copy that found its event already stored: its would-be row, the copy itself and the seq allocated for it. */
export interface RepeatCopy {
  row: Insertable<EventsTable>;
  event: MetaServerEvent | null;
  decisions: Decision[];
  seq: number;
}

/** A held event the partner completed in this transaction: now in the log at `seq`, to be sent. */
export interface MergedRelease {
  repeatRowId: string;
  /** The held row that became the merged event. */
  heldRowId: string;
  /** Whether the merged event is to be sent (false: both copies were kept back by the policy). */
  queued: boolean;
  seq: number;
  clear: Pick<EventClearFieldsTable, 'client_ip_address' | 'client_user_agent'> | null;
  onlyPixelRowId: string | null;
}

/** Consent refused in a copy: the privacy step stripped its user_data, or dropped it. */
function consentRefused(decisions: readonly Decision[], dropCode: string | null | undefined): boolean {
  return dropCode === 'no_consent' || decisions.some((d) => d.code === 'consent_stripped');
}

function parseDecisions(raw: string): Decision[] {
  try {
    const list = JSON.parse(raw) as unknown;
    return Array.isArray(list) ? (list as Decision[]) : [];
  } catch {
    return [];
  }
}

function parseDetail(raw: string | null | undefined): MergeDetail {
  try {
    return raw ? (JSON.parse(raw) as MergeDetail) : {};
  } catch {
    return {};
  }
}

/** The stored payload as the event it is, with IP and user agent put back (or a stand-in saying one was there). */
function eventOf(payload: string, ip: string | null, ua: string | null): MetaServerEvent | null {
  try {
    const event = JSON.parse(payload) as MetaServerEvent;
    if (!event.user_data) return null;
    if (ip !== null) event.user_data.client_ip_address = ip;
    if (ua !== null) event.user_data.client_user_agent = ua;
    return event;
  } catch {
    return null;
  }
}

/** Inserts the held copies (seq null until merged or released); answers the ids inserted (a repeat is skipped). */
export async function insertHeldEvents(trx: Transaction<Database>, rows: Insertable<EventsTable>[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (const row of rows) {
    const res = await trx
      .insertInto('events')
      .values(row)
      .onConflict((oc) => oc.columns(['tenant_id', 'event_name', 'event_id']).doNothing())
      .returning('id')
      .execute();
    for (const r of res) inserted.add(r.id);
  }
  return inserted;
}

/**
 * Copies of events already stored: each records its channel (as before the merge existed), and one from the other
 * kind of channel either completes a held event (merged, released at the copy's seq) or, when the event already
 * went out alone, is recorded as a late partner. Answers the merges made and the row ids of the copies recorded
 * as late partners.
 */
export async function resolveRepeats(
  trx: Transaction<Database>,
  tenantId: string,
  repeats: RepeatCopy[],
  merger: ChannelMerger,
  now: number,
): Promise<{ merged: MergedRelease[]; late: Set<string> }> {
  const late = new Set<string>();
  if (repeats.length === 0) return { merged: [], late };
  const repeatOf = new Map(repeats.map((r) => [dedupKey(r.row.event_name, r.row.event_id), r]));
  const existing = await trx
    .selectFrom('events')
    .select(['id', 'event_name', 'event_id', 'source', 'channels', 'seq', 'status', 'payload', 'decisions', 'drop_code', 'held_client_ip', 'held_user_agent', 'had_client_ip', 'had_user_agent', 'merge_outcome', 'merge_detail', 'only_pixel_row_id'])
    .where('tenant_id', '=', tenantId)
    .where(oneOf(trx, 'event_name', [...new Set(repeats.map((r) => r.row.event_name))]))
    .where(oneOf(trx, 'event_id', [...new Set(repeats.map((r) => r.row.event_id))]))
    .execute();
  const merged: MergedRelease[] = [];
  for (const row of existing) {
    const repeat = repeatOf.get(dedupKey(row.event_name, row.event_id));
    if (repeat === undefined) continue;
    const source = repeat.row.source;
    const before = parseChannels(row.channels, row.source);
    const channels = before.includes(source) ? before : [...before, source];
    const kind = merger.kindOf(source);
    const partner = kind !== null && merger.kindOf(row.source) !== null && merger.kindOf(row.source) !== kind && !before.some((c) => merger.kindOf(c) === kind);
    const copy: ChannelCopy = { source, event: repeat.row.status === 'queued' ? repeat.event : null, consentRefused: consentRefused(repeat.decisions, repeat.row.drop_code) };
    let wentAlone = row.merge_outcome === 'sent_alone';
    if (partner && row.seq === null) {
      const held: ChannelCopy = {
        source: row.source,
        event: row.status === 'queued' ? eventOf(row.payload, row.held_client_ip ?? null, row.held_user_agent ?? null) : null,
        consentRefused: consentRefused(parseDecisions(row.decisions), row.drop_code),
      };
      const release = await completeHeld(trx, row.id, held, copy, parseDecisions(row.decisions), repeat, channels, merger);
      if (release) {
        merged.push({ ...release, onlyPixelRowId: row.only_pixel_row_id });
        continue;
      }
      // No longer held: a sweeper (on another node) sent it alone just now.
      wentAlone = true;
    }
    const detail = parseDetail(row.merge_detail);
    // Only an event that was held and went out alone has a late partner; one never held (merging off, or the store
    // not yet known to report from both sides) records the channel as before.
    if (partner && wentAlone && detail.late === undefined) {
      // Went out alone (the window ended, or a sweeper on another node released it just now): what it missed.
      const sent: ChannelCopy = {
        source: row.source,
        event: row.status === 'queued' ? eventOf(row.payload, row.had_client_ip ? '(sent)' : null, row.had_user_agent ? '(sent)' : null) : null,
        consentRefused: consentRefused(parseDecisions(row.decisions), row.drop_code),
      };
      const adds = sent.event ? merger.lateAdditions(sent, copy) : [];
      await trx
        .updateTable('events')
        .set({ channels: JSON.stringify(channels), merge_detail: JSON.stringify({ ...detail, late: { channel: source, adds, at: now } }) })
        .where('id', '=', row.id)
        .execute();
      late.add(repeat.row.id as string);
      continue;
    }
    if (channels !== before) await trx.updateTable('events').set({ channels: JSON.stringify(channels) }).where('id', '=', row.id).execute();
  }
  return { merged, late };
}

/** The held row becomes the merged event at the partner's seq; null if it is no longer held (released meanwhile). */
async function completeHeld(
  trx: Transaction<Database>,
  rowId: string,
  held: ChannelCopy,
  partner: ChannelCopy,
  heldDecisions: Decision[],
  repeat: RepeatCopy,
  channels: string[],
  merger: ChannelMerger,
): Promise<Omit<MergedRelease, 'onlyPixelRowId'> | null> {
  const result = merger.merge(held, partner);
  const browser = merger.kindOf(held.source) === 'browser' ? held.source : partner.source;
  const server = browser === held.source ? partner.source : held.source;
  const detail: MergeDetail = { browser, server, valueFrom: result?.valueFrom ?? null };
  const common = {
    seq: repeat.seq,
    channels: JSON.stringify(channels),
    hold_until: null,
    held_client_ip: null,
    held_user_agent: null,
    merge_outcome: 'merged' as const,
    merge_detail: JSON.stringify(detail),
  };
  let set: Updateable<EventsTable>;
  let clear: MergedRelease['clear'] = null;
  if (result === null) {
    // Both copies were kept back by the policy: the row keeps its own reason, and takes its place in the log.
    set = common;
  } else {
    const { payload, clientIp, userAgent } = toStoredPayload(result.event);
    clear = clientIp === null && userAgent === null ? null : { client_ip_address: clientIp, client_user_agent: userAgent };
    const orderId = result.event.custom_data?.order_id;
    set = {
      ...common,
      status: 'queued',
      drop_code: null,
      drop_message: null,
      payload,
      had_client_ip: clientIp === null ? 0 : 1,
      had_user_agent: userAgent === null ? 0 : 1,
      fbp: typeof result.event.user_data.fbp === 'string' ? result.event.user_data.fbp : null,
      order_id: typeof orderId === 'string' || typeof orderId === 'number' ? String(orderId) : null,
      event_time: result.event.event_time * 1000,
      decisions: JSON.stringify([...heldDecisions, ...result.decisions]),
    };
  }
  const res = await trx.updateTable('events').set(set).where('id', '=', rowId).where('seq', 'is', null).executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) return null;
  return { repeatRowId: repeat.row.id, heldRowId: rowId, queued: result !== null, seq: repeat.seq, clear: result === null ? null : clear };
}

/**
 * Gives held events whose window ended their place in the log, sent alone. Per tenant, in one transaction that
 * takes the tenant's seqs first (as every writer does, so commits stay in seq order); a row another node released
 * or a partner merged meanwhile is left as it is (`where seq is null`). Answers how many were released.
 */
export async function releaseDueHolds(store: Store, now: number, limit = 500): Promise<number> {
  const due = await store.db
    .selectFrom('events')
    .select(['id', 'tenant_id'])
    .where('seq', 'is', null)
    .where('hold_until', '<=', now)
    .orderBy('hold_until')
    .limit(limit)
    .execute();
  const byTenant = new Map<string, string[]>();
  for (const r of due) byTenant.set(r.tenant_id, [...(byTenant.get(r.tenant_id) ?? []), r.id]);
  let released = 0;
  for (const [tenantId, ids] of byTenant) {
    released += await store.db.transaction().execute(async (trx) => {
      const firstSeq = await allocateSeqs(trx, tenantId, ids.length);
      const rows = await trx
        .selectFrom('events')
        .select(['id', 'status', 'held_client_ip', 'held_user_agent', 'only_pixel_row_id'])
        .where(oneOf(trx, 'id', ids))
        .where('seq', 'is', null)
        .execute();
      // As at ingest (writeEvents): an event that would go to no pixel (none enabled now, or its one pixel
      // disabled while it waited) is skipped with the reason, and keeps no IP or user agent.
      const active = (await trx.selectFrom('pixels').select('id').where('tenant_id', '=', tenantId).where('status', '!=', 'disabled').execute()).map((p) => p.id);
      let n = 0;
      const clearRows: EventClearFieldsTable[] = [];
      for (const [k, row] of rows.entries()) {
        const seq = firstSeq + k;
        const orphan = row.status === 'queued' && !reachesAPixel(row.only_pixel_row_id, active);
        const skip = orphan ? { status: 'skipped' as const, drop_code: NO_ACTIVE_PIXEL.code, drop_message: NO_ACTIVE_PIXEL.message } : {};
        const res = await trx
          .updateTable('events')
          .set({ seq, hold_until: null, held_client_ip: null, held_user_agent: null, merge_outcome: 'sent_alone', ...skip })
          .where('id', '=', row.id)
          .where('seq', 'is', null)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) continue;
        n++;
        const ip = row.held_client_ip ?? null;
        const ua = row.held_user_agent ?? null;
        if (row.status === 'queued' && !orphan && (ip !== null || ua !== null)) clearRows.push({ tenant_id: tenantId, seq, client_ip_address: ip, client_user_agent: ua });
      }
      if (clearRows.length > 0) await trx.insertInto('event_clear_fields').values(clearRows).execute();
      // A pixel added while the event waited gets its cursor before it, as at ingest.
      await sql`insert into pixel_cursors (pixel_row_id, tenant_id, start_seq, sent_through, claimed_through, updated_at)
        select p.id, p.tenant_id, ${firstSeq - 1}, ${firstSeq - 1}, ${firstSeq - 1}, ${now} from pixels p
        where p.tenant_id = ${tenantId} and p.status != 'disabled'
        and not exists (select 1 from pixel_cursors c where c.pixel_row_id = p.id)`.execute(trx);
      return n;
    });
  }
  return released;
}
