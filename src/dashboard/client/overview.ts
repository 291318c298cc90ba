/**
 * The Overview page (`#/overview`), the first page after signing in: the current store's events today and in 7
 * days by channel, the last event received, delivery health per pixel (by the name Meta gave it), failed
 * deliveries with *Retry all*, and the requests refused in the last 24 hours by hour. It reads
 * GET /api/v1/tenants/{id}/overview (typed in src/core/overview-api.ts) and refreshes itself every 10 s.
 */
import type { TenantView } from '../../core/admin-api.js';
import type { ChannelClass, PixelHealth, TenantOverview } from '../../core/overview-api.js';
import { refreshAlerts } from './alerts.js';
import { api, apiError, forTenant, h, plural, registerView, say, setView, state, statusChip, table, time } from './app.js';
import { duration, localMidnight, refusedBars, REFUSED_REASONS, relativeTime } from './overview-model.js';
import { CHANNEL_CLASS_WORDS, DELIVERY_WORDS, HEALTH_WORDS, REFUSED_WORDS } from './words.js';

const REFRESH_MS = 10_000;
const CHANNELS: readonly ChannelClass[] = ['browser', 'server', 'both'];
/** Redraws the overview on screen, if one is; set while the page is shown (a fix in the alerts banner calls it). */
let redraw: (() => Promise<void>) | null = null;
document.addEventListener('relay:fixed', () => void redraw?.());

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const PIXEL_COLUMNS = ['Pixel', 'State', 'Sent (7 days)', capital(DELIVERY_WORDS.queued) + ' or retry', capital(DELIVERY_WORDS.dead), 'Last sent', 'Last problem'];
/** A table shown as one block per row on phones, with the cells' data-label (the event log's layout, `.log` in styles.ts). */
const asBlocksOnPhones = (wrap: HTMLDivElement): HTMLDivElement => { wrap.classList.add('log'); return wrap; };
const hourLabel = (hour: number): string => new Date(hour).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function eventsSection(o: TenantOverview): HTMLElement {
  const last = o.events.lastReceivedAt;
  const rows = CHANNELS.map((c) => h('tr', { 'data-channel': c },
    h('th', { scope: 'row' }, CHANNEL_CLASS_WORDS[c]), h('td', { 'data-testid': `today-${c}` }, o.events.today[c]), h('td', { 'data-testid': `week-${c}` }, o.events.last7Days[c])));
  rows.push(h('tr', { 'data-channel': 'total', class: 'total' }, h('th', { scope: 'row' }, 'All events'), h('td', { 'data-testid': 'today-total' }, o.events.today.total), h('td', { 'data-testid': 'week-total' }, o.events.last7Days.total)));
  return h('section', { class: 'card', 'aria-labelledby': 'ov-events' }, h('h2', { id: 'ov-events' }, 'Events received'),
    h('p', { 'data-testid': 'last-event' }, 'Last event received: ',
      last === null ? h('strong', {}, 'none yet') : [h('strong', {}, relativeTime(last, o.at)), ` (${time(last)})`]),
    table('Events by how they arrived', ['How it arrived', 'Today', 'Last 7 days'], rows),
    h('p', { class: 'hint' }, 'Simulated events are not counted. "Both": the snippet and your server or platform reported the same event; Meta got it once.'));
}

function pixelRow(p: PixelHealth): HTMLTableRowElement {
  const health = HEALTH_WORDS[p.health];
  const c = p.last7Days;
  // data-label: on a phone each pixel is a block of labelled lines (the event log's layout), not a wide row.
  return h('tr', { 'data-pixel-row': p.pixelId },
    h('td', { class: 'event' }, p.name ? [h('strong', {}, p.name), h('span', { class: 'sub' }, p.pixelId)] : [h('strong', {}, p.pixelId), h('span', { class: 'sub' }, 'name shown after a Test connection')]),
    h('td', {}, statusChip(health.chip, health.text), p.status === 'paused' && p.pauseReason ? h('span', { class: 'sub' }, p.pauseReason) : null),
    h('td', { 'data-label': PIXEL_COLUMNS[2] }, c.sent),
    h('td', { 'data-label': PIXEL_COLUMNS[3] }, c.queued + c.sending + c.retrying),
    h('td', { 'data-label': PIXEL_COLUMNS[4] }, p.dead),
    h('td', { 'data-label': PIXEL_COLUMNS[5] }, p.lastSentAt === null ? 'never' : relativeTime(p.lastSentAt, Date.now())),
    h('td', { 'data-label': PIXEL_COLUMNS[6] }, p.lastError ?? '—'));
}

function deliveriesSection(o: TenantOverview, t: TenantView): HTMLElement {
  const d = o.deliveries;
  const pixels = o.pixels.length
    ? asBlocksOnPhones(table('Delivery health per pixel', PIXEL_COLUMNS, o.pixels.map(pixelRow)))
    : h('p', {}, 'No pixel yet: nothing is sent to Meta. ', h('a', { href: '#/config/pixels' }, 'Add a pixel'), '.');
  const waiting = d.pending > 0
    ? h('p', { 'data-testid': 'pending' }, `${plural(d.pending, 'delivery', 'deliveries')} ${DELIVERY_WORDS.queued} or ${DELIVERY_WORDS.failed}`, d.oldestPendingAgeMs === null ? '' : `; the oldest for ${duration(d.oldestPendingAgeMs)}`, '.')
    : h('p', { 'data-testid': 'pending' }, 'Nothing waiting to send.');
  return h('section', { class: 'card', 'aria-labelledby': 'ov-deliveries' }, h('h2', { id: 'ov-deliveries' }, 'Sending to Meta'),
    o.forwarding ? null : h('p', { class: 'error' }, 'Forwarding is off for this store: events are kept but not sent.'),
    pixels, waiting, deadPart(o, t));
}

