/**
 * The dashboard's client core. It only talks to the admin API and /dashboard/*; the session cookie
 * authenticates and the CSRF token goes in X-CSRF-Token on writes. DOM is built with textContent only
 * (./dom.ts), so data from the store can never become markup.
 *
 * Other client modules plug in through its exports (see docs/dashboard.md, "Adding a page"):
 *   import { api, setView, registerView } from './app.js';
 *   registerView('match-quality', 'Match quality', async (params) => { setView('Match quality', ...); });
 * A view is reached at `#/<hashPrefix>` or `#/<hashPrefix>/<more>?<query>`; render gets
 * params = { path: ['<more>', …], query: { key: 'value' } }. Routing waits for DOMContentLoaded, so
 * every module script on the page has registered its views before the first route.
 */
import type { TenantList, TenantView, CreatedTenant } from '../../core/admin-api.js';
import { byId, h, nodes, statusChip, table, type Child } from './dom.js';
import { storeWords } from './words.js';

export { h, nodes, plural, pixelNameIn, statusChip, table, time } from './dom.js';
export type { Child } from './dom.js';

const main = byId('main');
const nav = byId('nav');
const logoutBtn = byId('logout') as HTMLButtonElement;
const currentLabel = byId('current-tenant');
const announce = byId('announce');

interface DashboardState {
  csrf: string | null;
  /** The tenant of a store-key session (null: the operator). */
  scopedTenantId: string | null;
  tenants: TenantView[];
  tenantId: string | null;
  poll: ReturnType<typeof setInterval> | null;
  /** Event-log rows whose details are open. */
  expanded: Set<string>;
}
export const state: DashboardState = { csrf: null, scopedTenantId: null, tenants: [], tenantId: localStorage.getItem('capi-relay.tenant'), poll: null, expanded: new Set() };

export const say = (msg: string): void => { announce.textContent = msg; };

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}

/** Any thrown value as an ApiError (status 0 when it did not come from the relay's answer). */
export function apiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, 'error', err instanceof Error ? err.message : String(err));
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The code of an ApiError when no answer came (the relay or the network is down). */
export const UNREACHABLE = 'unreachable';
/** How often a page that could not reach the relay tries again. */
const RETRY_MS = 5000;

/** Calls the relay; answers the parsed JSON body, throws ApiError on an error answer. */
export async function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['x-csrf-token'] = state.csrf;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? null : JSON.stringify(body) });
  } catch {
    // fetch rejects only when no answer came at all: the relay is down or the network is.
    throw new ApiError(0, UNREACHABLE, 'Cannot reach the relay: it may be restarting, or the network is down. Retrying…');
  }
  const data = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (res.status === 401 && !path.startsWith('/dashboard/')) { showLogin('Your session ended; sign in again.'); throw new ApiError(401, 'unauthorized', 'signed out'); }
  if (!res.ok) throw new ApiError(res.status, data.error ? data.error.code : 'error', data.error ? storeWords(data.error.message) : `HTTP ${res.status}`);
  return data as T;
}

export function stopPolling(): void { if (state.poll) { clearInterval(state.poll); state.poll = null; } }
export function setView(title: string, ...content: Child[]): void {
  main.replaceChildren(h('h1', { tabindex: '-1' }, title), ...nodes(content));
  document.title = `${title} – capi-relay`;
}
export function currentTenant(): TenantView | null { return state.tenants.find((t) => t.id === state.tenantId) ?? null; }
function showCurrent(): void { const t = currentTenant(); currentLabel.textContent = t ? `Store: ${t.name}` : 'No store selected'; }

interface SessionAnswer { csrfToken: string; expiresAt: number; tenantId: string | null }

function showLogin(message: string): void {
  stopPolling();
  state.csrf = null;
  for (const fn of pageChangeListeners) fn();
  nav.hidden = true; logoutBtn.hidden = true; currentLabel.textContent = '';
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error' }, message);
  const input = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'login-hint login-error' });
  const form = h('form', { class: 'card login', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await api<SessionAnswer>('POST', '/dashboard/login', { password: input.value });
      state.csrf = r.csrfToken; state.scopedTenantId = r.tenantId;
      await start();
    } catch (err) {
      // A 401 is a wrong password; dashboard_off says why no password can work (no adminPassword or adminToken set).
      const e2 = apiError(err);
      error.textContent = e2.code === 'unauthorized' ? 'Wrong password.' : e2.message;
      input.focus();
    }
  } }, h('h1', {}, 'Sign in'), h('div', { class: 'field' }, h('label', { for: 'password' }, 'Admin password or store key'), input,
    h('p', { class: 'hint', id: 'login-hint' }, 'Operators use the admin password; a store owner can use the store\'s ingest key (cr_ingest_…) to see only that store.')),
    error, h('button', { type: 'submit' }, 'Sign in'));
  main.replaceChildren(form);
  document.title = 'Sign in – capi-relay';
  input.focus();
}

