/**
 * The dashboard's event pages (served at /dashboard/events.js): "Simulate events", which sends sample
 * events to Meta's Test Events and shows Meta's answer, and the live event log with its filters, per-pixel
 * status, history, retry of dead deliveries and "Clear the log".
 */
import { SIMULATED_EVENT_NAMES } from './simulated-events.js';

export const EVENTS_JS = String.raw`
import { h, api, say, time, statusChip, setView, currentTenant, needTenant, registerView, state, table, plural, pixelNameIn } from '/dashboard/app.js';

// The names the simulate route accepts, written in from its own list.
const SIMULATED = ${JSON.stringify(SIMULATED_EVENT_NAMES)};
// Rows per request; a live refresh that finds more than a page of new events fetches up to GAP_PAGES more to join the older rows.
const PAGE = 50;
const GAP_PAGES = 10;
// What a person reads for each delivery status ("failed" is a retry that is already scheduled).
const LABEL = { queued: 'queued', sending: 'sending', sent: 'sent', failed: 'error, retrying', dropped: 'dropped', dead: 'dead', skipped: 'skipped', paused: 'paused', done: 'done' };
// An event kept back (stored dropped by consent or a gate, or skipped by a switch or for want of a pixel) was
// answered "skipped" with its code: the log says the same. A delivery's "dropped" (too old when due) stays.
const EVENT_LABEL = Object.assign({}, LABEL, { dropped: 'skipped (policy)', skipped: 'skipped' });
const FILTER_LABEL = { dropped: 'skipped: consent or gate, or dropped too old', skipped: 'skipped: switch, forwarding or no pixel' };

async function simulateView() {
  if (needTenant()) return;
  const t = currentTenant();
  const { pixels } = await api('GET', '/api/v1/tenants/' + t.id + '/pixels');
  if (!pixels.length) { setView('Simulate events: ' + t.name, h('p', {}, 'Add a pixel on the ', h('a', { href: '#/config' }, 'Configuration'), ' page first.')); return; }
  const preferred = pixels.find((p) => p.testEventCode && p.status === 'active') || pixels[0];
  const pick = h('select', { id: 'sim-pixel' }, pixels.map((p) => h('option', { value: p.id, selected: p === preferred },
    p.pixelId + ' (' + p.role + ', ' + (p.testEventCode ? 'test code ' + p.testEventCode : 'no test code') + ')')));
  const result = h('div', { id: 'sim-result', 'aria-live': 'polite' });
  const buttons = SIMULATED.map((name) => h('button', { type: 'button', 'data-event': name, onclick: async (e) => {
    const btn = e.currentTarget;
    for (const b of buttons) b.disabled = true;
    result.replaceChildren(h('p', {}, 'Sending a simulated ' + name + ' to Meta\'s Test Events…'));
    try {
      const r = await api('POST', '/api/v1/pixels/' + pick.value + '/simulate', { eventName: name });
      const ok = r.status === 'sent';
      result.replaceChildren(h('section', { class: 'card ' + (ok ? 'answer-ok' : 'answer-bad'), 'aria-label': 'Meta\'s answer' },
        h('h2', {}, name + ': ', statusChip(r.status, EVENT_LABEL[r.status] || r.status)),
        h('dl', {},
          h('dt', {}, 'Meta\'s answer'), h('dd', { 'data-testid': 'sim-message' }, r.message || r.code || '—'),
          h('dt', {}, 'fbtrace_id'), h('dd', {}, h('code', {}, r.fbtraceId || '—')),
          h('dt', {}, 'events_received'), h('dd', { 'data-testid': 'sim-events-received' }, r.eventsReceived == null ? '—' : String(r.eventsReceived)),
          h('dt', {}, 'Test event code'), h('dd', {}, h('code', {}, r.testEventCode)),
          h('dt', {}, 'event_id'), h('dd', {}, h('code', {}, r.eventId))),
        h('p', {}, h('a', { href: '#/events' }, 'See it in the event log'), ' · in Events Manager, open Test Events to see it arrive.')));
      say(name + ': ' + r.status);
    } catch (err) {
      result.replaceChildren(h('p', { class: 'error', role: 'alert' }, err.message));
    }
    for (const b of buttons) b.disabled = false;
    btn.focus();
  } }, name));
  setView('Simulate events: ' + t.name,
    h('p', {}, 'Each button sends one realistic sample event (a test customer on example.com) through the relay to Meta\'s Test Events, with the pixel\'s Test Event Code. Simulated events never go out without that code and are never mixed with live traffic.'),
    h('div', { class: 'field' }, h('label', { for: 'sim-pixel' }, 'Pixel'), pick),
    h('div', { class: 'buttons', role: 'group', 'aria-label': 'Event types' }, buttons),
    result);
}

function channelChips(channels) {
  return channels.map((c) => h('span', { class: 'channel ' + (c === 'browser' ? 'browser' : 'server'), title: c }, c === 'browser' ? 'browser' : 'server' + (c.includes(':') ? ' (' + c.split(':')[1] + ')' : c === 'api' ? ' (api)' : c === 'simulate' ? ' (simulated)' : '')));
}

async function eventsView() {
  if (needTenant()) return;
  const t = currentTenant();
  const pixels = (await api('GET', '/api/v1/tenants/' + t.id + '/pixels')).pixels;
  const pixelName = (rowId) => pixelNameIn(pixels, rowId);
  const f = { name: h('input', { id: 'f-name', name: 'event_name', placeholder: 'Purchase' }),
    status: h('select', { id: 'f-status', name: 'status' }, ['', 'queued', 'sending', 'sent', 'failed', 'dead', 'dropped', 'skipped'].map((s) => h('option', { value: s }, s ? FILTER_LABEL[s] || LABEL[s] : 'any'))),
    source: h('input', { id: 'f-source', name: 'source', list: 'sources', placeholder: 'api' }),
    since: h('input', { id: 'f-since', name: 'since', type: 'datetime-local' }),
    until: h('input', { id: 'f-until', name: 'until', type: 'datetime-local' }) };
  const live = h('input', { id: 'live', type: 'checkbox', checked: true });
  const liveNote = h('span', { class: 'live', 'aria-live': 'off' });
  const tbody = h('tbody', {});
  const error = h('p', { class: 'error', role: 'alert' });
  const cleared = h('p', { class: 'hint' });

  async function details(ev, cell) {
    const d = await api('GET', '/api/v1/tenants/' + t.id + '/events/' + ev.id);
    const dead = ev.deliveries.some((x) => x.status === 'dead');
    const out = h('span', { role: 'status' });
    const retry = dead ? h('button', { type: 'button', 'data-key': 'retry-' + ev.id, onclick: async () => {
      try { const r = await api('POST', '/api/v1/tenants/' + t.id + '/replay', { eventId: ev.id }); say(r.requeued + ' delivery queued again'); await refreshRow(ev); await refresh(false); }
      catch (err) { out.textContent = err.message; }
    } }, 'Retry dead deliveries') : null;
    cell.replaceChildren(h('dl', {}, h('dt', {}, 'Event ID'), h('dd', {}, h('code', {}, d.eventId)), h('dt', {}, 'Received'), h('dd', {}, time(d.receivedAt)),
      h('dt', {}, 'Channels'), h('dd', {}, d.channels.join(', ')),
      d.simulated ? [h('dt', {}, 'Simulated'), h('dd', {}, 'yes: sent only to Test Events')] : null,
      d.dropCode ? [h('dt', {}, 'Not sent because'), h('dd', {}, d.dropCode + ': ' + (d.dropMessage || ''))] : null,
      ev.deliveries.filter((x) => x.shown === 'paused').map((x) => [h('dt', {}, 'Paused'), h('dd', {}, 'pixel ' + pixelName(x.pixelRowId) + ': ' + (x.pauseReason || 'paused'))])),
      h('h3', {}, 'Delivery history (Meta\'s answers)'),
      d.history.length ? h('ol', {}, d.history.map((x) => h('li', {}, time(x.at) + ' — pixel ' + pixelName(x.pixelRowId) + ': ', statusChip(x.status, LABEL[x.status] || x.status), x.detail ? h('code', {}, x.detail) : null)))
        : h('p', {}, 'No delivery attempts.'),
      retry, ' ', out);
  }

  // The rows on screen, newest first: the newest page (refreshed live) and under it the older pages that
  // "Load older events" appended. 'older' is the cursor after the last row shown (null: the end of the log).
  let items = [];
  let older = null;
  let extended = false; // "Load older events" was used since the last filter: keep those rows under the newest page
  let generation = 0;   // a new filter or a cleared log starts over; answers to an older query are dropped
  let drawn = 0;
  const more = h('button', { type: 'button', class: 'secondary', id: 'load-older', hidden: true, 'aria-describedby': 'events-shown', onclick: () => void loadOlder() }, 'Load older events');
  const shown = h('span', { class: 'hint', id: 'events-shown', tabindex: '-1' });

  function query(cursor) {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (f.name.value.trim()) q.set('event_name', f.name.value.trim());
    if (f.status.value) q.set('status', f.status.value);
    if (f.source.value.trim()) q.set('source', f.source.value.trim());
    if (f.since.value) q.set('since', String(new Date(f.since.value).getTime()));
    if (f.until.value) q.set('until', String(new Date(f.until.value).getTime()));
    if (cursor) q.set('cursor', cursor);
    return '/api/v1/tenants/' + t.id + '/events?' + q;
  }

  /**
   * The newest page, merged with what is on screen. Without older pages loaded it simply replaces the list.
   * With them, the newest rows replace the top of the list and the older rows stay under them; when more than
   * a page arrived since the last refresh, the pages in between are fetched too (up to GAP_PAGES), else the
   * list starts over from the newest page.
   */
  async function newest(gen) {
    const page = await api('GET', query());
    let fresh = page.items;
    let cursor = page.nextCursor;
    if (!extended || !cursor) return { page, list: fresh, cursor };
    const overlap = () => { const last = fresh[fresh.length - 1]; return last ? items.findIndex((x) => x.id === last.id) : -1; };
    for (let n = 0; overlap() < 0 && cursor && n < GAP_PAGES; n++) {
      const next = await api('GET', query(cursor));
      if (gen !== generation) return null;
      fresh = fresh.concat(next.items);
      cursor = next.nextCursor;
    }
    const at = overlap();
    if (at < 0) return { page, list: fresh, cursor };
    const seen = new Set(fresh.map((x) => x.id));
    return { page, list: fresh.concat(items.slice(at + 1).filter((x) => !seen.has(x.id))), cursor: older };
  }

  /** Re-reads one row's statuses (after a retry; a row of an older page is otherwise not refreshed live). */
  async function refreshRow(ev) {
    const q = new URLSearchParams({ limit: '500', since: String(ev.receivedAt), until: String(ev.receivedAt + 1) });
    const page = await api('GET', '/api/v1/tenants/' + t.id + '/events?' + q);
    const now = page.items.find((x) => x.id === ev.id);
    if (now) items = items.map((x) => (x.id === ev.id ? now : x));
  }

  /** Live refresh and "Filter": reset=true starts over (a new filter, a cleared log), else the newest page is merged in. */
  async function refresh(reset) {
    if (reset) { generation++; items = []; older = null; extended = false; }
    const gen = generation;
    try {
      const r = await newest(gen);
      if (!r || gen !== generation) return;
      error.textContent = '';
      cleared.textContent = r.page.clearedAt ? 'Showing events received after ' + time(r.page.clearedAt) + ' (the log was cleared then).' : '';
      items = r.list; older = r.cursor;
      await render();
      liveNote.textContent = '· updated ' + new Date().toLocaleTimeString();
    } catch (err) { if (err.status !== 401) error.textContent = err.message; }
  }

  async function loadOlder() {
    const cursor = older;
    const gen = generation;
    if (!cursor || more.getAttribute('aria-disabled') === 'true') return;
    // aria-disabled, not disabled: a disabled button would drop the keyboard focus while the page loads.
    more.setAttribute('aria-disabled', 'true'); more.textContent = 'Loading older events…';
    try {
      const page = await api('GET', query(cursor));
      if (gen !== generation || cursor !== older) return;
      error.textContent = '';
      const seen = new Set(items.map((x) => x.id));
      items = items.concat(page.items.filter((x) => !seen.has(x.id)));
      older = page.nextCursor; extended = true;
      await render();
      say(plural(page.items.length, 'older event', 'older events') + ' loaded' + (older ? '' : ': that is the end of the log'));
    } catch (err) { if (err.status !== 401) error.textContent = err.message; }
    finally { more.removeAttribute('aria-disabled'); more.textContent = 'Load older events'; }
    // The button goes once the end is reached: the keyboard lands on the line that says so.
    if (more.hidden && (document.activeElement === more || document.activeElement === document.body)) shown.focus();
  }

  /** Draws the rows in 'items' (with the open histories); keeps the keyboard on the button it was on. */
  async function render() {
    const mine = ++drawn;
    const list = items;
    const rows = [];
    for (const ev of list) {
      const open = state.expanded.has(ev.id);
      const toggle = h('button', { type: 'button', class: 'secondary', 'data-key': 'toggle-' + ev.id, 'aria-expanded': String(open), 'aria-label': (open ? 'Hide' : 'Show') + ' history of ' + ev.eventName + ' ' + (ev.orderId || ev.eventId),
        onclick: () => { if (open) state.expanded.delete(ev.id); else state.expanded.add(ev.id); void render(); } }, open ? 'Hide' : 'Details');
      const statuses = ev.deliveries.length
        ? ev.deliveries.map((d) => statusChip(d.shown, pixelName(d.pixelRowId) + ': ' + (LABEL[d.shown] || d.shown) + (d.shown === 'paused' && d.pauseReason ? ' (' + d.pauseReason + ')' : '')))
        : [statusChip(ev.status, EVENT_LABEL[ev.status] || ev.status)];
      rows.push(h('tr', { 'data-event': ev.id }, h('td', { class: 'opt' }, time(ev.receivedAt)),
        h('td', {}, ev.eventName, ev.simulated ? h('span', { class: 'hint' }, ' (simulated)') : null), h('td', {}, ev.orderId || '—'),
        h('td', {}, channelChips(ev.channels)), h('td', {}, statuses, ev.dropCode ? h('span', { class: 'hint' }, ' ' + ev.dropCode) : null), h('td', {}, toggle)));
      if (open) {
        const cell = h('td', { colspan: 6 }, 'Loading…'); rows.push(h('tr', { class: 'details' }, cell));
        try { await details(ev, cell); } catch (err) { cell.replaceChildren(h('p', { class: 'error' }, err.message)); }
      }
    }
    if (mine !== drawn) return; // a later render (or refresh) drew the list already
    const active = document.activeElement;
    const key = active && tbody.contains(active) ? active.getAttribute('data-key') : null;
    tbody.replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 6 }, 'No events match.'))]));
    if (key) { const again = tbody.querySelector('[data-key="' + CSS.escape(key) + '"]'); if (again) again.focus(); }
    more.hidden = !older;
    shown.textContent = list.length ? (older ? 'Showing the newest ' : 'Showing all ') + plural(list.length, 'event', 'events') + (older ? '' : ' (the end of the log)') : '';
  }

  const confirmBox = h('span', { hidden: true }, 'Hide every event received until now? Nothing is deleted from Meta or resent. ',
    h('button', { type: 'button', onclick: async () => {
      try { await api('POST', '/api/v1/tenants/' + t.id + '/events/clear'); say('Event log cleared'); confirmBox.hidden = true; clearBtn.hidden = false; clearBtn.focus(); await refresh(true); }
      catch (err) { error.textContent = err.message; }
    } }, 'Clear now'), ' ',
    h('button', { type: 'button', class: 'secondary', onclick: () => { confirmBox.hidden = true; clearBtn.hidden = false; clearBtn.focus(); } }, 'Cancel'));
  const clearBtn = h('button', { type: 'button', class: 'secondary', onclick: () => { clearBtn.hidden = true; confirmBox.hidden = false; confirmBox.querySelector('button').focus(); } }, 'Clear the log');

  const filters = h('form', { class: 'card', role: 'search', 'aria-label': 'Filter events', onsubmit: (e) => { e.preventDefault(); void refresh(true); }, onchange: (e) => { if (e.target !== live) void refresh(true); } },
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'f-name' }, 'Event name'), f.name),
      h('div', { class: 'field' }, h('label', { for: 'f-status' }, 'Status'), f.status),
      h('div', { class: 'field' }, h('label', { for: 'f-source' }, 'Source'), f.source, h('datalist', { id: 'sources' }, ['api', 'browser', 'csv', 'simulate', 'webhook:shopify', 'webhook:woocommerce', 'webhook:stripe', 'api:graph', 'api:segment', 'api:ga4'].map((s) => h('option', { value: s })))),
      h('div', { class: 'field' }, h('label', { for: 'f-since' }, 'Received from'), f.since),
      h('div', { class: 'field' }, h('label', { for: 'f-until' }, 'until'), f.until),
      h('button', { type: 'submit' }, 'Filter')),
    h('p', {}, h('label', { for: 'live', class: 'live' }, live, ' Live refresh every 3 s '), liveNote));
  setView('Event log: ' + t.name, filters, error, h('div', { class: 'toolbar' }, cleared, h('span', {}, clearBtn, confirmBox)),
    table('Events, newest first', ['Received', 'Event', 'Order', 'Channels', 'Status per pixel', 'History'], [], [0]),
    h('div', { class: 'pager' }, more, shown));
  main().querySelector('tbody').replaceWith(tbody);
  // Pausing keeps what is on screen; resuming refreshes at once.
  live.addEventListener('change', () => { if (live.checked) void refresh(false); });
  await refresh(true);
  state.poll = setInterval(() => { if (live.checked && !document.hidden) void refresh(false); }, 3000);
}

function main() { return document.getElementById('main'); }

registerView('simulate', 'Simulate', simulateView);
registerView('events', 'Event log', eventsView);
`;
