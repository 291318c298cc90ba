/**
 * The dashboard's report pages: match
 * quality, acceptance (one order's chain and the store-wide summary), attribution and events per hour. It
 * plugs into the core through /dashboard/app.js's exports and draws charts with Chart.js, served locally
 * (the page's CSP allows scripts from 'self' only). Every chart has a text alternative: its numbers are
 * also in a table, and the canvas carries a one-sentence summary as its accessible name.
 */
import type { Chart as ChartInstance, ChartConfiguration } from 'chart.js';
import type { PixelList, TenantView } from '../../core/admin-api.js';
import type { AcceptanceAnswer, AcceptanceSummaryAnswer, AttributionAnswer, EventsPerHourAnswer, HourlyStatus, MatchQualityAnswer } from '../../reports/answers.js';
import type { Channel, DedupState, EventMatchQuality, MatchQualityComparison, SignalLossSymptom } from '../../reports/index.js';
import { HOURLY_WORDS, identifierWord, statusWord } from './words.js';
import { api, apiError, forTenant, h, navigate, pixelNameIn, plural, registerView, say, setView, state, statusChip, table, time, type ViewParams } from './app.js';

const SYMPTOM_LABELS: Readonly<Record<SignalLossSymptom, string>> = {
  browser_missing: 'Browser Purchase missing', server_missing: 'Server Purchase missing', server_late: 'Server Purchase late',
  no_dedup: 'No deduplication', value_mismatch: 'Value mismatch', currency_mismatch: 'Currency mismatch',
};
const DEDUP_LABELS: Readonly<Record<DedupState, string>> = {
  matched: 'Match: Meta keeps one', 'different-ids': 'Differ: Meta counts twice', 'browser-only': 'Browser only',
  'server-only': 'Server only', missing: 'No event',
};
const CHANNEL_LABELS: Readonly<Record<Channel, string>> = { meta: 'Meta (fbclid)', google: 'Google (gclid)', none: 'No click' };
const STATUS_COLORS: Readonly<Record<HourlyStatus, string>> = { sent: '#1a7f37', queued: '#bf8700', sending: '#d4a72c', failed: '#cf222e', dead: '#82071e', dropped: '#6e7781', skipped: '#afb8c1' };
const PALETTE = ['#0b57d0', '#1a7f37', '#bf8700', '#8250df', '#cf222e', '#1b7c83', '#6e7781'];
const DAY = 86400000;

const pct = (share: number | null | undefined): string => (share === null || share === undefined ? 'unknown' : Math.round(share * 100) + '%');
function money(value: number | null | undefined, currency: string | null | undefined): string {
  if (value === null || value === undefined) return 'none';
  try { return Number(value).toLocaleString(undefined, { style: 'currency', currency: currency ?? 'XXX' }); }
  catch { return Number(value).toFixed(2) + ' ' + (currency ?? ''); }
}
const tenantPath = (t: TenantView, path: string): string => '/api/v1/tenants/' + encodeURIComponent(t.id) + '/reports/' + path;
const periodQuery = (days: number): string => { const to = Date.now(); return 'from=' + (to - days * DAY) + '&to=' + to; };

// Chart.js loads on first use; its UMD build sets globalThis.Chart when imported as a module.
type ChartConstructor = typeof import('chart.js').Chart;
// A URL, not a module the typechecker resolves: the relay serves Chart.js's own UMD file there.
const CHART_JS_URL: string = '/dashboard/vendor/chart.umd.min.js';
let chartLib: ChartConstructor | null = null;
const charts: ChartInstance[] = [];
async function chartJs(): Promise<ChartConstructor> {
  if (!chartLib) { await import(CHART_JS_URL); chartLib = (globalThis as unknown as { Chart: ChartConstructor }).Chart; }
  return chartLib;
}
function resetCharts(): void { for (const c of charts.splice(0)) c.destroy(); }
/** A chart in a figure: the canvas is an image named by a summary; the caption says where the numbers are. */
async function chart(label: string, summary: string, config: ChartConfiguration, tall = false): Promise<HTMLElement> {
  const canvas = h('canvas', { role: 'img', 'aria-label': label + '. ' + summary });
  const box = h('div', { class: 'chart-box' + (tall ? ' tall' : '') }, canvas);
  const figure = h('figure', { class: 'chart card' }, h('figcaption', {}, label), box, h('p', { class: 'hint' }, summary));
  try {
    const Chart = await chartJs();
    // No animation: honours reduced motion and keeps screenshots stable.
    config.options = { animation: false, responsive: true, maintainAspectRatio: false, ...config.options };
    charts.push(new Chart(canvas, config));
  } catch (err) { box.replaceChildren(h('p', { class: 'error' }, 'The chart could not be drawn: ' + apiError(err).message)); }
  return figure;
}