/** Signs the page in with a session's answer (the sign-in form, or a new key on the configuration page). */
export function useSession(s: SessionAnswer): void { state.csrf = s.csrfToken; state.scopedTenantId = s.tenantId; }

async function start(): Promise<void> {
  nav.hidden = false; logoutBtn.hidden = false;
  state.tenants = (await api<TenantList>('GET', '/api/v1/tenants')).tenants;
  // A store-key session sees one tenant: make it current whatever the browser remembered.
  if (state.scopedTenantId) state.tenantId = state.scopedTenantId;
  if (!currentTenant()) state.tenantId = state.tenants[0]?.id ?? null;
  showCurrent();
  // The store's overview first; without a store, the Stores page to add or choose one.
  if (!location.hash || location.hash === '#/') location.hash = currentTenant() && views.has('overview') ? '#/overview' : '#/tenants'; else await route();
}

export interface ViewParams { path: string[]; query: Record<string, string> }
export type Render = (params: ViewParams) => Promise<void> | void;

// Views by hash prefix, in registration order (which is also nav order).
const views = new Map<string, Render>();
let booted = false;

/** Adds a page reached at #/<hashPrefix> and its link in the header nav (first with `first`); render(params) draws it via setView. */
export function registerView(hashPrefix: string, navLabel: string | null, render: Render, opts: { first?: boolean } = {}): void {
  const prefix = hashPrefix.replace(/^#?\/?/, '');
  views.set(prefix, render);
  if (navLabel) { const link = h('a', { href: `#/${prefix}` }, navLabel); if (opts.first) nav.prepend(link); else nav.append(link); }
  // A module that loads after the first route still gets its page drawn when the hash already names it.
  if (booted && parseHash().prefix === prefix) void route();
}

function parseHash(): ViewParams & { prefix: string } {
  const raw = location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const segments = (q < 0 ? raw : raw.slice(0, q)).split('/').filter(Boolean).map(decodeURIComponent);
  const query = Object.fromEntries(new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)));
  return { prefix: segments[0] ?? '', path: segments.slice(1), query };
}

export function navigate(hash: string): void { if (location.hash === hash) void route(); else location.hash = hash; }

const pageChangeListeners: (() => void)[] = [];
/** Calls fn on every route change and on sign-out (it reads `state.csrf` to tell them apart), e.g. to re-check alerts. */
export function onPageChange(fn: () => void): void { pageChangeListeners.push(fn); }

async function route(): Promise<void> {
  if (!state.csrf) return;
  stopPolling();
  for (const fn of pageChangeListeners) fn();
  const { prefix, path, query } = parseHash();
  const found = views.has(prefix) ? prefix : 'tenants';
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === `#/${found}`) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const render = views.get(found);
  try { if (render) await render({ path, query }); } catch (err) {
    const e = apiError(err);
    if (e.code === UNREACHABLE) {
      // The page draws itself again once the relay answers: no reload needed.
      setView('Cannot reach the relay', h('p', { class: 'error', role: 'alert' }, e.message), h('p', { class: 'hint' }, `Trying again every ${RETRY_MS / 1000} s.`));
      stopPolling();
      state.poll = setInterval(() => void route(), RETRY_MS);
    } else if (e.status !== 401) setView('Error', h('p', { class: 'error', role: 'alert' }, e.message));
  }
  const heading = main.querySelector('h1');
  if (heading && document.activeElement === document.body) heading.focus();
}

/** Makes a store the current one (remembered in the browser) and says so. */
export function useTenant(id: string): void {
  state.tenantId = id;
  localStorage.setItem('capi-relay.tenant', id);
  showCurrent();
  say(`Current store: ${currentTenant()?.name ?? ''}`);
}

