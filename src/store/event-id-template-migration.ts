/**
 * Migration 0015: one Purchase event_id template per store. Webhook sources used to carry their own template
 * (`sources add --event-id-template`, with `{order_number}` and `{platform}`), which the snippet never saw, so
 * a store that set one had its browser and webhook ids disagree and Meta counted those orders twice. The
 * override is gone; this carries what a source had into the store's policy where that keeps the webhook's ids,
 * and records in the audit log what it did for each store.
 */
import { type Kysely } from 'kysely';
import { DEFAULT_PURCHASE_EVENT_ID_TEMPLATE, EVENT_ID_PLACEHOLDERS } from '../core/event-id-template.js';
import type { Database } from './schema.js';

export interface SourceTemplate {
  sourceId: string;
  platform: string;
  template: string;
}

export interface TemplateCarry {
  /** The store's Purchase template from now on (unchanged when `adopted` is false). */
  purchaseTemplate: string;
  /** True when a source's template became the store's. */
  adopted: boolean;
  /** Why the sources' templates were not adopted, when they were not. */
  reason: string | null;
}

/**
 * A source template in the store's vocabulary: `{platform}` is a constant per source, so it becomes its text;
 * `{order_number}` has no equivalent the browser knows, so such a template cannot be carried.
 */
export function translateSourceTemplate(platform: string, template: string): string | null {
  const t = template.split('{platform}').join(platform);
  const names = [...t.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '');
  const known: readonly string[] = EVENT_ID_PLACEHOLDERS;
  if (!names.includes('order_id') || names.some((n) => !known.includes(n)) || t.length > 200) return null;
  return t;
}

/**
 * What a store's Purchase template becomes. A source's template is adopted only when the store never chose its
 * own (the policy has the default) and every one of its sources named orders with that same carriable template:
 * then the webhooks keep their ids (no order in flight is counted twice) and the snippet now agrees with them.
 * Otherwise the store's template stays, as the snippet and the API already used it.
 */
export function carryTemplates(policyPurchase: string | undefined, sourceCount: number, templated: SourceTemplate[]): TemplateCarry {
  const current = policyPurchase ?? DEFAULT_PURCHASE_EVENT_ID_TEMPLATE;
  const keep = (reason: string): TemplateCarry => ({ purchaseTemplate: current, adopted: false, reason });
  if (templated.length === 0) return { purchaseTemplate: current, adopted: false, reason: null };
  if (current !== DEFAULT_PURCHASE_EVENT_ID_TEMPLATE) return keep('the store already has its own Purchase template, which the snippet and the API use');
  const translated = templated.map((s) => translateSourceTemplate(s.platform, s.template));
  if (translated.some((t) => t === null)) return keep('a source template uses {order_number} or lacks {order_id}: the browser cannot build that id');
  const distinct = [...new Set(translated)];
  if (distinct.length > 1) return keep('the sources used different templates');
  if (templated.length < sourceCount) return keep('other sources of the store used the default template');
  return { purchaseTemplate: distinct[0]!, adopted: true, reason: null };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Moves every source's event_id template into its store's policy (see carryTemplates) and removes it from the source. */
export async function migrateSourceTemplates(db: Kysely<Database>, now: number): Promise<void> {
  const sources = await db.selectFrom('sources').select(['id', 'tenant_id', 'platform', 'settings']).orderBy('created_at').orderBy('id').execute();
  const byTenant = new Map<string, { id: string; platform: string; settings: Record<string, unknown> }[]>();
  for (const s of sources) {
    const parsed: unknown = JSON.parse(s.settings);
    const list = byTenant.get(s.tenant_id) ?? [];
    list.push({ id: s.id, platform: s.platform, settings: isObj(parsed) ? parsed : {} });
    byTenant.set(s.tenant_id, list);
  }
  for (const [tenantId, list] of byTenant) {
    const templated = list.flatMap((s) => (typeof s.settings.eventIdTemplate === 'string' ? [{ sourceId: s.id, platform: s.platform, template: s.settings.eventIdTemplate }] : []));
    if (templated.length === 0) continue;
    const tenant = await db.selectFrom('tenants').select('policy').where('id', '=', tenantId).executeTakeFirst();
    if (!tenant) continue;
    const parsedPolicy: unknown = JSON.parse(tenant.policy);
    const policy = isObj(parsedPolicy) ? parsedPolicy : {};
    const templates = isObj(policy.eventIdTemplates) ? policy.eventIdTemplates : undefined;
    const purchase = templates && typeof templates.Purchase === 'string' ? templates.Purchase : undefined;
    const carry = carryTemplates(purchase, list.length, templated);
    if (carry.adopted) {
      const next = { ...policy, eventIdTemplates: { ...(templates ?? {}), Purchase: carry.purchaseTemplate } };
      await db.updateTable('tenants').set({ policy: JSON.stringify(next) }).where('id', '=', tenantId).execute();
    }
    for (const s of templated) {
      const source = list.find((x) => x.id === s.sourceId);
      const { eventIdTemplate: _gone, ...settings } = source?.settings ?? {};
      await db.updateTable('sources').set({ settings: JSON.stringify(settings) }).where('id', '=', s.sourceId).execute();
    }
    await db
      .insertInto('audit_log')
      .values({
        tenant_id: tenantId,
        actor: 'migration',
        action: 'event_id_template.unified',
        target: tenantId,
        summary: JSON.stringify({
          purchaseTemplate: carry.purchaseTemplate,
          adoptedFromSources: carry.adopted,
          ...(carry.reason ? { reason: carry.reason } : {}),
          removedSourceTemplates: templated.map((s) => ({ source: s.sourceId, platform: s.platform, template: s.template })),
        }),
        at: now,
      })
      .execute();
  }
}