function periodPicker(id: string, days: number, options: readonly (readonly [number, string])[], onChange: (days: number) => void): HTMLDivElement {
  const select: HTMLSelectElement = h('select', { id, name: 'period', onchange: () => onChange(Number(select.value)) },
    options.map(([value, label]) => h('option', { value: String(value), selected: value === days }, label)));
  return h('div', { class: 'field' }, h('label', { for: id }, 'Period'), select);
}
const DAY_OPTIONS: readonly (readonly [number, string])[] = [[1, 'Last 24 hours'], [7, 'Last 7 days'], [30, 'Last 30 days'], [90, 'Last 90 days']];

// ---- Match quality --------------------------------------------------------------------------------------
async function matchQualityView(t: TenantView, params: ViewParams): Promise<void> {
  resetCharts();
  const days = Number(params.query.days) || 30;
  const pixels = (await api<PixelList>('GET', '/api/v1/tenants/' + t.id + '/pixels')).pixels;
  const pixel = params.query.pixel ?? '';
  const q = periodQuery(days) + (pixel ? '&pixel=' + encodeURIComponent(pixel) : '');
  const r = await api<MatchQualityAnswer>('GET', tenantPath(t, 'match-quality?' + q));
  const go = (d: number, p: string): void => navigate('#/match-quality?days=' + d + (p ? '&pixel=' + encodeURIComponent(p) : ''));
  const pixelSelect: HTMLSelectElement = h('select', { id: 'mq-pixel', onchange: () => go(days, pixelSelect.value) },
    h('option', { value: '' }, 'First active pixel'), pixels.filter((p) => p.status === 'active' || p.id === pixel).map((p) => h('option', { value: p.id, selected: p.id === pixel }, p.pixelId)));
  const controls = h('form', { class: 'card row', onsubmit: (e) => e.preventDefault() },
    periodPicker('mq-period', days, DAY_OPTIONS.slice(1), (d) => go(d, pixel)),
    h('div', { class: 'field' }, h('label', { for: 'mq-pixel' }, 'Meta score from pixel'), pixelSelect));

  const metaByName = new Map<string, MatchQualityComparison>();
  let metaNote: HTMLElement;
  if (r.meta.status === 'available') {
    for (const c of r.meta.comparison) metaByName.set(c.eventName, c);
    metaNote = h('p', { class: 'notice', 'data-testid': 'meta-status' }, 'Meta\'s Event Match Quality for dataset ', h('code', {}, r.meta.datasetId), ' is shown beside the local figures.');
  } else {
    metaNote = h('p', { class: 'notice warn', 'data-testid': 'meta-status' }, 'Meta\'s Event Match Quality: unavailable: ' + r.meta.reason);
  }
  const intro = h('p', {}, 'Measured on ' + r.events + ' events sent or queued in the period' + (r.truncated ? ' (the most recent ' + r.events + ' only)' : '') +
    '. The local score is our estimate on Meta\'s 0–10 scale (weights in the docs); Meta\'s own score is the truth.');
  if (r.eventTypes.length === 0) {
    setView('Match quality: ' + t.name, controls, metaNote, intro, h('p', {}, 'No events in this period yet.'));
    return;
  }

  // Purchase first: it is the conversion the ads optimize for; then by volume (the API's order).
  const eventTypes = [...r.eventTypes].sort((a, b) => Number(b.eventName === 'Purchase') - Number(a.eventName === 'Purchase'));
  const sections: HTMLElement[] = [];
  for (const e of eventTypes) sections.push(await eventTypeSection(e, r.meta.status === 'available' ? metaByName.get(e.eventName) ?? null : undefined));
  setView('Match quality: ' + t.name, controls, metaNote, intro, ...sections);
}