async function tenantsView(): Promise<void> {
  state.tenants = (await api<TenantList>('GET', '/api/v1/tenants')).tenants;
  showCurrent();
  const keys = h('div', { id: 'new-keys' });
  const rows = state.tenants.map((t) => h('tr', {},
    h('td', {}, t.name), h('td', {}, statusChip(t.status)), h('td', { class: 'opt' }, h('code', {}, t.id)),
    h('td', {}, t.id === state.tenantId ? h('strong', {}, 'Current') : h('button', { type: 'button', class: 'secondary', 'aria-label': `Use store ${t.name}`, onclick: () => { useTenant(t.id); void tenantsView(); } }, 'Use'))));
  const list = state.tenants.length
    ? table('Stores', ['Name', 'Status', 'ID', 'Current'], rows, [2])
    : h('p', {}, 'No stores yet: add the first one below.');
  const name = h('input', { id: 'tenant-name', name: 'name', required: true, maxlength: 200 });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const t = { ...(await api<CreatedTenant>('POST', '/api/v1/tenants', { name: name.value })), name: name.value };
      useTenant(t.id);
      await tenantsView();
      byId('new-keys').replaceChildren(h('div', { class: 'notice', role: 'status' },
        h('p', {}, h('strong', {}, `Store "${t.name}" added. `), 'Copy its keys now: they are shown only once.'),
        h('dl', {}, h('dt', {}, 'Ingest key (server to server)'), h('dd', {}, shownKey('ingest-key', t.ingestKey, 'Copy the ingest key')),
          h('dt', {}, 'Publishable key (browser)'), h('dd', {}, shownKey('publishable-key', t.publishableKey, 'Copy the publishable key'))),
        h('p', {}, 'Next: the ', h('a', { href: '#/config/setup' }, 'setup checklist'), ' of this store.')));
    } catch (err) { error.textContent = apiError(err).message; }
  } }, h('h2', {}, 'Add a store'), h('div', { class: 'field' }, h('label', { for: 'tenant-name' }, 'Store name'), name), error, h('button', { type: 'submit' }, 'Add store'));
  // Creating tenants is for operators; a store-key session only sees its own store.
  setView('Stores', keys, list, state.scopedTenantId ? h('p', { class: 'hint' }, 'Signed in with this store\'s key: you see only this store.') : form);
}

/** A key shown once, with its Copy button. */
function shownKey(testId: string, key: string, label: string): Child[] {
  const code = h('code', { 'data-testid': testId }, key);
  return [code, ' ', copyButton(code, label)];
}

/** A "Copy" button for the text of source, an element or a (read-only) input (clipboard where allowed, else the text is selected for Ctrl+C). */
export function copyButton(source: HTMLElement, label: string): HTMLButtonElement {
  const btn = h('button', { type: 'button', class: 'secondary copy', 'aria-label': label }, 'Copy');
  btn.addEventListener('click', async () => {
    const field = source instanceof HTMLInputElement || source instanceof HTMLTextAreaElement ? source : null;
    const text = field ? field.value : source.textContent ?? '';
    try { await navigator.clipboard.writeText(text); say('Copied'); btn.textContent = 'Copied'; }
    catch {
      if (field) { field.focus(); field.select(); }
      else { const range = document.createRange(); range.selectNodeContents(source); const sel = getSelection(); sel?.removeAllRanges(); sel?.addRange(range); }
      say('Selected: press Ctrl+C to copy');
    }
    setTimeout(() => { btn.textContent = 'Copy'; }, 2000);
  });
  return btn;
}

/** The current tenant, or null after drawing a page that says to choose one first. */
export function tenantOrNotice(): TenantView | null {
  const t = currentTenant();
  if (t) return t;
  setView('No store selected', h('p', {}, 'Add or choose a store on the ', h('a', { href: '#/tenants' }, 'Stores'), ' page first.'));
  return null;
}

/** A page of the current tenant: without one it says to choose one first. */
export function forTenant(render: (t: TenantView, params: ViewParams) => Promise<void> | void): Render {
  return (params) => { const t = tenantOrNotice(); return t ? render(t, params) : undefined; };
}

registerView('tenants', 'Stores', tenantsView);

logoutBtn.addEventListener('click', async () => {
  try { await api('POST', '/dashboard/logout'); } catch { /* signed out either way */ }
  showLogin('Signed out.');
});

async function boot(): Promise<void> {
  booted = true;
  window.addEventListener('hashchange', () => void route());
  try {
    useSession(await api<SessionAnswer>('GET', '/dashboard/session'));
  } catch { showLogin(''); return; }
  await start();
}
// Module scripts run before DOMContentLoaded, so by then every page module has called registerView.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void boot()); else setTimeout(() => void boot(), 0);
