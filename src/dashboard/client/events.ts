/**
 * The dashboard's event pages: "Simulate events", which sends sample events to Meta's Test Events and shows
 * Meta's answer, and the live event log with its filters, per-pixel status, history, retry of dead
 * deliveries and "Clear the log".
 */
import type { EventDetails, EventLogItem, EventLogPage, EventLogStatus, PixelList, SimulateAnswer, TenantView } from '../../core/admin-api.js';
import type { EventDetails as SentDetails } from '../../core/overview-api.js';
import type { SimulatedEventName } from '../simulated-events.js';
import { UNREACHABLE, api, apiError, h, nodes, plural, pixelNameIn, registerView, say, setView, state, statusChip, table, forTenant, time } from './app.js';
import { sentDetails } from './event-details.js';
import { eventRow } from './event-row.js';
import { channelWord, eventWord, FILTER_WORDS, statusWord } from './words.js';

// The names the simulate route accepts, keyed by its own type: a name added there must be added here.
const SIMULATED_BUTTONS: Readonly<Record<SimulatedEventName, true>> = {
  PageView: true, ViewContent: true, AddToCart: true, InitiateCheckout: true, Purchase: true, Lead: true, CompleteRegistration: true, Subscribe: true,
};
const SIMULATED = Object.keys(SIMULATED_BUTTONS) as SimulatedEventName[];
// Rows per request; a live refresh that finds more than a page of new events fetches up to GAP_PAGES more to join the older rows.
const PAGE = 50;
const GAP_PAGES = 10;

async function simulateView(t: TenantView): Promise<void> {
  const all = (await api<PixelList>('GET', `/api/v1/tenants/${t.id}/pixels`)).pixels;
  // The relay refuses to simulate on a disabled or paused pixel (409 pixel_not_active): such a pixel is not offered.
  const pixels = all.filter((p) => p.status === 'active');
  if (!pixels.length) {
    setView(`Simulate events: ${t.name}`, h('p', {}, all.length ? 'No active pixel: enable one on the ' : 'Add a pixel on the ', h('a', { href: '#/config' }, 'Configuration'), ' page first.'));
    return;
  }
  const preferred = pixels.find((p) => p.testEventCode && p.status === 'active') ?? pixels[0];
  const pick = h('select', { id: 'sim-pixel' }, pixels.map((p) => h('option', { value: p.id, selected: p === preferred },
    `${p.pixelId} (${p.role}, ${p.testEventCode ? `test code ${p.testEventCode}` : 'no test code'})`)));
  const result = h('div', { id: 'sim-result', 'aria-live': 'polite' });
  const buttons: HTMLButtonElement[] = SIMULATED.map((name) => {
    const btn = h('button', { type: 'button', 'data-event': name }, name);
    btn.addEventListener('click', async () => {
      for (const b of buttons) b.disabled = true;
      result.replaceChildren(h('p', {}, `Sending a simulated ${name} to Meta's Test Events…`));
      try {
        const r = await api<SimulateAnswer>('POST', `/api/v1/pixels/${pick.value}/simulate`, { eventName: name });
        const ok = r.status === 'sent';
        result.replaceChildren(h('section', { class: `card ${ok ? 'answer-ok' : 'answer-bad'}`, 'aria-label': 'Meta\'s answer' },
          h('h2', {}, `${name}: `, statusChip(r.status, statusWord(r.status))),
          h('dl', {},
            h('dt', {}, 'Meta\'s answer'), h('dd', { 'data-testid': 'sim-message' }, r.message ?? r.code ?? '—'),
            h('dt', {}, 'fbtrace_id'), h('dd', {}, h('code', {}, r.fbtraceId ?? '—')),
            h('dt', {}, 'events_received'), h('dd', { 'data-testid': 'sim-events-received' }, r.eventsReceived == null ? '—' : String(r.eventsReceived)),
            h('dt', {}, 'Test event code'), h('dd', {}, h('code', {}, r.testEventCode ?? '—')),
            h('dt', {}, 'event_id'), h('dd', {}, h('code', {}, r.eventId))),
          h('p', {}, h('a', { href: '#/events' }, 'See it in the event log'), ' · in Events Manager, open Test Events to see it arrive.')));
        say(`${name}: ${r.status}`);
      } catch (err) {
        result.replaceChildren(h('p', { class: 'error', role: 'alert' }, apiError(err).message));
      }
      for (const b of buttons) b.disabled = false;
      btn.focus();
    });
    return btn;
  });
  setView(`Simulate events: ${t.name}`,
    h('p', {}, 'Each button sends one realistic sample event (a test customer on example.com) through the relay to Meta\'s Test Events, with the pixel\'s Test Event Code. Simulated events never go out without that code and are never mixed with live traffic.'),
    h('div', { class: 'field' }, h('label', { for: 'sim-pixel' }, 'Pixel'), pick,
      all.length > pixels.length ? h('p', { class: 'hint' }, `Not listed: ${plural(all.length - pixels.length, 'paused or disabled pixel', 'paused or disabled pixels')}.`) : null),
    h('div', { class: 'buttons', role: 'group', 'aria-label': 'Event types' }, buttons),
    result);
}