/** One event type: scores, the coverage table (local and Meta), the same figures as a chart, and advice. */
async function eventTypeSection(e: EventMatchQuality, m: MatchQualityComparison | null | undefined): Promise<HTMLElement> {
  // m: Meta's comparison row; null when Meta has no figure for this event; undefined when Meta is unavailable.
  const metaShare = (id: string): number | null => { if (!m) return null; const x = m.identifiers.find((i) => i.identifier === id); return x ? x.metaShare : null; };
  const rows = e.coverage.map((c) => h('tr', {},
    h('th', { scope: 'row' }, identifierWord(c.identifier), ' ', h('code', { class: 'opt-inline' }, c.identifier)),
    h('td', { class: c.share === null ? 'muted' : c.share >= 0.8 ? 'good' : c.share < 0.5 ? 'weak' : '' }, pct(c.share)),
    // Meta lists only some keys: an unlisted one has no figure, which is not 0 %.
    h('td', { class: m && metaShare(c.identifier) === null ? 'muted' : null }, m === undefined ? '—' : metaShare(c.identifier) === null ? 'not listed' : pct(metaShare(c.identifier))),
    h('td', { class: 'opt' }, String(c.weight))));
  const metaScore = m === undefined ? 'unavailable' : m && m.metaScore !== null ? m.metaScore + ' / 10' : 'no figure';
  // Weakest by points lost (weight × missing share), as the advice ranks them.
  const weakest = e.coverage.filter((c) => c.share !== null).sort((a, b) => b.weight * (1 - (b.share ?? 0)) - a.weight * (1 - (a.share ?? 0))).slice(0, 3)
    .map((c) => (identifierWord(c.identifier)) + ' ' + pct(c.share)).join(', ');
  const datasets: { label: string; backgroundColor: string | undefined; data: (number | null)[] }[] = [{ label: 'Local', backgroundColor: PALETTE[0], data: e.coverage.map((c) => (c.share === null ? null : Math.round(c.share * 100))) }];
  if (m) datasets.push({ label: 'Meta', backgroundColor: PALETTE[2], data: e.coverage.map((c) => { const x = metaShare(c.identifier); return x === null ? null : Math.round(x * 100); }) });
  const figure = await chart(e.eventName + ': identifier coverage', 'Local score ' + e.score + ' of 10, Meta ' + metaScore + '; weakest: ' + weakest + '.',
    { type: 'bar', data: { labels: e.coverage.map((c) => identifierWord(c.identifier)), datasets },
      options: { indexAxis: 'y', scales: { x: { min: 0, max: 100, title: { display: true, text: '% of events' } } }, plugins: { legend: { position: 'bottom' } } } }, true);
  return h('section', { class: 'card mq', 'data-event': e.eventName },
    h('h2', {}, e.eventName, h('span', { class: 'hint' }, ' · ' + plural(e.events, 'event', 'events'))),
    h('dl', { class: 'scores' },
      h('div', {}, h('dt', {}, 'Local score'), h('dd', { class: 'score' }, e.score + ' / 10', e.partial ? h('span', { class: 'hint' }, ' (IP/UA partly unknown)') : null)),
      h('div', {}, h('dt', {}, 'Meta\'s Event Match Quality'), h('dd', { class: 'score' }, metaScore))),
    h('div', { class: 'mq-grid' },
      table(e.eventName + ': share of events carrying each identifier, locally and at Meta', ['Identifier', 'Local', 'Meta', 'Weight'], rows, [3]),
      figure),
    e.advice.length ? h('div', { class: 'advice' }, h('h3', {}, 'Improve first'), h('ul', {}, e.advice.map((a) => h('li', {}, a)))) : h('p', { class: 'good' }, 'Every identifier is above 80 %.'));
}

