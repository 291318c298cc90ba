/**
 * The alerts banner at the top of every page (`#alerts` in src/dashboard/html.ts): what costs the store
 * conversions now, most severe first, each with its fix — a form for a paused pixel's new access token, *Retry
 * all* for failed deliveries, a link to the page to check otherwise. Operators see every store's alerts
 * (GET /api/v1/alerts), a store-key session its own store's. Checked on every page change and every 30 s.
 */
import type { Alert, AlertsAnswer, FixAction } from '../../core/overview-api.js';
import { api, apiError, h, onPageChange, plural, say, state, useTenant } from './app.js';
import { alertKey, sortAlerts } from './overview-model.js';

const CHECK_MS = 30_000;
const region = document.getElementById('alerts');
const list = h('ul', { class: 'alert-list' });
region?.append(h('h2', { class: 'visually-hidden' }, 'Alerts'), list);
/** The element of each alert on screen, by alertKey: kept across checks so a token being typed stays. */
const shown = new Map<string, HTMLLIElement>();
let checks = 0;

/** Tells the page that something was fixed (the Overview redraws itself). */
const announceFixed = (): void => { document.dispatchEvent(new Event('relay:fixed')); };

/** Where a fix that is a page to look at (not a request to make) leads, by alert. */
const PAGE_OF: Readonly<Partial<Record<Alert['code'], { href: string; label: string }>>> = {
  signature_refusals: { href: '#/config/sources', label: 'Check the webhook sources' },
  no_events: { href: '#/overview', label: 'Open the overview' },
};

/** A link to the alert's store's page, making that store the current one first. */
function pageLink(a: Alert, href: string, label: string): HTMLAnchorElement {
  return h('a', { href, class: 'fix-link', onclick: () => { if (state.tenantId !== a.tenantId) useTenant(a.tenantId); } }, label);
}

/** The paused pixel's fix: paste a new access token; the relay resumes the pixel and sends what waited. */
function tokenForm(a: Alert, fix: FixAction): HTMLFormElement {
  const id = `fix-token-${a.pixelRowId ?? a.tenantId}`;
  const input = h('input', { id, name: 'accessToken', type: 'password', required: true, minlength: 10, autocomplete: 'off', spellcheck: 'false' });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, fix.label);
  return h('form', { class: 'fix', onsubmit: async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      await api(fix.method, fix.path, { accessToken: input.value });
      input.value = '';
      say('New access token saved: the pixel is active again and sends the events that waited.');
      await refreshAlerts();
      announceFixed();
    } catch (err) {
      error.textContent = apiError(err).message;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    } finally { submit.disabled = false; }
  } }, h('div', { class: 'field' }, h('label', { for: id }, 'New access token'), input,
    h('p', { class: 'hint' }, 'From Events Manager › your pixel › Settings › Conversions API › Generate access token.')), submit, error);
}

/** *Retry all* for failed deliveries: asks first, then queues them again. */
function retryButton(a: Alert, fix: FixAction): HTMLDivElement {
  const box = h('div', { class: 'fix' });
  const out = h('p', { role: 'status' });
  const open = h('button', { type: 'button', 'aria-label': `${fix.label}: failed deliveries of ${a.tenantName}` }, fix.label);
  open.addEventListener('click', () => {
    const close = () => { confirm.remove(); open.hidden = false; open.focus(); };
    const go = h('button', { type: 'button', class: 'danger' }, 'Retry now');
    const confirm = h('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirm Retry all', onkeydown: (e) => { if ((e as KeyboardEvent).key === 'Escape') close(); } },
      h('p', {}, `Queue ${a.count === null ? 'the failed deliveries' : `the ${plural(a.count, 'failed delivery', 'failed deliveries')}`} of ${a.tenantName} again?`),
      h('div', { class: 'buttons' }, go, h('button', { type: 'button', class: 'secondary', onclick: close }, 'Cancel')));
    go.addEventListener('click', async () => {
      go.disabled = true;
      try {
        const r = await api<{ requeued: number }>(fix.method, fix.path, {});
        say(`${plural(r.requeued, 'delivery', 'deliveries')} queued again`);
        await refreshAlerts();
        announceFixed();
      } catch (err) { go.disabled = false; out.textContent = apiError(err).message; }
    });
    open.hidden = true;
    open.after(confirm);
    go.focus();
  });
  box.append(open, out);
  return box;
}

function fixOf(a: Alert): HTMLElement | null {
  const page = PAGE_OF[a.code];
  if (a.fix && a.fix.fields?.includes('accessToken')) return tokenForm(a, a.fix);
  if (a.fix && a.fix.method !== 'GET' && !a.fix.fields?.length) return retryButton(a, a.fix);
  return page ? h('p', { class: 'fix' }, pageLink(a, page.href, page.label)) : null;
}

/** What the alert says: its level, the store (for an operator) and the relay's sentence. */
function textOf(a: Alert): HTMLParagraphElement {
  return h('p', { class: 'alert-text' }, h('span', { class: 'level' }, a.severity === 'critical' ? 'Critical' : 'Warning'),
    state.scopedTenantId ? null : h('strong', {}, `${a.tenantName}: `), a.message);
}

function draw(alerts: readonly Alert[]): void {
  const keys = alerts.map(alertKey);
  // The banner is not a live region (it is redrawn every 30 s): a new alert is announced once.
  const added = alerts.filter((a) => !shown.has(alertKey(a)));
  if (added.length === 1 && added[0]) say(`Alert: ${added[0].message}`);
  else if (added.length > 1) say(`${added.length} new alerts at the top of the page`);
  for (const [key, el] of shown) if (!keys.includes(key)) { el.remove(); shown.delete(key); }
  const items = alerts.map((a) => {
    const key = alertKey(a);
    const el = shown.get(key);
    if (el) { el.querySelector('.alert-text')?.replaceWith(textOf(a)); return el; }
    const li = h('li', { class: `alert ${a.severity}`, 'data-alert': a.code, 'data-tenant': a.tenantId }, textOf(a), fixOf(a));
    shown.set(key, li);
    return li;
  });
  // Moving an element takes the focus out of it: reorder only when the order changed.
  if (items.some((el, i) => list.children[i] !== el)) list.replaceChildren(...items);
  if (region) region.hidden = alerts.length === 0;
}

function clear(): void {
  checks++; // an answer still on its way is for the session that ended
  shown.clear();
  list.replaceChildren();
  if (region) region.hidden = true;
}

/**
 * GET without api()'s sign-out on 401: a check in the background must not put up the sign-in form (after the
 * session's own ingest key was rotated, the page shows the new key once and makes no further request of its own).
 */
async function quietGet(path: string): Promise<AlertsAnswer | null> {
  try {
    const res = await fetch(path, { credentials: 'same-origin' });
    return res.ok ? ((await res.json()) as AlertsAnswer) : null;
  } catch { return null; }
}

/** Reads the alerts again and redraws the banner; when the relay cannot be reached or refuses, what is shown stays. */
export async function refreshAlerts(): Promise<void> {
  if (!state.csrf) { clear(); return; }
  const mine = ++checks;
  const path = state.scopedTenantId ? `/api/v1/tenants/${state.scopedTenantId}/alerts` : '/api/v1/alerts';
  const answer = await quietGet(path);
  if (!answer) return;
  // A later check, or a sign-out, happened meanwhile: its answer wins.
  if (mine !== checks) return;
  if (!state.csrf) { clear(); return; }
  draw(sortAlerts(answer.alerts));
}

onPageChange(() => void refreshAlerts());
setInterval(() => { if (!document.hidden && state.csrf) void refreshAlerts(); }, CHECK_MS);