async function eventsView(t: TenantView): Promise<void> {
  const { pixels } = await api<PixelList>('GET', `/api/v1/tenants/${t.id}/pixels`);
  const pixelName = (rowId: string): string => pixelNameIn(pixels, rowId);
  const statusOptions = (Object.entries(FILTER_WORDS) as [EventLogStatus, string | null][]).filter(([, word]) => word !== null);
  const f = { name: h('input', { id: 'f-name', name: 'event_name', placeholder: 'Purchase' }),
    status: h('select', { id: 'f-status', name: 'status' }, h('option', { value: '' }, 'any'), statusOptions.map(([s, word]) => h('option', { value: s }, word))),
    source: h('input', { id: 'f-source', name: 'source', list: 'sources', placeholder: 'api' }),
    since: h('input', { id: 'f-since', name: 'since', type: 'datetime-local' }),
    until: h('input', { id: 'f-until', name: 'until', type: 'datetime-local' }) };
  const live = h('input', { id: 'live', type: 'checkbox', checked: true });
  const liveNote = h('span', { class: 'live', 'aria-live': 'off' });
  const tbody = h('tbody', {});
  const error = h('p', { class: 'error', role: 'alert' });
  const cleared = h('p', { class: 'hint' });
  // Events whose "exact JSON sent" is unfolded: the live redraw keeps them so.
  const jsonOpen = new Set<string>();

  async function details(ev: EventLogItem, cell: HTMLTableCellElement): Promise<void> {
    // The history (every attempt) and what was sent with Meta's answer per pixel: two reads of one event.
    const [d, sent] = await Promise.all([
      api<EventDetails>('GET', `/api/v1/tenants/${t.id}/events/${ev.id}`),
      api<SentDetails>('GET', `/api/v1/tenants/${t.id}/events/${ev.id}/details`),
    ]);
    const dead = ev.deliveries.some((x) => x.status === 'dead');
    const out = h('span', { role: 'status' });
    const retry = dead ? h('button', { type: 'button', 'data-key': `retry-${ev.id}`, onclick: async () => {
      try { const r = await api<{ requeued: number }>('POST', `/api/v1/tenants/${t.id}/replay`, { eventId: ev.id }); say(`${r.requeued} delivery queued again`); await refreshRow(ev); await refresh(false); }
      catch (err) { out.textContent = apiError(err).message; }
    } }, 'Retry dead deliveries') : null;
    cell.replaceChildren(...nodes([h('dl', {}, h('dt', {}, 'Event ID'), h('dd', {}, h('code', {}, d.eventId)), h('dt', {}, 'Received'), h('dd', {}, time(d.receivedAt)),
      h('dt', {}, 'Channels'), h('dd', {}, d.channels.map((c, i) => [i ? ', ' : '', channelWord(c).text])),
      d.simulated ? [h('dt', {}, 'Simulated'), h('dd', {}, 'yes: sent only to Test Events')] : null,
      d.dropCode ? [h('dt', {}, 'Not sent because'), h('dd', {}, `${eventWord(d.status, d.dropCode)} `, h('span', { class: 'hint' }, `(${d.dropCode}${d.dropMessage ? `: ${d.dropMessage}` : ''})`))] : null,
      ev.deliveries.filter((x) => x.shown === 'paused').map((x) => [h('dt', {}, 'Paused'), h('dd', {}, `pixel ${pixelName(x.pixelRowId)}: ${x.pauseReason ?? 'paused'}`)])),
      sentDetails(sent, jsonOpen.has(ev.id), (open) => { if (open) jsonOpen.add(ev.id); else jsonOpen.delete(ev.id); }),
      h('h3', {}, 'Delivery history (Meta\'s answers)'),
      d.history.length ? h('ol', {}, d.history.map((x) => h('li', {}, `${time(x.at)} — pixel ${pixelName(x.pixelRowId)}: `, statusChip(x.status, statusWord(x.status)), x.detail ? h('code', {}, x.detail) : null)))
        : h('p', {}, 'No delivery attempts.'),
      retry, retry ? ' ' : null, out]));
  }

  // The rows on screen, newest first: the newest page (refreshed live) and under it the older pages that
  // "Load older events" appended. 'older' is the cursor after the last row shown (null: the end of the log).
  let items: EventLogItem[] = [];
  let older: string | null = null;
  let extended = false; // "Load older events" was used since the last filter: keep those rows under the newest page
  let generation = 0; // a new filter or a cleared log starts over; answers to an older query are dropped
  let drawn = 0;
  let lastUpdate = 0;
  const more = h('button', { type: 'button', class: 'secondary', id: 'load-older', hidden: true, 'aria-describedby': 'events-shown', onclick: () => void loadOlder() }, 'Load older events');
  const shown = h('span', { class: 'hint', id: 'events-shown', tabindex: '-1' });

  function query(cursor?: string | null): string {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (f.name.value.trim()) q.set('event_name', f.name.value.trim());
    if (f.status.value) q.set('status', f.status.value);
    if (f.source.value.trim()) q.set('source', f.source.value.trim());
    if (f.since.value) q.set('since', String(new Date(f.since.value).getTime()));
    if (f.until.value) q.set('until', String(new Date(f.until.value).getTime()));
    if (cursor) q.set('cursor', cursor);
    return `/api/v1/tenants/${t.id}/events?${q}`;
  }

  /**
   * The newest page, merged with what is on screen. Without older pages loaded it simply replaces the list.
   * With them, the newest rows replace the top of the list and the older rows stay under them; when more than
   * a page arrived since the last refresh, the pages in between are fetched too (up to GAP_PAGES), else the
   * list starts over from the newest page.
   */
  async function newest(gen: number): Promise<{ page: EventLogPage; list: EventLogItem[]; cursor: string | null } | null> {
    const page = await api<EventLogPage>('GET', query());
    let fresh = page.items;
    let cursor = page.nextCursor;
    if (!extended || !cursor) return { page, list: fresh, cursor };
    const overlap = (): number => { const last = fresh[fresh.length - 1]; return last ? items.findIndex((x) => x.id === last.id) : -1; };
    for (let n = 0; overlap() < 0 && cursor && n < GAP_PAGES; n++) {
      const next: EventLogPage = await api<EventLogPage>('GET', query(cursor));
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
  async function refreshRow(ev: EventLogItem): Promise<void> {
    const q = new URLSearchParams({ limit: '500', since: String(ev.receivedAt), until: String(ev.receivedAt + 1) });
    const page = await api<EventLogPage>('GET', `/api/v1/tenants/${t.id}/events?${q}`);
    const now = page.items.find((x) => x.id === ev.id);
    if (now) items = items.map((x) => (x.id === ev.id ? now : x));
  }

  /** Live refresh and "Filter": reset=true starts over (a new filter, a cleared log), else the newest page is merged in. */
  async function refresh(reset: boolean): Promise<void> {
    if (reset) { generation++; items = []; older = null; extended = false; }
    const gen = generation;
    try {
      const r = await newest(gen);
      if (!r || gen !== generation) return;
      error.textContent = '';
      cleared.textContent = r.page.clearedAt ? `Showing events received after ${time(r.page.clearedAt)} (the log was cleared then).` : '';
      items = r.list; older = r.cursor;
      await render();
      lastUpdate = Date.now();
      liveNote.textContent = `· updated ${new Date(lastUpdate).toLocaleTimeString()}`;
    } catch (err) {
      const e = apiError(err);
      if (e.status !== 401) error.textContent = e.message;
      // Say how old the rows on screen are instead of leaving the last "updated" time as if it were fresh.
      if (e.code === UNREACHABLE) liveNote.textContent = `· not updated since ${lastUpdate ? new Date(lastUpdate).toLocaleTimeString() : 'the page opened'}: retrying every 3 s`;
    }
  }

  async function loadOlder(): Promise<void> {
    const cursor = older;
    const gen = generation;
    if (!cursor || more.getAttribute('aria-disabled') === 'true') return;
    // aria-disabled, not disabled: a disabled button would drop the keyboard focus while the page loads.
    more.setAttribute('aria-disabled', 'true'); more.textContent = 'Loading older events…';
    try {
      const page = await api<EventLogPage>('GET', query(cursor));
      if (gen !== generation || cursor !== older) return;
      error.textContent = '';
      const seen = new Set(items.map((x) => x.id));
      items = items.concat(page.items.filter((x) => !seen.has(x.id)));
      older = page.nextCursor; extended = true;
      await render();
      say(`${plural(page.items.length, 'older event', 'older events')} loaded${older ? '' : ': that is the end of the log'}`);
    } catch (err) { const e = apiError(err); if (e.status !== 401) error.textContent = e.message; }
    finally { more.removeAttribute('aria-disabled'); more.textContent = 'Load older events'; }
    // The button goes once the end is reached: the keyboard lands on the line that says so.
    if (more.hidden && (document.activeElement === more || document.activeElement === document.body)) shown.focus();
  }

  /** Draws the rows in 'items' (with the open histories); keeps the keyboard on the button it was on. */
  async function render(): Promise<void> {
    const mine = ++drawn;
    const list = items;
    const rows: HTMLTableRowElement[] = [];
    for (const ev of list) {
      const open = state.expanded.has(ev.id);
      const toggle = h('button', { type: 'button', class: 'secondary', 'data-key': `toggle-${ev.id}`, 'aria-expanded': String(open), 'aria-label': `${open ? 'Hide' : 'Show'} history of ${ev.eventName} ${ev.orderId ?? ev.eventId}`,
        onclick: () => { if (open) state.expanded.delete(ev.id); else state.expanded.add(ev.id); void render(); } }, open ? 'Hide' : 'Details');
      rows.push(eventRow(ev, pixelName, toggle));
      if (open) {
        const cell = h('td', { colspan: 6 }, 'Loading…'); rows.push(h('tr', { class: 'details' }, cell));
        try { await details(ev, cell); } catch (err) { cell.replaceChildren(h('p', { class: 'error' }, apiError(err).message)); }
      }
    }
    if (mine !== drawn) return; // a later render (or refresh) drew the list already
    const active = document.activeElement;
    const key = active && tbody.contains(active) ? active.getAttribute('data-key') : null;
    tbody.replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 6 }, 'No events match.'))]));
    if (key) { const again = tbody.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`); if (again) again.focus(); }
    more.hidden = !older;
    shown.textContent = list.length ? `${older ? 'Showing the newest ' : 'Showing all '}${plural(list.length, 'event', 'events')}${older ? '' : ' (the end of the log)'}` : '';
  }

  const clearNow = h('button', { type: 'button', onclick: async () => {
    try { await api('POST', `/api/v1/tenants/${t.id}/events/clear`); say('Event log cleared'); confirmBox.hidden = true; clearBtn.hidden = false; clearBtn.focus(); await refresh(true); }
    catch (err) { error.textContent = apiError(err).message; }
  } }, 'Clear now');
  const confirmBox = h('span', { hidden: true }, 'Hide every event received until now? Nothing is deleted from Meta or resent. ', clearNow, ' ',
    h('button', { type: 'button', class: 'secondary', onclick: () => { confirmBox.hidden = true; clearBtn.hidden = false; clearBtn.focus(); } }, 'Cancel'));
  const clearBtn = h('button', { type: 'button', class: 'secondary', onclick: () => { clearBtn.hidden = true; confirmBox.hidden = false; clearNow.focus(); } }, 'Clear the log');

  const filters = h('form', { class: 'card', role: 'search', 'aria-label': 'Filter events', onsubmit: (e) => { e.preventDefault(); void refresh(true); }, onchange: (e) => { if (e.target !== live) void refresh(true); } },
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'f-name' }, 'Event name'), f.name),
      h('div', { class: 'field' }, h('label', { for: 'f-status' }, 'Status'), f.status),
      h('div', { class: 'field' }, h('label', { for: 'f-source' }, 'Source'), f.source, h('datalist', { id: 'sources' }, ['api', 'browser', 'csv', 'simulate', 'webhook:shopify', 'webhook:woocommerce', 'webhook:stripe', 'api:graph', 'api:segment', 'api:ga4'].map((s) => h('option', { value: s })))),
      h('div', { class: 'field' }, h('label', { for: 'f-since' }, 'Received from'), f.since),
      h('div', { class: 'field' }, h('label', { for: 'f-until' }, 'until'), f.until),
      h('button', { type: 'submit' }, 'Filter')),
    h('p', {}, h('label', { for: 'live', class: 'live' }, live, ' Live refresh every 3 s '), liveNote));
  const list = table('Events, newest first', ['Received', 'Event', 'Order', 'Channels', 'Status per pixel', 'History'], [], [3]);
  list.classList.add('log');
  list.querySelector('tbody')?.replaceWith(tbody);
  setView(`Event log: ${t.name}`, filters, error, h('div', { class: 'toolbar' }, cleared, h('span', {}, clearBtn, confirmBox)),
    list, h('div', { class: 'pager' }, more, shown));
  // Pausing keeps what is on screen; resuming refreshes at once.
  live.addEventListener('change', () => { if (live.checked) void refresh(false); });
  await refresh(true);
  state.poll = setInterval(() => { if (live.checked && !document.hidden) void refresh(false); }, 3000);
}

registerView('simulate', 'Simulate', forTenant(simulateView));
registerView('events', 'Event log', forTenant(eventsView));
