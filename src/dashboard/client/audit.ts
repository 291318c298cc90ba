/**
 * The dashboard's audit-log page: every admin change and sign-in for the current tenant, newest first —
 * who, when, what. The summaries were stripped of secrets when recorded.
 */
import type { AuditPage, TenantView } from '../../core/admin-api.js';
import { api, forTenant, h, registerView, setView, state, table, time } from './app.js';
import { auditSentence } from './words.js';

/** The recorded body and query, one "field: value" per changed field. */
export function describe(summary: Record<string, unknown> | null): string {
  const parts: string[] = [];
  for (const part of [summary?.body, summary?.query]) {
    if (!part || typeof part !== 'object') continue;
    for (const [k, v] of Object.entries(part)) parts.push(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return parts.join(' · ') || '—';
}

async function auditView(t: TenantView): Promise<void> {
  // Operators may widen the view to every tenant (sign-ins, tenant creation); store-key sessions cannot.
  const all = h('input', { type: 'checkbox', id: 'audit-all' });
  const tbody = h('tbody', {});
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Older entries');
  let cursor: string | null = null;
  async function load(reset: boolean): Promise<void> {
    const q = new URLSearchParams({ limit: '100' });
    if (!reset && cursor) q.set('cursor', cursor);
    const page = await api<AuditPage>('GET', `${all.checked ? '/api/v1/audit?' : `/api/v1/tenants/${t.id}/audit?`}${q}`);
    const rows = page.items.map((e) => h('tr', {}, h('td', {}, time(e.at)), h('td', {}, auditSentence(e.actor, e.action), h('span', { class: 'sub' }, e.action)),
      h('td', { class: 'opt' }, e.target ? h('code', {}, e.target) : '—'), h('td', {}, h('code', { class: 'summary' }, describe(e.summary)))));
    if (reset) tbody.replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 4 }, 'No changes recorded yet.'))])); else tbody.append(...rows);
    cursor = page.nextCursor; more.hidden = !cursor;
  }
  all.addEventListener('change', () => void load(true));
  more.addEventListener('click', () => void load(false));
  const list = table('Audit log, newest first', ['When', 'What happened', 'Target', 'Details'], [], [2]);
  list.querySelector('tbody')?.replaceWith(tbody);
  setView(`Audit log: ${t.name}`,
    h('p', {}, 'Every change made through the admin API or this dashboard, and every sign-in. Access tokens, secrets and keys are never recorded: they show as "(set)".'),
    state.scopedTenantId ? null : h('p', {}, h('label', { class: 'live', for: 'audit-all' }, all, ' Show every store')),
    list, more);
  await load(true);
}

registerView('audit', 'Audit log', forTenant(auditView));