// ---- Acceptance -----------------------------------------------------------------------------------------
type StepAnswer = AcceptanceAnswer['steps'][number];
type EventView = NonNullable<StepAnswer['browserEvent']>;

function channelCell(ev: EventView | null, wanted: 'browser' | 'server', step: string): HTMLTableCellElement {
  // Only a missing Purchase is signal loss: stores rarely report the funnel steps from the server.
  if (!ev) return step === 'Purchase' ? h('td', { class: 'weak' }, 'missing') : h('td', { class: 'muted' }, 'none');
  const sources = ev.channels.filter((c) => (wanted === 'browser' ? c === 'browser' : c !== 'browser'));
  // One stored row per event_id: the channel that reported it first gave its time; a later one is a repeat.
  const first = wanted === 'browser' ? ev.source === 'browser' : ev.source !== 'browser';
  return h('td', { class: 'good' }, '✓ ' + sources.join(', ') + ' ', h('span', { class: 'hint' }, first ? time(ev.eventTime) : '(repeat, not sent again)'),
    h('br'), h('code', {}, ev.eventId));
}
function reconcileCell(step: StepAnswer): HTMLTableCellElement {
  const r = step.reconciliation;
  if (!r) return h('td', { class: 'muted' }, step.eventName === 'Purchase' ? 'no store order to compare' : '—');
  const one = (label: string, x: NonNullable<StepAnswer['reconciliation']>['browser']): HTMLDivElement | null => x ? h('div', { class: x.valueMatches && x.currencyMatches ? 'good' : 'weak' },
    label + money(x.value, x.currency) + (x.valueMatches && x.currencyMatches ? ' ✓ matches the order' : ' ✗ the order is ' + money(x.orderTotal, x.orderCurrency))) : null;
  // One row for both channels carries one value: the copy Meta received.
  if (step.browserEvent && step.serverEvent && step.browserEvent.id === step.serverEvent.id) return h('td', {}, one('Sent ', r.browser));
  return h('td', {}, one('Browser: ', r.browser), one('Server: ', r.server));
}
function deliveredCell(step: StepAnswer, pixelName: (rowId: string) => string): HTMLTableCellElement {
  if (!step.delivered.length) return h('td', { class: 'opt' }, '—');
  const same = step.browserEvent && step.serverEvent && step.browserEvent.id === step.serverEvent.id;
  return h('td', { class: 'opt' }, step.delivered.map((d) => h('div', {}, pixelName(d.pixelRowId) + ': ',
    same || !d.server ? (d.browser ?? d.server ? statusChip(d.browser ?? d.server ?? '', statusWord(d.browser ?? d.server ?? '')) : '—') : !d.browser ? statusChip(d.server, statusWord(d.server))
      : [statusChip(d.browser, 'browser ' + statusWord(d.browser)), statusChip(d.server, 'server ' + statusWord(d.server))])));
}

type ChainLookup = { order: string } | { fbp: string };

