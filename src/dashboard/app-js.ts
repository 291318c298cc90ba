/**
 * The dashboard's client core (a plain ES module, no build step). It only talks to the admin API and
 * /dashboard/*; the session cookie authenticates and the CSRF token goes in X-CSRF-Token on writes.
 * DOM is built with textContent only, so data from the store can never become markup.
 *
 * Other client modules plug in through its exports (see docs/dashboard.md, "Adding a page"):
 *   import { h, api, say, time, statusChip, setView, stopPolling, currentTenant, state, registerView } from '/dashboard/app.js';
 *   registerView('match-quality', 'Match quality', async (params) => { setView('Match quality', ...); });
 * A view is reached at `#/<hashPrefix>` or `#/<hashPrefix>/<more>?<query>`; render gets
 * params = { path: ['<more>', …], query: { key: 'value' } }. Routing waits for DOMContentLoaded, so
 * every module script on the page has registered its views before the first route.
 */
export const DASHBOARD_JS = String.raw`
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const logoutBtn = document.getElementById('logout');
const currentLabel = document.getElementById('current-tenant');
const announce = document.getElementById('announce');
export const state = { csrf: null, scopedTenantId: null, tenants: [], tenantId: localStorage.getItem('capi-relay.tenant'), poll: null, expanded: new Set() };

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}
export const say = (msg) => { announce.textContent = msg; };
export const time = (ms) => new Date(ms).toLocaleString();
export const statusChip = (s, label) => h('span', { class: 'status ' + s }, label || s);
/** "1 event", "3 events". */
export const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);
/** A pixel row id as people know it (the Meta pixel id), from a tenant's pixel list. */
export const pixelNameIn = (pixels, rowId) => { const p = pixels.find((x) => x.id === rowId); return p ? p.pixelId : rowId; };

export class ApiError extends Error { constructor(status, code, message) { super(message); this.status = status; this.code = code; } }

export async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['x-csrf-token'] = state.csrf;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && !path.startsWith('/dashboard/')) { showLogin('Your session ended; sign in again.'); throw new ApiError(401, 'unauthorized', 'signed out'); }
  if (!res.ok) throw new ApiError(res.status, data.error ? data.error.code : 'error', data.error ? data.error.message : 'HTTP ' + res.status);
  return data;
}

export function stopPolling() { if (state.poll) { clearInterval(state.poll); state.poll = null; } }
export function setView(title, ...content) {
  main.replaceChildren(h('h1', { tabindex: '-1' }, title), ...content);
  document.title = title + ' – capi-relay';
}
export function currentTenant() { return state.tenants.find((t) => t.id === state.tenantId) || null; }
function showCurrent() { const t = currentTenant(); currentLabel.textContent = t ? 'Tenant: ' + t.name : 'No tenant selected'; }

function showLogin(message) {
  stopPolling();
  state.csrf = null;
  nav.hidden = true; logoutBtn.hidden = true; currentLabel.textContent = '';
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error' }, message || '');
  const input = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'login-hint login-error' });
  const form = h('form', { class: 'card login', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await api('POST', '/dashboard/login', { password: input.value });
      state.csrf = r.csrfToken; state.scopedTenantId = r.tenantId;
      await start();
    } catch (err) { error.textContent = err.status === 401 ? 'Wrong password.' : err.message; input.focus(); }
  } }, h('h1', {}, 'Sign in'), h('div', { class: 'field' }, h('label', { for: 'password' }, 'Admin password or store key'), input,
    h('p', { class: 'hint', id: 'login-hint' }, 'Operators use the admin password; a store owner can use the store\'s ingest key (cr_ingest_…) to see only that store.')),
    error, h('button', { type: 'submit' }, 'Sign in'));
  main.replaceChildren(form);
  document.title = 'Sign in – capi-relay';
  input.focus();
}

async function start() {
  nav.hidden = false; logoutBtn.hidden = false;
  state.tenants = (await api('GET', '/api/v1/tenants')).tenants;
  // A store-key session sees one tenant: make it current whatever the browser remembered.
  if (state.scopedTenantId) state.tenantId = state.scopedTenantId;
  if (!currentTenant()) state.tenantId = state.tenants.length ? state.tenants[0].id : null;
  showCurrent();
  if (!location.hash || location.hash === '#/') location.hash = '#/tenants'; else await route();
}

// Views by hash prefix, in registration order (which is also nav order).
const views = new Map();
let booted = false;

/** Adds a page reached at #/<hashPrefix> and its link in the header nav; render(params) draws it via setView. */
export function registerView(hashPrefix, navLabel, render) {
  const prefix = String(hashPrefix).replace(/^#?\/?/, '');
  views.set(prefix, render);
  if (navLabel) nav.append(h('a', { href: '#/' + prefix }, navLabel));
  // A module that loads after the first route still gets its page drawn when the hash already names it.
  if (booted && parseHash().prefix === prefix) void route();
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const segments = (q < 0 ? raw : raw.slice(0, q)).split('/').filter(Boolean).map(decodeURIComponent);
  const query = Object.fromEntries(new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)));
  return { prefix: segments[0] || '', path: segments.slice(1), query };
}

export function navigate(hash) { if (location.hash === hash) void route(); else location.hash = hash; }

async function route() {
  if (!state.csrf) return;
  stopPolling();
  const { prefix, path, query } = parseHash();
  const found = views.has(prefix) ? prefix : 'tenants';
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === '#/' + found) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  try { await views.get(found)({ path, query }); } catch (err) { if (err.status !== 401) setView('Error', h('p', { class: 'error', role: 'alert' }, err.message)); }
  const heading = main.querySelector('h1');
  if (heading && document.activeElement === document.body) heading.focus();
}

function useTenant(id) {
  state.tenantId = id;
  localStorage.setItem('capi-relay.tenant', id);
  showCurrent();
  say('Current tenant: ' + (currentTenant() || {}).name);
}

async function tenantsView() {
  state.tenants = (await api('GET', '/api/v1/tenants')).tenants;
  showCurrent();
  const keys = h('div', { id: 'new-keys' });
  const rows = state.tenants.map((t) => h('tr', {},
    h('td', {}, t.name), h('td', {}, statusChip(t.status)), h('td', { class: 'opt' }, h('code', {}, t.id)),
    h('td', {}, t.id === state.tenantId ? h('strong', {}, 'Current') : h('button', { type: 'button', class: 'secondary', 'aria-label': 'Use tenant ' + t.name, onclick: () => { useTenant(t.id); void tenantsView(); } }, 'Use'))));
  const table = state.tenants.length
    ? h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'visually-hidden' }, 'Tenants'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col', class: 'opt' }, 'ID'), h('th', { scope: 'col' }, 'Current'))),
        h('tbody', {}, rows)))
    : h('p', {}, 'No tenants yet: create the first one below.');
  const name = h('input', { id: 'tenant-name', name: 'name', required: true, maxlength: 200 });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const t = { ...(await api('POST', '/api/v1/tenants', { name: name.value })), name: name.value };
      useTenant(t.id);
      await tenantsView();
      document.getElementById('new-keys').replaceChildren(h('div', { class: 'notice', role: 'status' },
        h('p', {}, h('strong', {}, 'Tenant "' + t.name + '" created. '), 'Copy its keys now: they are shown only once.'),
        h('dl', {}, h('dt', {}, 'Ingest key (server to server)'), h('dd', {}, h('code', { 'data-testid': 'ingest-key' }, t.ingestKey)),
          h('dt', {}, 'Publishable key (browser)'), h('dd', {}, h('code', { 'data-testid': 'publishable-key' }, t.publishableKey)))));
    } catch (err) { error.textContent = err.message; }
  } }, h('h2', {}, 'Create a tenant'), h('div', { class: 'field' }, h('label', { for: 'tenant-name' }, 'Store name'), name), error, h('button', { type: 'submit' }, 'Create tenant'));
  // Creating tenants is for operators; a store-key session only sees its own store.
  setView('Tenants', keys, table, state.scopedTenantId ? h('p', { class: 'hint' }, 'Signed in with this store\'s key: you see only this store.') : form);
}

/** A "Copy" button for the text of source, an element or a (read-only) input (clipboard where allowed, else the text is selected for Ctrl+C). */
export function copyButton(source, label) {
  const btn = h('button', { type: 'button', class: 'secondary copy', 'aria-label': label }, 'Copy');
  const isField = source instanceof HTMLInputElement || source instanceof HTMLTextAreaElement;
  btn.addEventListener('click', async () => {
    const text = isField ? source.value : source.textContent;
    try { await navigator.clipboard.writeText(text); say('Copied'); btn.textContent = 'Copied'; }
    catch {
      if (isField) { source.focus(); source.select(); }
      else { const range = document.createRange(); range.selectNodeContents(source); const sel = getSelection(); sel.removeAllRanges(); sel.addRange(range); }
      say('Selected: press Ctrl+C to copy');
    }
    setTimeout(() => { btn.textContent = 'Copy'; }, 2000);
  });
  return btn;
}

/** A table with a hidden caption and column headers; opt lists the column indexes hidden on phones. */
export function table(caption, columns, rows, opt = []) {
  return h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map((c, i) => h('th', { scope: 'col', class: opt.includes(i) ? 'opt' : null }, c)))),
    h('tbody', {}, rows)));
}

export function needTenant() {
  if (currentTenant()) return false;
  setView('No tenant selected', h('p', {}, 'Create or choose a tenant on the ', h('a', { href: '#/tenants' }, 'Tenants'), ' page first.'));
  return true;
}

registerView('tenants', 'Tenants', tenantsView);

logoutBtn.addEventListener('click', async () => {
  try { await api('POST', '/dashboard/logout'); } catch { /* signed out either way */ }
  showLogin('Signed out.');
});

async function boot() {
  booted = true;
  window.addEventListener('hashchange', () => void route());
  try {
    const s = await api('GET', '/dashboard/session');
    state.csrf = s.csrfToken; state.scopedTenantId = s.tenantId;
  } catch { showLogin(''); return; }
  await start();
}
// Module scripts run before DOMContentLoaded, so by then every page module has called registerView.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void boot()); else setTimeout(() => void boot(), 0);
`;
