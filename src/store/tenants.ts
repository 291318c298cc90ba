import { randomUUID } from 'node:crypto';
import type { CompiledQuery } from 'kysely';
import type { Store } from './database.js';
import { createKeyCache } from './key-cache.js';
import { generateKey, hashKey, type KeyKind } from './keys.js';
import type { SecretBox } from './secret-box.js';

import type { PixelView, TenantView } from '../core/admin-api.js';

export type { PixelView, TenantView };

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** A write that would make a second of something a tenant may have only one of (the same Meta pixel twice). */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** Tenants, their API keys and their destination pixels. Secrets are returned once, at creation. */
export function createTenantRepository(store: Store, box: SecretBox, clock: () => number = Date.now) {
  const { db } = store;
  // What `authenticate` found per key hash and kind; cleared by every write below (see key-cache.ts).
  const owners = createKeyCache<TenantView>(store.dataVersion);

  async function issueKey(tenantId: string, kind: KeyKind): Promise<string> {
    const { key, hash, prefix } = generateKey(kind);
    await db
      .insertInto('api_keys')
      // The publishable key is public (it sits in the store's pages): kept so the dashboard can show the snippet tag.
      .values({ id: randomUUID(), tenant_id: tenantId, kind, key_hash: hash, prefix, public_key: kind === 'publishable' ? key : null, status: 'active', created_at: clock() })
      .execute();
    return key;
  }

  const ownerQuery = (keyHash: string, kind: KeyKind) =>
    db
      .selectFrom('api_keys')
      .innerJoin('tenants', 'tenants.id', 'api_keys.tenant_id')
      .selectAll('tenants')
      .select('api_keys.id as api_key_id')
      .where('api_keys.key_hash', '=', keyHash)
      .where('api_keys.kind', '=', kind)
      .where('api_keys.status', '=', 'active')
      .where('tenants.status', '=', 'active');
  type OwnerRow = NonNullable<Awaited<ReturnType<ReturnType<typeof ownerQuery>['executeTakeFirst']>>>;
  // Compiled once per kind (Kysely's building and compiling cost as much as the database answering); each
  // lookup puts its hash in the hash parameter's place. The text is constant, so it stays prepared.
  const HASH_SLOT = '\u0000key-hash';
  const compiledOwner = new Map<KeyKind, { query: CompiledQuery<OwnerRow>; slot: number }>();
  function ownerLookup(keyHash: string, kind: KeyKind): CompiledQuery<OwnerRow> {
    let compiled = compiledOwner.get(kind);
    if (!compiled) {
      const query = ownerQuery(HASH_SLOT, kind).compile();
      const slot = query.parameters.indexOf(HASH_SLOT);
      if (slot < 0) throw new Error('the key lookup has no parameter for the key hash');
      compiled = { query, slot };
      compiledOwner.set(kind, compiled);
    }
    const parameters = [...compiled.query.parameters];
    parameters[compiled.slot] = keyHash;
    return { ...compiled.query, parameters };
  }

  /** Unknown, revoked and disabled-tenant keys all answer null: a caller cannot tell which. */
  async function keyOwner(key: string, kind: KeyKind): Promise<{ tenant: TenantView; apiKeyId: string } | null> {
    return ownerOfHash(hashKey(key), kind);
  }

  async function ownerOfHash(keyHash: string, kind: KeyKind): Promise<{ tenant: TenantView; apiKeyId: string } | null> {
    const row = (await db.executeQuery(ownerLookup(keyHash, kind))).rows[0];
    return row ? { tenant: toTenantView(row), apiKeyId: row.api_key_id } : null;
  }

  async function requireTenant(id: string): Promise<TenantView> {
    const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`tenant ${id} does not exist`);
    return toTenantView(row);
  }

  /** The same Meta pixel twice in one store would get each event twice; a disabled twin does not count. */
  async function refuseTwin(tenantId: string, pixelId: string, exceptRowId?: string): Promise<void> {
    let q = db.selectFrom('pixels').select('id').where('tenant_id', '=', tenantId).where('pixel_id', '=', pixelId).where('status', '!=', 'disabled');
    if (exceptRowId !== undefined) q = q.where('id', '!=', exceptRowId);
    const twin = await q.executeTakeFirst();
    if (twin) throw new ConflictError(`the store already sends to pixel ${pixelId} (${twin.id}): change that pixel (token, settings) instead`);
  }

  return {
    async createTenant(name: string, policy: Record<string, unknown> = {}) {
      const id = randomUUID();
      await db
        .insertInto('tenants')
        .values({ id, name, status: 'active', forwarding: 1, policy: JSON.stringify(policy), created_at: clock() })
        .execute();
      const ingestKey = await issueKey(id, 'ingest');
      const publishableKey = await issueKey(id, 'publishable');
      return { id, ingestKey, publishableKey };
    },

    async listTenants(): Promise<TenantView[]> {
      const rows = await db.selectFrom('tenants').selectAll().orderBy('created_at').execute();
      return rows.map(toTenantView);
    },

    getTenant: requireTenant,

    async setTenantStatus(id: string, status: 'active' | 'disabled') {
      await requireTenant(id);
      await db.updateTable('tenants').set({ status }).where('id', '=', id).execute();
      owners.clear();
    },

    async setForwarding(id: string, on: boolean) {
      await requireTenant(id);
      await db.updateTable('tenants').set({ forwarding: on ? 1 : 0 }).where('id', '=', id).execute();
      owners.clear();
    },

    async setPolicy(id: string, policy: Record<string, unknown>) {
      await requireTenant(id);
      await db.updateTable('tenants').set({ policy: JSON.stringify(policy) }).where('id', '=', id).execute();
      owners.clear();
    },

    /** Revokes every active key of that kind and issues a new one. */
    async rotateKey(tenantId: string, kind: KeyKind): Promise<string> {
      await requireTenant(tenantId);
      await db
        .updateTable('api_keys')
        .set({ status: 'revoked' })
        .where('tenant_id', '=', tenantId)
        .where('kind', '=', kind)
        .execute();
      owners.clear();
      return issueKey(tenantId, kind);
    },

    /** The active tenant owning this key, or null. */
    async authenticate(key: string, kind: KeyKind): Promise<TenantView | null> {
      const keyHash = hashKey(key);
      const cacheKey = `${kind}:${keyHash}`;
      const { value, generation } = owners.get(cacheKey);
      if (value) return value;
      const tenant = (await ownerOfHash(keyHash, kind))?.tenant ?? null;
      if (tenant) owners.set(generation, cacheKey, tenant);
      return tenant;
    },

    /** The active tenant owning this key and the key's row id (a store-key dashboard session lives as long as that row), or null. */
    keyOwner,

    async addPixel(input: { tenantId: string; pixelId: string; accessToken: string; testEventCode?: string | null | undefined; graphVersion?: string | null | undefined }) {
      await requireTenant(input.tenantId);
      await refuseTwin(input.tenantId, input.pixelId);
      const id = randomUUID();
      const now = clock();
      await db
        .insertInto('pixels')
        .values({
          id,
          tenant_id: input.tenantId,
          pixel_id: input.pixelId,
          token_sealed: box.seal(input.accessToken),
          test_event_code: input.testEventCode ?? null,
          status: 'active',
          pause_reason: null,
          graph_version: input.graphVersion ?? null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return { id };
    },

    async listPixels(tenantId?: string): Promise<PixelView[]> {
      let q = db.selectFrom('pixels').selectAll().orderBy('created_at');
      if (tenantId) q = q.where('tenant_id', '=', tenantId);
      return (await q.execute()).map(toPixelView);
    },

    async getPixel(id: string): Promise<PixelView & { accessToken: string }> {
      const row = await db.selectFrom('pixels').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError(`pixel ${id} does not exist`);
      return { ...toPixelView(row), accessToken: box.open(row.token_sealed) };
    },

    async setPixelStatus(id: string, status: 'active' | 'disabled') {
      if (status === 'active') {
        const row = await db.selectFrom('pixels').select(['tenant_id', 'pixel_id']).where('id', '=', id).executeTakeFirst();
        if (row) await refuseTwin(row.tenant_id, row.pixel_id, id);
      }
      const res = await db
        .updateTable('pixels')
        .set({ status, pause_reason: null, updated_at: clock() })
        .where('id', '=', id)
        .executeTakeFirst();
      if (res.numUpdatedRows === 0n) throw new NotFoundError(`pixel ${id} does not exist`);
      // A disabled pixel gets nothing of what is stored meanwhile: its cursor goes, and the next write after it is
      // enabled again creates a new one at the end of the log (src/store/events.ts).
      if (status === 'disabled') await db.deleteFrom('pixel_cursors').where('pixel_row_id', '=', id).execute();
    },

    /** New credentials: a pixel paused by an auth failure resumes with its queued events. */
    async rotatePixelToken(id: string, accessToken: string, testEventCode?: string | null) {
      const set: { token_sealed: string; updated_at: number; status: 'active'; pause_reason: null; test_event_code?: string | null } = {
        token_sealed: box.seal(accessToken),
        updated_at: clock(),
        status: 'active',
        pause_reason: null,
      };
      if (testEventCode !== undefined) set.test_event_code = testEventCode;
      const res = await db.updateTable('pixels').set(set).where('id', '=', id).where('status', '!=', 'disabled').executeTakeFirst();
      if (res.numUpdatedRows === 0n) throw new NotFoundError(`pixel ${id} does not exist or is disabled`);
    },

    /** Labels a pixel primary or secondary; a tenant has at most one primary, so the old one becomes secondary. */
    async setPixelRole(id: string, role: 'primary' | 'secondary') {
      const row = await db.selectFrom('pixels').select('tenant_id').where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError(`pixel ${id} does not exist`);
      await db.transaction().execute(async (trx) => {
        if (role === 'primary') await trx.updateTable('pixels').set({ role: 'secondary' }).where('tenant_id', '=', row.tenant_id).where('role', '=', 'primary').execute();
        await trx.updateTable('pixels').set({ role, updated_at: clock() }).where('id', '=', id).execute();
      });
    },

    /** Sets or clears a pixel's Test Event Code without touching its token. */
    async setPixelTestEventCode(id: string, testEventCode: string | null) {
      const res = await db.updateTable('pixels').set({ test_event_code: testEventCode, updated_at: clock() }).where('id', '=', id).executeTakeFirst();
      if (res.numUpdatedRows === 0n) throw new NotFoundError(`pixel ${id} does not exist`);
    },

    /** Sets a pixel's Graph API version, or clears it (null) so the pixel uses the relay's default. */
    async setPixelGraphVersion(id: string, graphVersion: string | null) {
      const res = await db.updateTable('pixels').set({ graph_version: graphVersion, updated_at: clock() }).where('id', '=', id).executeTakeFirst();
      if (res.numUpdatedRows === 0n) throw new NotFoundError(`pixel ${id} does not exist`);
    },

    /** The tenant owning a pixel row, or null. */
    async tenantOfPixel(id: string): Promise<string | null> {
      const row = await db.selectFrom('pixels').select('tenant_id').where('id', '=', id).executeTakeFirst();
      return row?.tenant_id ?? null;
    },

    /** The tenant owning a webhook source, or null. */
    async tenantOfSource(id: string): Promise<string | null> {
      const row = await db.selectFrom('sources').select('tenant_id').where('id', '=', id).executeTakeFirst();
      return row?.tenant_id ?? null;
    },

    /** Hides the tenant's event-log rows received up to `at` ("Clear the log"); no event is deleted or resent. */
    async clearEventLog(id: string, at: number) {
      await requireTenant(id);
      await db.updateTable('tenants').set({ log_cleared_at: at }).where('id', '=', id).execute();
    },

    /** When the tenant's event log was last cleared, or null. */
    async eventLogClearedAt(id: string): Promise<number | null> {
      const row = await db.selectFrom('tenants').select('log_cleared_at').where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError(`tenant ${id} does not exist`);
      return row.log_cleared_at === null ? null : Number(row.log_cleared_at);
    },
  };
}

export type TenantRepository = ReturnType<typeof createTenantRepository>;

function toTenantView(row: { id: string; name: string; status: 'active' | 'disabled'; forwarding: number; policy: string; created_at: number }): TenantView {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    forwarding: row.forwarding === 1,
    policy: JSON.parse(row.policy) as Record<string, unknown>,
    createdAt: Number(row.created_at),
  };
}

function toPixelView(row: {
  id: string; tenant_id: string; pixel_id: string; test_event_code: string | null; status: 'active' | 'disabled' | 'paused'; pause_reason: string | null; graph_version: string | null; role: string; created_at: number;
}): PixelView {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    pixelId: row.pixel_id,
    testEventCode: row.test_event_code,
    status: row.status,
    pauseReason: row.pause_reason,
    graphVersion: row.graph_version,
    role: row.role === 'primary' ? 'primary' : 'secondary',
    createdAt: Number(row.created_at),
  };
}
