/**
 * The dashboard's client script (a plain ES module, no build step). It only talks to the admin API and
 * /dashboard/*; the session cookie authenticates and the CSRF token goes in X-CSRF-Token on writes.
 * DOM is built with textContent only, so data from the store can never become markup.
 */
export const DASHBOARD_JS = String.raw`
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const logoutBtn = document.getElementById('logout');
const currentLabel = document.getElementById('current-tenant');
const announce = document.getElementById('announce');
const state = { csrf: null, tenants: [], tenantId: localStorage.getItem('capi-relay.tenant'), poll: null, expanded: new Set() };

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}
const say = (msg) => { announce.textContent = msg; };
const time = (ms) => new Date(ms).toLocaleString();
const statusChip = (s, label) => h('span', { class: 'status ' + s }, label || s);

class ApiError extends Error { constructor(status, code, message) { super(message); this.status = status; this.code = code; } }

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['x-csrf-token'] = state.csrf;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && !path.startsWith('/dashboard/')) { showLogin('Your session ended; sign in again.'); throw new ApiError(401, 'unauthorized', 'signed out'); }
  if (!res.ok) throw new ApiError(res.status, data.error ? data.error.code : 'error', data.error ? data.error.message : 'HTTP ' + res.status);
  return data;
}

function stopPolling() { if (state.poll) { clearInterval(state.poll); state.poll = null; } }
function setView(title, ...content) {
  main.replaceChildren(h('h1', { tabindex: '-1' }, title), ...content);
  document.title = title + ' – capi-relay';
}
function currentTenant() { return state.tenants.find((t) => t.id === state.tenantId) || null; }
function showCurrent() { const t = currentTenant(); currentLabel.textContent = t ? 'Tenant: ' + t.name : 'No tenant selected'; }

function showLogin(message) {
  stopPolling();
  state.csrf = null;
  nav.hidden = true; logoutBtn.hidden = true; currentLabel.textContent = '';
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error' }, message || '');
  const input = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'login-error' });
  const form = h('form', { class: 'card login', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await api('POST', '/dashboard/login', { password: input.value });
      state.csrf = r.csrfToken;
      await start();
    } catch (err) { error.textContent = err.status === 401 ? 'Wrong password.' : err.message; input.focus(); }
  } }, h('h1', {}, 'Sign in'), h('div', { class: 'field' }, h('label', { for: 'password' }, 'Admin password'), input), error, h('button', { type: 'submit' }, 'Sign in'));
  main.replaceChildren(form);
  document.title = 'Sign in – capi-relay';
  input.focus();
}

async function start() {
  nav.hidden = false; logoutBtn.hidden = false;
  state.tenants = (await api('GET', '/api/v1/tenants')).tenants;
  if (!currentTenant()) state.tenantId = state.tenants.length ? state.tenants[0].id : null;
  showCurrent();
  if (!location.hash || location.hash === '#/') location.hash = '#/tenants'; else await route();
}

async function route() {
  if (!state.csrf) return;
  stopPolling();
  const page = location.hash.replace('#/', '') || 'tenants';
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === '#/' + page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const views = { tenants: tenantsView, config: configView, events: eventsView };
  try { await (views[page] || tenantsView)(); } catch (err) { if (err.status !== 401) setView('Error', h('p', { class: 'error', role: 'alert' }, err.message)); }
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
  setView('Tenants', keys, table, form);
}

function needTenant() {
  if (currentTenant()) return false;
  setView('No tenant selected', h('p', {}, 'Create or choose a tenant on the ', h('a', { href: '#/tenants' }, 'Tenants'), ' page first.'));
  return true;
}

async function configView() {
  if (needTenant()) return;
  const t = currentTenant();
  const pixels = (await api('GET', '/api/v1/tenants/' + t.id + '/pixels')).pixels;
  const rows = pixels.map((p) => {
    const out = h('output', { 'aria-live': 'polite', id: 'test-' + p.id });
    const btn = h('button', { type: 'button', class: 'secondary', 'aria-label': 'Test connection for pixel ' + p.pixelId, onclick: async () => {
      btn.disabled = true; out.className = ''; out.textContent = 'Asking Meta…';
      try {
        const r = await api('POST', '/api/v1/pixels/' + p.id + '/test-connection');
        out.className = r.ok ? 'result-ok' : 'result-bad';
        out.textContent = r.ok ? r.message : r.problem + ' problem: ' + r.message;
      } catch (err) { out.className = 'result-bad'; out.textContent = err.message; }
      btn.disabled = false;
    } }, 'Test connection');
    return h('tr', { 'data-pixel': p.pixelId }, h('td', {}, h('code', {}, p.pixelId)), h('td', {}, statusChip(p.status), p.pauseReason ? h('span', { class: 'hint' }, ' ' + p.pauseReason) : null),
      h('td', { class: 'opt' }, p.testEventCode || '—'), h('td', {}, btn, ' ', out));
  });
  const table = pixels.length
    ? h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'visually-hidden' }, 'Pixels'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Pixel ID'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col', class: 'opt' }, 'Test event code'), h('th', { scope: 'col' }, 'Connection'))),
        h('tbody', {}, rows)))
    : h('p', {}, 'No pixels yet: events are stored but sent nowhere until you add one.');
  const pixelId = h('input', { id: 'pixel-id', name: 'pixelId', required: true, inputmode: 'numeric', pattern: '[0-9]{5,20}', autocomplete: 'off' });
  const token = h('input', { id: 'pixel-token', name: 'accessToken', type: 'password', required: true, minlength: 10, autocomplete: 'off', 'aria-describedby': 'token-hint' });
  const code = h('input', { id: 'pixel-test-code', name: 'testEventCode', maxlength: 64, autocomplete: 'off' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    const body = { pixelId: pixelId.value.trim(), accessToken: token.value };
    if (code.value.trim()) body.testEventCode = code.value.trim();
    try { await api('POST', '/api/v1/tenants/' + t.id + '/pixels', body); say('Pixel ' + body.pixelId + ' added'); await configView(); }
    catch (err) { error.textContent = err.message; }
  } }, h('h2', {}, 'Add a pixel'),
    h('div', { class: 'field' }, h('label', { for: 'pixel-id' }, 'Pixel (dataset) ID'), pixelId),
    h('div', { class: 'field' }, h('label', { for: 'pixel-token' }, 'Conversions API access token'), token, h('p', { class: 'hint', id: 'token-hint' }, 'Stored encrypted and never shown again.')),
    h('div', { class: 'field' }, h('label', { for: 'pixel-test-code' }, 'Test event code ', h('span', { class: 'hint' }, '(optional)')), code),
    error, h('button', { type: 'submit' }, 'Add pixel'));
  setView('Configuration: ' + t.name, h('h2', {}, 'Pixels'), table, form);
}

async function eventsView() {
  if (needTenant()) return;
  const t = currentTenant();
  const pixels = (await api('GET', '/api/v1/tenants/' + t.id + '/pixels')).pixels;
  const pixelName = (rowId) => { const p = pixels.find((x) => x.id === rowId); return p ? p.pixelId : rowId; };
  const f = { name: h('input', { id: 'f-name', name: 'event_name', placeholder: 'Purchase' }),
    status: h('select', { id: 'f-status', name: 'status' }, ['', 'queued', 'sending', 'sent', 'failed', 'dead', 'dropped', 'skipped'].map((s) => h('option', { value: s }, s || 'any'))),
    source: h('input', { id: 'f-source', name: 'source', list: 'sources', placeholder: 'api' }) };
  const live = h('input', { id: 'live', type: 'checkbox', checked: true });
  const liveNote = h('span', { class: 'live', 'aria-live': 'off' });
  const tbody = h('tbody', {});
  const error = h('p', { class: 'error', role: 'alert' });

  async function details(ev, cell) {
    const d = await api('GET', '/api/v1/tenants/' + t.id + '/events/' + ev.id);
    cell.replaceChildren(h('dl', {}, h('dt', {}, 'Event ID'), h('dd', {}, h('code', {}, d.eventId)), h('dt', {}, 'Received'), h('dd', {}, time(d.receivedAt)),
      d.dropCode ? [h('dt', {}, 'Drop reason'), h('dd', {}, d.dropCode + ': ' + (d.dropMessage || ''))] : null),
      h('h3', {}, 'Delivery history'),
      d.history.length ? h('ol', {}, d.history.map((x) => h('li', {}, time(x.at) + ' — pixel ' + pixelName(x.pixelRowId) + ': ', statusChip(x.status), x.detail ? h('code', {}, x.detail) : null)))
        : h('p', {}, 'No delivery attempts.'));
  }

  async function refresh() {
    const q = new URLSearchParams({ limit: '50' });
    if (f.name.value.trim()) q.set('event_name', f.name.value.trim());
    if (f.status.value) q.set('status', f.status.value);
    if (f.source.value.trim()) q.set('source', f.source.value.trim());
    try {
      const page = await api('GET', '/api/v1/tenants/' + t.id + '/events?' + q);
      error.textContent = '';
      const rows = [];
      for (const ev of page.items) {
        const open = state.expanded.has(ev.id);
        const toggle = h('button', { type: 'button', class: 'secondary', 'aria-expanded': String(open), 'aria-label': (open ? 'Hide' : 'Show') + ' history of ' + ev.eventName + ' ' + (ev.orderId || ev.eventId),
          onclick: () => { if (open) state.expanded.delete(ev.id); else state.expanded.add(ev.id); void refresh(); } }, open ? 'Hide' : 'Details');
        const statuses = ev.deliveries.length ? ev.deliveries.map((d) => statusChip(d.status, pixelName(d.pixelRowId) + ': ' + d.status)) : [statusChip(ev.status)];
        rows.push(h('tr', { 'data-event': ev.id }, h('td', { class: 'opt' }, time(ev.receivedAt)), h('td', {}, ev.eventName), h('td', {}, ev.orderId || '—'), h('td', { class: 'opt' }, ev.source), h('td', {}, statuses, ev.dropCode ? h('span', { class: 'hint' }, ' ' + ev.dropCode) : null), h('td', {}, toggle)));
        if (open) { const cell = h('td', { colspan: 6 }, 'Loading…'); rows.push(h('tr', { class: 'details' }, cell)); await details(ev, cell); }
      }
      tbody.replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 6 }, 'No events match.'))]));
      liveNote.textContent = '· updated ' + new Date().toLocaleTimeString();
    } catch (err) { if (err.status !== 401) error.textContent = err.message; }
  }

  const filters = h('form', { class: 'card', role: 'search', onsubmit: (e) => { e.preventDefault(); void refresh(); }, onchange: () => void refresh() },
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'f-name' }, 'Event name'), f.name),
      h('div', { class: 'field' }, h('label', { for: 'f-status' }, 'Status'), f.status),
      h('div', { class: 'field' }, h('label', { for: 'f-source' }, 'Source'), f.source, h('datalist', { id: 'sources' }, ['api', 'browser', 'csv', 'webhook'].map((s) => h('option', { value: s })))),
      h('button', { type: 'submit' }, 'Filter')),
    h('p', {}, h('label', { for: 'live', class: 'live' }, live, ' Live refresh every 3 s '), liveNote));
  const table = h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'visually-hidden' }, 'Events, newest first'),
    h('thead', {}, h('tr', {}, ['Received', 'Event', 'Order', 'Source', 'Status per pixel', 'History'].map((c, i) => h('th', { scope: 'col', class: i === 0 || i === 3 ? 'opt' : null }, c)))), tbody));
  setView('Event log: ' + t.name, filters, error, table);
  await refresh();
  state.poll = setInterval(() => { if (live.checked && !document.hidden) void refresh(); }, 3000);
}

logoutBtn.addEventListener('click', async () => {
  try { await api('POST', '/dashboard/logout'); } catch { /* signed out either way */ }
  showLogin('Signed out.');
});
window.addEventListener('hashchange', () => void route());

try {
  const s = await api('GET', '/dashboard/session');
  state.csrf = s.csrfToken;
  await start();
} catch { showLogin(''); }
`;