/** The store's failed deliveries with *Retry all*, which asks first. */
function deadPart(o: TenantOverview, t: TenantView): HTMLElement {
  const d = o.deliveries;
  const box = h('div', { 'data-testid': 'dead' });
  if (d.dead === 0) { box.append(h('p', {}, 'No deliveries ', h('em', {}, DELIVERY_WORDS.dead), '.')); return box; }
  const line = h('p', { class: 'result-bad' }, `${plural(d.dead, 'delivery', 'deliveries')}: ${DELIVERY_WORDS.dead}. `);
  const open = h('button', { type: 'button', 'aria-label': `${d.retryAll.label}: ${plural(d.dead, 'failed delivery', 'failed deliveries')} of ${t.name}` }, d.retryAll.label);
  const out = h('p', { role: 'status' });
  open.addEventListener('click', () => {
    const close = () => { confirm.remove(); open.hidden = false; open.focus(); };
    const go = h('button', { type: 'button', class: 'danger' }, 'Retry now');
    const confirm = h('div', { class: 'confirm', role: 'group', 'aria-label': 'Confirm Retry all', onkeydown: (e) => { if ((e as KeyboardEvent).key === 'Escape') close(); } },
      h('p', {}, `Queue the ${plural(d.dead, 'failed delivery', 'failed deliveries')} again? Meta counts an event once (by its event_id) and refuses events older than 7 days.`),
      h('div', { class: 'buttons' }, go, h('button', { type: 'button', class: 'secondary', onclick: close }, 'Cancel')));
    go.addEventListener('click', async () => {
      go.disabled = true;
      try {
        const r = await api<{ requeued: number }>(d.retryAll.method, d.retryAll.path, {});
        say(`${plural(r.requeued, 'delivery', 'deliveries')} queued again`);
        confirm.remove();
        await Promise.all([redraw?.(), refreshAlerts()]);
      } catch (err) { go.disabled = false; out.textContent = apiError(err).message; }
    });
    open.hidden = true;
    open.after(confirm);
    go.focus();
  });
  box.append(line, open, out);
  return box;
}

function refusedSection(o: TenantOverview): HTMLElement {
  const r = o.refused;
  const bars = refusedBars(r.hourly);
  const total = REFUSED_REASONS.reduce((n, k) => n + r.last24Hours[k], 0);
  return h('section', { class: 'card', 'aria-labelledby': 'ov-refused' }, h('h2', { id: 'ov-refused' }, 'Refused requests (last 24 hours)'),
    h('ul', { class: 'figures' }, REFUSED_REASONS.map((k) => h('li', { 'data-refused': k }, h('span', { class: 'figure' }, r.last24Hours[k]), ' ', REFUSED_WORDS[k]))),
    total === 0
      ? h('p', {}, 'Nothing refused in the last 24 hours.')
      : table('Refused requests per hour', ['Hour', ...REFUSED_REASONS.map((k) => REFUSED_WORDS[k]), 'Share'], bars.map((b) => h('tr', { 'data-hour': b.hour },
        h('td', { class: 'nowrap' }, hourLabel(b.hour)), REFUSED_REASONS.map((k) => h('td', {}, b.counts[k])),
        h('td', { class: 'opt' }, h('meter', { class: 'bar', min: 0, max: 100, value: b.percent, 'aria-label': `${b.total} refused` })))), [4]),
    h('p', { class: 'hint' }, 'Counted per hour, never per request: a beacon from a site not on the allowed origins, a webhook whose signature did not verify, beacons over the rate limit. None of them was stored.'));
}

registerView('overview', 'Overview', forTenant(async (t) => {
  const live = h('span', { class: 'live', 'data-testid': 'overview-updated' });
  const body = h('div', { id: 'overview-body' });
  const draw = async (): Promise<void> => {
    const o = await api<TenantOverview>('GET', `/api/v1/tenants/${t.id}/overview?todayFrom=${localMidnight(Date.now())}`);
    body.replaceChildren(h('div', { class: 'overview-row' }, eventsSection(o), refusedSection(o)), deliveriesSection(o, t));
    live.textContent = `Updated ${new Date(o.at).toLocaleTimeString()}; refreshed every ${REFRESH_MS / 1000} s.`;
  };
  let lastOk = Date.now();
  const refresh = async (): Promise<void> => {
    // A question being asked (Retry all) stays open: the figures wait for the answer.
    if (!body.isConnected || body.querySelector('.confirm')) return;
    try { await draw(); lastOk = Date.now(); } catch (err) {
      live.textContent = `Not updated since ${new Date(lastOk).toLocaleTimeString()}: ${apiError(err).message}`;
    }
  };
  // The first read throws to the router, which says when the relay cannot be reached and tries again.
  await draw();
  redraw = refresh;
  setView(`Overview: ${t.name}`, h('div', { class: 'toolbar' }, h('p', {}, live)), body);
  state.poll = setInterval(() => { if (!document.hidden) void refresh(); }, REFRESH_MS);
}), { first: true });
