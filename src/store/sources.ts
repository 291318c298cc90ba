import { randomUUID } from 'node:crypto';
import type { SourceSettings } from '../core/source-settings.js';
import type { Store } from './database.js';
import type { SecretBox } from './secret-box.js';
import { NotFoundError } from './tenants.js';

export interface SourceView {
  id: string;
  tenantId: string;
  platform: string;
  settings: SourceSettings;
  status: 'active' | 'disabled';
  createdAt: number;
}

/** How long the previous secret keeps working after a rotation, so in-flight platform retries verify. */
export const ROTATION_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Webhook sources: a tenant's platform connection with its sealed signing secret(s). */
export function createSourceRepository(store: Store, box: SecretBox, clock: () => number = Date.now) {
  const { db } = store;
  return {
    async addSource(input: { tenantId: string; platform: string; secret?: string | undefined; settings?: SourceSettings }) {
      const id = randomUUID();
      await db
        .insertInto('sources')
        .values({
          id,
          tenant_id: input.tenantId,
          platform: input.platform,
          secret_sealed: input.secret ? box.seal(input.secret) : null,
          previous_secret_sealed: null,
          previous_valid_until: null,
          settings: JSON.stringify(input.settings ?? {}),
          status: 'active',
          created_at: clock(),
        })
        .execute();
      return { id };
    },

    async listSources(tenantId?: string): Promise<SourceView[]> {
      let q = db.selectFrom('sources').selectAll().orderBy('created_at');
      if (tenantId) q = q.where('tenant_id', '=', tenantId);
      return (await q.execute()).map((r) => ({
        id: r.id,
        tenantId: r.tenant_id,
        platform: r.platform,
        settings: JSON.parse(r.settings) as SourceSettings,
        status: r.status,
        createdAt: r.created_at,
      }));
    },

    /** The active source with its currently valid secrets (current first), or null. */
    async resolve(id: string, platform: string) {
      const r = await db.selectFrom('sources').selectAll().where('id', '=', id).where('platform', '=', platform).where('status', '=', 'active').executeTakeFirst();
      if (!r) return null;
      const secrets: string[] = [];
      if (r.secret_sealed) secrets.push(box.open(r.secret_sealed));
      if (r.previous_secret_sealed && (r.previous_valid_until ?? 0) > clock()) secrets.push(box.open(r.previous_secret_sealed));
      return { id: r.id, tenantId: r.tenant_id, platform: r.platform, settings: JSON.parse(r.settings) as SourceSettings, secrets };
    },

    /** Replaces the secret; the old one keeps verifying for ROTATION_WINDOW_MS. */
    async rotateSecret(id: string, secret: string) {
      const r = await db.selectFrom('sources').select(['secret_sealed']).where('id', '=', id).executeTakeFirst();
      if (!r) throw new NotFoundError(`source ${id} does not exist`);
      await db
        .updateTable('sources')
        .set({ secret_sealed: box.seal(secret), previous_secret_sealed: r.secret_sealed, previous_valid_until: clock() + ROTATION_WINDOW_MS })
        .where('id', '=', id)
        .execute();
    },

    async setStatus(id: string, status: 'active' | 'disabled') {
      const res = await db.updateTable('sources').set({ status }).where('id', '=', id).executeTakeFirst();
      if (res.numUpdatedRows === 0n) throw new NotFoundError(`source ${id} does not exist`);
    },
  };
}

export type SourceRepository = ReturnType<typeof createSourceRepository>;