async function chainSection(t: TenantView, key: ChainLookup): Promise<HTMLElement> {
  const q = 'order' in key ? 'order_id=' + encodeURIComponent(key.order) : 'fbp=' + encodeURIComponent(key.fbp);
  let r: AcceptanceAnswer;
  try { r = await api<AcceptanceAnswer>('GET', tenantPath(t, 'acceptance?' + q)); }
  catch (err) { const e = apiError(err); if (e.status === 404) return h('p', { class: 'error', role: 'alert' }, e.message); throw err; }
  const pixels = (await api<PixelList>('GET', '/api/v1/tenants/' + t.id + '/pixels')).pixels;
  const pixelName = (id: string): string => pixelNameIn(pixels, id);
  const rows = r.steps.map((s) => h('tr', { 'data-step': s.eventName },
    h('th', { scope: 'row' }, s.eventName, s.browserCount + s.serverCount > 2 ? h('span', { class: 'hint' }, ' (' + s.browserCount + ' browser, ' + s.serverCount + ' server)') : null),
    channelCell(s.browserEvent, 'browser', s.eventName), channelCell(s.serverEvent, 'server', s.eventName),
    h('td', { class: s.dedup === 'matched' ? 'good' : s.dedup === 'different-ids' || s.dedup === 'missing' ? 'weak' : '' }, DEDUP_LABELS[s.dedup]),
    deliveredCell(s, pixelName), reconcileCell(s)));
  const title = 'order' in key ? 'Order ' + key.order : 'Browser ' + key.fbp;
  const order = r.order ? h('p', {}, 'Order total ', h('strong', {}, money(r.order.total, r.order.currency)),
    r.order.source === 'browser' ? ' (reported by the browser only: the store never sent it)' : ' reported by ' + r.order.source,
    r.order.fbp ? [' · browser ', h('code', {}, r.order.fbp)] : null) : null;
  return h('section', { class: 'card report', 'data-testid': 'chain' }, h('h2', {}, 'Event chain: ' + title), order,
    table('Event chain of ' + title + ': browser and server event per step, deduplication, delivery per pixel and reconciliation',
      ['Step', 'Browser', 'Server', 'event_id', 'Delivered per pixel', 'Value and currency'], rows, [4]));
}

async function summarySection(t: TenantView, days: number, picker: HTMLElement): Promise<HTMLElement> {
  const s = await api<AcceptanceSummaryAnswer>('GET', tenantPath(t, 'acceptance-summary?' + periodQuery(days)));
  const stat = (label: string, value: string | number): HTMLDivElement => h('div', {}, h('dt', {}, label), h('dd', {}, String(value)));
  const rows = s.diagnoses.map((d) => h('tr', { 'data-symptom': d.symptom, class: d.count ? '' : 'quiet' },
    h('th', { scope: 'row' }, SYMPTOM_LABELS[d.symptom] || d.symptom),
    h('td', { class: d.count ? 'weak' : 'good' }, String(d.count)),
    h('td', {}, d.exampleOrderIds.length ? d.exampleOrderIds.map((id) => [h('a', { href: '#/acceptance?order=' + encodeURIComponent(id) }, id), ' ']) : '—'),
    h('td', {}, d.count ? d.firstCheck : h('span', { class: 'hint' }, d.firstCheck))));
  const worst = s.diagnoses.filter((d) => d.count > 0).sort((a, b) => b.count - a.count)[0];
  return h('section', { class: 'card report', 'data-testid': 'summary' }, h('h2', {}, 'Store-wide summary'), picker,
    h('dl', { class: 'stats' }, stat('Orders', s.orders), stat('Orders with a Purchase', s.ordersWithPurchase), stat('Purchases sent', s.purchasesSent),
      stat('Deduplicated', s.dedupRate === null ? '—' : Math.round(s.dedupRate * 100) + '%'), stat('Value or currency mismatches', s.mismatches),
      stat('Purchases without a known order', s.purchasesWithoutOrder)),
    s.truncated ? h('p', { class: 'hint' }, 'Large period: only the most recent orders are counted.') : null,
    // With no order there is nothing to check: saying "no signal loss" would read as a clean bill of health.
    worst ? h('p', { class: 'notice warn' }, h('strong', {}, 'First check: '), worst.firstCheck)
      : s.orders === 0 ? h('p', { class: 'notice', 'data-testid': 'no-orders' }, 'No orders in this period yet, so nothing to check: the diagnosis needs the store\'s orders (from its webhooks or a CSV import).')
        : h('p', { class: 'good' }, 'No signal loss found in this period.'),
    table('Signal-loss diagnosis: symptom, orders affected, examples and first check', ['Symptom', 'Orders', 'Examples', 'First check'], rows));
}

async function acceptanceView(t: TenantView, params: ViewParams): Promise<void> {
  resetCharts();
  const days = Number(params.query.days) || 7;
  const key: ChainLookup | null = params.query.order ? { order: params.query.order } : params.query.fbp ? { fbp: params.query.fbp } : null;
  const orderInput = h('input', { id: 'acc-order', name: 'order', value: key && 'order' in key ? key.order : '', autocomplete: 'off', placeholder: '1001' });
  const fbpInput = h('input', { id: 'acc-fbp', name: 'fbp', value: key && 'fbp' in key ? key.fbp : '', autocomplete: 'off', placeholder: 'fb.1.…' });
  const lookup = h('form', { class: 'card report', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    const order = orderInput.value.trim(); const fbp = fbpInput.value.trim();
    navigate('#/acceptance?' + (order ? 'order=' + encodeURIComponent(order) : fbp ? 'fbp=' + encodeURIComponent(fbp) : '') + '&days=' + days);
  } }, h('h2', {}, 'Look up an order or a test session'),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'acc-order' }, 'Order ID'), orderInput),
      h('div', { class: 'field' }, h('label', { for: 'acc-fbp' }, 'or browser ID (_fbp)'), fbpInput),
      h('button', { type: 'submit' }, 'Show chain')));
  const picker = h('form', { class: 'row', onsubmit: (e) => e.preventDefault() },
    periodPicker('acc-period', days, DAY_OPTIONS, (d) => navigate('#/acceptance?' + (key && 'order' in key ? 'order=' + encodeURIComponent(key.order) + '&' : '') + 'days=' + d)));
  const chain = key ? await chainSection(t, key) : null;
  setView('Acceptance: ' + t.name, lookup, chain, await summarySection(t, days, picker));
  if (key) say('Event chain loaded');
}

// ---- Attribution ----------------------------------------------------------------------------------------
async function attributionView(t: TenantView, params: ViewParams): Promise<void> {
  resetCharts();
  const days = Number(params.query.days) || 30;
  const q = periodQuery(days);
  const r = await api<AttributionAnswer>('GET', tenantPath(t, 'attribution?' + q));
  const picker = h('form', { class: 'card row', onsubmit: (e) => e.preventDefault() },
    periodPicker('att-period', days, DAY_OPTIONS.slice(1), (d) => navigate('#/attribution?days=' + d)),
    h('a', { class: 'button', href: tenantPath(t, 'attribution?format=csv&' + q), download: 'attribution.csv' }, 'Download CSV'));
  const currencies = [...new Set(r.revenue.map((x) => x.currency))];
  const channels: Channel[] = ['meta', 'google', 'none'];
  const revChart = r.revenue.length ? await chart('Revenue per channel',
    r.revenue.map((x) => CHANNEL_LABELS[x.channel] + ': ' + money(x.revenue, x.currency) + ' from ' + plural(x.orders, 'order', 'orders')).join('; ') + '.',
    { type: 'bar', data: { labels: channels.map((c) => CHANNEL_LABELS[c]), datasets: currencies.map((c, i) => ({ label: c, backgroundColor: PALETTE[i % PALETTE.length],
      data: channels.map((ch) => { const x = r.revenue.find((y) => y.channel === ch && y.currency === c); return x ? x.revenue : 0; }) })) },
      options: { plugins: { legend: { position: 'bottom' } }, scales: { y: { beginAtZero: true } } } }) : null;
  const revenue = table('Revenue per channel and currency (each order counted once)', ['Channel', 'Currency', 'Orders', 'Revenue'],
    r.revenue.map((x) => h('tr', {}, h('th', { scope: 'row' }, CHANNEL_LABELS[x.channel]), h('td', {}, x.currency), h('td', {}, String(x.orders)), h('td', {}, money(x.revenue, x.currency)))));
  const orders = r.orders.length ? table('Orders and the click credited for each', ['Order', 'Placed', 'Total', 'Channel', 'Credited click', 'Assists'],
    r.orders.slice(0, 200).map((o) => h('tr', {}, h('th', { scope: 'row' }, h('a', { href: '#/acceptance?order=' + encodeURIComponent(o.orderId) }, o.orderId)),
      h('td', { class: 'opt' }, time(o.createdAt)), h('td', {}, money(o.total, o.currency)), h('td', {}, CHANNEL_LABELS[o.channel]),
      h('td', {}, o.click ? [o.click.kind + ' ', h('code', {}, o.click.clickId), h('br'), h('span', { class: 'hint' }, 'seen ' + time(o.click.firstSeenAt))] : '—'),
      h('td', { class: 'opt' }, o.assists.length ? o.assists.map((a) => a.kind + ':' + a.clickId).join(', ') : '—'))), [1, 5]) : h('p', {}, 'No orders in this period.');
  setView('Attribution: ' + t.name, picker,
    h('p', {}, 'Each order goes to the latest valid click on its browser (fbclid within 28 days, gclid within 90); other valid clicks are assists and add no revenue.' + (r.truncated ? ' Large period: the most recent orders only.' : '')),
    h('div', { class: 'mq-grid' }, h('div', {}, h('h2', {}, 'Revenue'), revenue), revChart), h('h2', {}, 'Orders' + (r.orders.length > 200 ? ' (latest 200; the CSV has all)' : '')), orders);
}

// ---- Events per hour ------------------------------------------------------------------------------------
async function activityView(t: TenantView, params: ViewParams): Promise<void> {
  const days = Number(params.query.days) || 1;
  async function draw(): Promise<void> {
    resetCharts();
    const r = await api<EventsPerHourAnswer>('GET', tenantPath(t, 'events-per-hour?' + periodQuery(days)));
    const statuses = Object.keys(STATUS_COLORS) as HourlyStatus[];
    const totals = Object.fromEntries(statuses.map((s) => [s, r.hours.reduce((n, x) => n + x[s], 0)]));
    const summary = statuses.filter((s) => totals[s]).map((s) => totals[s] + ' ' + HOURLY_WORDS[s]).join(', ') || 'no events';
    const label = (ms: number): string => new Date(ms).toLocaleString(undefined, days > 1 ? { month: 'short', day: 'numeric', hour: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
    const figure = await chart('Events per hour by status', 'In the period: ' + summary + '. The hourly numbers are in the table below the chart.',
      { type: 'bar', data: { labels: r.hours.map((x) => label(x.hour)),
        datasets: statuses.map((s) => ({ label: HOURLY_WORDS[s], backgroundColor: STATUS_COLORS[s], data: r.hours.map((x) => x[s]) })) },
        options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { position: 'bottom' } } } });
    const busy = r.hours.filter((x) => statuses.some((s) => x[s]));
    const data = h('details', { class: 'card' }, h('summary', {}, 'Hourly numbers (' + plural(busy.length, 'hour', 'hours') + ' with events)'),
      table('Events per hour by status', ['Hour', ...statuses.map((s) => HOURLY_WORDS[s])], busy.map((x) => h('tr', {}, h('th', { scope: 'row' }, time(x.hour)), statuses.map((s) => h('td', {}, String(x[s])))))));
    stale.textContent = '';
    setView('Events per hour: ' + t.name, picker, stale, figure, data,
      h('p', { class: 'hint' }, 'Each event counts once per pixel with its delivery status; dropped and skipped events once. Updates every minute.'));
  }
  // A failed refresh keeps the chart on screen and says why it is not current; the next one that works clears it.
  const stale = h('p', { class: 'error', role: 'alert' });
  const picker = h('form', { class: 'card row', onsubmit: (e) => e.preventDefault() },
    periodPicker('act-period', days, DAY_OPTIONS.slice(0, 3), (d) => navigate('#/activity?days=' + d)));
  await draw();
  state.poll = setInterval(() => { if (!document.hidden) void draw().catch((err) => { stale.textContent = apiError(err).message; }); }, 60000);
}

registerView('match-quality', 'Match quality', forTenant(matchQualityView));
registerView('acceptance', 'Acceptance', forTenant(acceptanceView));
registerView('attribution', 'Attribution', forTenant(attributionView));
registerView('activity', 'Events per hour', forTenant(activityView));
