/**
 * The dashboard's configuration page (served at /dashboard/config.js): pixels, the master and per-event
 * switches, webhook sources (add, rotate a secret, enable/disable), the snippet tag, allowed origins, key
 * rotation, the policy editor and privacy (the relay's retention and "Forget a customer"). Every change goes
 * through the admin API, which validates it and records it in the audit log; errors are shown next to the
 * form that caused them. A rotated key is shown once, in the page only: never in the URL, the console or
 * browser storage.
 */
import type { ConnectionReport, PixelList, PixelView, RelayInfo, RemovedCounts, ShopifyPixelAnswer, SnippetSettings, SourceListItem, SwitchesView, TenantView } from '../../core/admin-api.js';
import type { PublishableKeyAnswer, SetupAnswer, SetupStep } from '../../core/overview-api.js';
import type { z } from 'zod';
import type { policySchema } from '../../transform/policy.js';
import { identifierWord, setupStateWord } from './words.js';
import { api, apiError, copyButton, forTenant, h, navigate, plural, registerView, say, setView, state, statusChip, table, time, useSession, type Child } from './app.js';

const IDENTIFIERS: readonly string[] = ['em', 'ph', 'external_id', 'fbp', 'fbc', 'fn', 'ln', 'ct', 'st', 'zp', 'country', 'ge', 'db'];

function field(id: string, label: string, input: HTMLElement, hint?: string): HTMLDivElement {
  input.id = id;
  if (hint) input.setAttribute('aria-describedby', id + '-hint');
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null);
}

/** Shows a result line: ok true (green), false (red) or null (plain). */
function show(out: HTMLElement, ok: boolean | null, text: string): void { out.className = ok === true ? 'result-ok' : ok === false ? 'result-bad' : ''; out.textContent = text; }

/** Marks the input a server message is about (aria-invalid, from [regex, input] pairs) and clears the others; returns it or null. */
type FieldPattern = readonly [RegExp, HTMLElement];
function markInvalid(pairs: readonly FieldPattern[], message: string | null): HTMLElement | null {
  const found = message === null ? null : pairs.find(([re]) => re.test(message));
  const bad = found ? found[1] : null;
  for (const [, input] of pairs) { if (input === bad) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid'); }
  return bad;
}

/**
 * An inline confirmation (removing an origin, rotating a key, disabling a source, forgetting a customer):
 * open(trigger, question) shows the question (id + '-question') with a danger button (focused) and Cancel, and
 * hides the trigger unless keepTrigger (a toggle that stays visible, such as a source's "Disable…"). Cancel or
 * Escape closes it, calls onCancel and gives the focus back to the trigger. onYes runs with both buttons
 * disabled and closes the box itself (close()).
 */
function confirmation(id: string, yesLabel: string, onYes: () => Promise<void>, onCancel: () => void, { keepTrigger = false } = {}) {
  const question = h('p', { id: id + '-question' });
  const yes = h('button', { type: 'button', class: 'danger' }, yesLabel);
  const no = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const box = h('div', { class: 'confirm', id, hidden: true, role: 'group', 'aria-labelledby': id + '-question' }, question, yes, ' ', no);
  let trigger: HTMLElement | null = null;
  const close = () => { box.hidden = true; if (trigger) trigger.hidden = false; };
  yes.addEventListener('click', async () => {
    yes.disabled = true; no.disabled = true;
    try { await onYes(); } finally { yes.disabled = false; no.disabled = false; }
  });
  no.addEventListener('click', () => { close(); onCancel(); if (trigger) trigger.focus(); });
  box.addEventListener('keydown', (e) => { if (e.key === 'Escape') no.click(); });
  return {
    box, close,
    open(by: HTMLElement, text: string) { if (trigger && trigger !== by) trigger.hidden = false; trigger = by; question.textContent = text; by.hidden = !keepTrigger; box.hidden = false; yes.focus(); },
  };
}

/** Runs a save, showing its outcome in 'out' (role=status for success, the API's message on failure). */
async function saving(out: HTMLElement, fn: () => Promise<unknown>, okText: string): Promise<boolean> {
  show(out, null, 'Saving…');
  try { await fn(); show(out, true, okText); say(okText); return true; }
  catch (err) { show(out, false, apiError(err).message); return false; }
}

type Redraw = (flash?: Flash) => Promise<void>;

function pixelSection(t: TenantView, pixels: PixelView[], graphVersion: string, redraw: Redraw): Child[] {
  const rows: HTMLTableRowElement[] = [];
  for (const p of pixels) {
    const out = h('output', { 'aria-live': 'polite', id: 'test-' + p.id });
    const btn = h('button', { type: 'button', class: 'secondary', 'aria-label': 'Test connection for pixel ' + p.pixelId, onclick: async () => {
      btn.disabled = true; show(out, null, 'Asking Meta…');
      try {
        const r = await api<ConnectionReport>('POST', '/api/v1/pixels/' + p.id + '/test-connection');
        show(out, r.ok, r.ok ? r.message : r.problem + ' problem: ' + r.message);
      } catch (err) { show(out, false, apiError(err).message); }
      btn.disabled = false;
    } }, 'Test connection');
    const editId = 'edit-' + p.id;
    const edit = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': editId, 'aria-label': 'Edit pixel ' + p.pixelId }, 'Edit');
    rows.push(h('tr', { 'data-pixel': p.pixelId }, h('td', {}, h('code', {}, p.pixelId)), h('td', {}, p.role),
      h('td', {}, statusChip(p.status), p.pauseReason ? h('span', { class: 'hint' }, ' ' + p.pauseReason) : null),
      h('td', { class: 'opt' }, p.testEventCode || '—'),
      h('td', { class: 'opt', 'data-testid': 'pixel-graph-version' }, p.graphVersion ? h('code', {}, p.graphVersion) : ['default ', h('code', {}, graphVersion)]),
      h('td', {}, btn, ' ', edit, ' ', out)));
    // The editor exists only while open, so its labels never clash with the "Add a pixel" form's.
    let editRow: HTMLTableRowElement | null = null;
    edit.addEventListener('click', () => {
      if (editRow) { editRow.remove(); editRow = null; edit.setAttribute('aria-expanded', 'false'); return; }
      editRow = h('tr', { class: 'details', id: editId }, h('td', { colspan: 6 }, pixelEditor(p, graphVersion, redraw)));
      edit.closest('tr')?.after(editRow);
      edit.setAttribute('aria-expanded', 'true');
      editRow.querySelector('select')?.focus();
    });
  }
  const list = pixels.length
    ? table('Pixels', ['Pixel ID', 'Role', 'Status', 'Test event code', 'Graph API version', 'Actions'], rows, [3, 4])
    : h('p', {}, 'No pixels yet: events are stored but sent nowhere until you add one.');
  const pixelId = h('input', { name: 'pixelId', required: true, inputmode: 'numeric', pattern: '[0-9]{5,20}', autocomplete: 'off' });
  const token = h('input', { name: 'accessToken', type: 'password', required: true, minlength: 10, autocomplete: 'off' });
  const code = h('input', { name: 'testEventCode', maxlength: 64, autocomplete: 'off' });
  const version = h('input', { name: 'graphVersion', maxlength: 8, autocomplete: 'off', placeholder: graphVersion });
  const role = h('select', { name: 'role' }, h('option', { value: '' }, pixels.some((p) => p.role === 'primary') ? 'secondary' : 'primary (first pixel)'), h('option', { value: 'primary' }, 'primary'), h('option', { value: 'secondary' }, 'secondary'));
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    const body: Record<string, string> = { pixelId: pixelId.value.trim(), accessToken: token.value };
    if (code.value.trim()) body.testEventCode = code.value.trim();
    if (version.value.trim()) body.graphVersion = version.value.trim();
    if (role.value) body.role = role.value;
    try { await api('POST', '/api/v1/tenants/' + t.id + '/pixels', body); say('Pixel ' + body.pixelId + ' added'); await redraw(); }
    catch (err) { error.textContent = apiError(err).message; }
  } }, h('h3', { id: 'pixel-add' }, 'Add a pixel'),
    field('pixel-id', 'Pixel (dataset) ID', pixelId),
    field('pixel-token', 'Conversions API access token', token, 'Stored encrypted and never shown again.'),
    field('pixel-test-code', 'Test event code (optional)', code, 'From Events Manager › Test Events. Used only by simulated events, never on live traffic.'),
    field('pixel-graph-version', 'Graph API version (optional)', version, 'Empty: the relay default, ' + graphVersion + '. Set one (e.g. v23.0) to keep this pixel on another version.'),
    field('pixel-role', 'Role', role),
    error, h('button', { type: 'submit' }, 'Add pixel'));
  return [h('h2', { id: 'pixels' }, 'Pixels'), h('p', { role: 'status', id: 'pixels-result' }),
    h('p', { class: 'hint' }, 'Every active pixel gets every event (one delivery each). Default Graph API version: ', h('code', { 'data-testid': 'graph-version' }, graphVersion),
      ' (set by CAPI_RELAY_GRAPH_VERSION; used by every pixel that has no version of its own).'),
    list, form];
}

function pixelEditor(p: PixelView, graphVersion: string, redraw: Redraw): HTMLFormElement {
  const id = (k: string): string => 'px-' + k + '-' + p.id;
  const role = h('select', {}, ['primary', 'secondary'].map((r) => h('option', { value: r, selected: p.role === r }, r)));
  const code = h('input', { value: p.testEventCode || '', maxlength: 64, autocomplete: 'off' });
  const version = h('input', { value: p.graphVersion || '', maxlength: 8, autocomplete: 'off', placeholder: graphVersion });
  const token = h('input', { type: 'password', minlength: 10, autocomplete: 'off' });
  const active = h('input', { type: 'checkbox', checked: p.status !== 'disabled' });
  const out = h('p', { role: 'status' });
  return h('form', { 'aria-label': 'Settings of pixel ' + p.pixelId, onsubmit: async (e) => {
    e.preventDefault();
    const ok = await saving(out, async () => {
      // An empty version field clears the pixel's own version: it then uses the relay default.
      await api('PUT', '/api/v1/pixels/' + p.id + '/settings', { role: role.value, testEventCode: code.value.trim() || null, graphVersion: version.value.trim() || null });
      if (active.checked !== (p.status !== 'disabled')) await api('POST', '/api/v1/pixels/' + p.id + '/status', { status: active.checked ? 'active' : 'disabled' });
      // A new token also resumes a pixel that Meta's auth errors paused.
      if (token.value) await api('POST', '/api/v1/pixels/' + p.id + '/rotate', { accessToken: token.value });
    }, 'Pixel ' + p.pixelId + ' saved');
    if (ok) await redraw({ id: 'pixels-result', text: 'Pixel ' + p.pixelId + ' saved' });
  } },
    h('div', { class: 'row' }, field(id('role'), 'Role', role), field(id('code'), 'Test event code', code),
      field(id('graph'), 'Graph API version', version, 'Empty: the relay default, ' + graphVersion + '.'), field(id('token'), 'New access token (optional)', token)),
    h('p', {}, h('label', { class: 'live', for: id('active') }, Object.assign(active, { id: id('active') }), ' Active (unchecked: no new deliveries to this pixel)')),
    h('button', { type: 'submit' }, 'Save pixel'), ' ', out);
}

function switchSection(t: TenantView, sw: SwitchesView): Child[] {
  const out = h('p', { role: 'status' });
  const master = h('input', { type: 'checkbox', id: 'sw-master', checked: sw.forwarding });
  master.addEventListener('change', () => saving(out, () => api('POST', '/api/v1/tenants/' + t.id + '/forwarding', { forwarding: master.checked }),
    'Forwarding ' + (master.checked ? 'on' : 'off: events are logged as skipped')));
  const boxes = Object.entries(sw.switches).map(([name, on]) => {
    const box = h('input', { type: 'checkbox', id: 'sw-' + name, checked: on });
    box.addEventListener('change', () => saving(out, () => api('PUT', '/api/v1/tenants/' + t.id + '/switches', { [name]: box.checked }), name + ' ' + (box.checked ? 'on' : 'off')));
    return h('label', { class: 'check', for: 'sw-' + name }, box, name === 'custom' ? 'custom events' : name);
  });
  return [h('h2', { id: 'switches' }, 'Forwarding'), h('section', { class: 'card' },
    h('p', {}, h('label', { class: 'check strong', for: 'sw-master' }, master, 'Master switch: forward events to Meta')),
    h('fieldset', {}, h('legend', {}, 'Per-event switches (off: logged as skipped, not sent)'), h('div', { class: 'checks' }, boxes)), out)];
}

// The platforms, with where their signing secret is and where the webhook URL goes (docs/connect-your-store.md).
// [value, label, where the secret is, where the webhook URL goes]
type PlatformInfo = readonly [string, string, string, string];
const PLATFORMS: readonly PlatformInfo[] = [
  ['shopify', 'Shopify', 'Required. Shopify admin › Settings › Notifications › Webhooks: the value after "Your webhooks will be signed with" (for an app\'s webhooks, the app\'s client secret).',
    'Shopify admin › Settings › Notifications › Webhooks › Create webhook (Order creation, format JSON)'],
  ['woocommerce', 'WooCommerce', 'Required. The Secret you type in the WooCommerce webhook form; give the same string here.',
    'WooCommerce › Settings › Advanced › Webhooks › Add webhook, as the Delivery URL'],
  ['commerce7', 'Commerce7', 'Optional for Commerce7: the webhook\'s Basic-auth credentials as user:password. Without them every request to the URL is accepted, so keep it private.',
    'Commerce7 › Settings › Webhooks › Add webhook (one per object and action)'],
  ['stripe', 'Stripe', 'Required. The endpoint\'s Signing secret (whsec_…) on its page in Stripe › Developers › Webhooks.',
    'Stripe › Developers › Webhooks › Add endpoint, as the Endpoint URL'],
  ['generic', 'Generic (your own code)', 'Required. A long random string of your choice; your code signs each request with X-Capi-Relay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{body}"> (see docs/connect-your-store.md).',
    'your own code: POST signed events to it'],
];
const platformOf = (p: string): PlatformInfo => PLATFORMS.find(([v]) => v === p) ?? [p, p, '', 'the platform\'s webhook settings'];
const sourceName = (s: SourceListItem): string => s.platform + ' source ' + s.id.slice(0, 8);
// Without a configured publicUrl the API can only guess localhost; the address this page came from is a better guess.
const hookAddress = (publicUrl: string | null, webhookUrl: string): string => (publicUrl ? webhookUrl : location.origin + new URL(webhookUrl).pathname);

function sourceSection(t: TenantView, sources: SourceListItem[], publicUrl: string | null): Child[] {
  const result = h('p', { role: 'status', 'aria-live': 'polite', id: 'sources-result' });
  const listBox = h('div', { id: 'sources-list' });
  // One open panel (new secret or disable question) per source; redrawing the list closes them.
  const panels = new Map<string, { row: HTMLTableRowElement; button: HTMLElement; kind: string }>();

  function closePanel(id: string): void { const p = panels.get(id); if (p) { p.row.remove(); p.button.setAttribute('aria-expanded', 'false'); panels.delete(id); } }
  function openPanel(s: SourceListItem, button: HTMLElement, kind: string, content: HTMLElement): HTMLTableRowElement | null {
    const open = panels.get(s.id);
    closePanel(s.id);
    if (open && open.kind === kind) return null;
    const row = h('tr', { class: 'details', id: 'source-panel-' + s.id }, h('td', { colspan: 5 }, content));
    button.closest('tr')?.after(row);
    button.setAttribute('aria-expanded', 'true');
    panels.set(s.id, { row, button, kind });
    return row;
  }

  async function reload(focusId?: string): Promise<void> {
    const r = await api<{ sources: SourceListItem[] }>('GET', '/api/v1/tenants/' + t.id + '/sources');
    draw(r.sources);
    if (focusId) document.getElementById(focusId)?.focus();
  }

  function secretPanel(s: SourceListItem, button: HTMLElement): void {
    const name = sourceName(s);
    const secret = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', maxlength: 1000 });
    const out = h('p', { role: 'status', 'aria-live': 'polite' });
    const form = h('form', { novalidate: true, 'aria-label': 'New signing secret for the ' + name, onsubmit: async (e) => {
      e.preventDefault();
      show(out, null, 'Saving…');
      try {
        const r = await api<{ previousSecretValidForMs: number }>('POST', '/api/v1/sources/' + s.id + '/rotate-secret', { secret: secret.value.trim() });
        secret.value = '';
        const hours = Math.round(r.previousSecretValidForMs / 3600000);
        closePanel(s.id);
        show(result, true, 'Secret of the ' + name + ' replaced. The previous secret keeps verifying for ' + hours + ' hours (until ' + time(Date.now() + r.previousSecretValidForMs) + '), so webhooks the platform signed before you change it there still pass: enter the new secret on the platform now.');
        say('Secret replaced');
        button.focus();
      } catch (err) { secret.setAttribute('aria-invalid', 'true'); show(out, false, apiError(err).message); secret.focus(); }
    } },
      field('new-secret-' + s.id, 'New signing secret', secret, platformOf(s.platform)[2] + ' The previous secret keeps verifying for 24 hours after you save, so nothing is refused while you change it on the platform.'),
      h('button', { type: 'submit' }, 'Save new secret'), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: () => { closePanel(s.id); button.focus(); } }, 'Cancel'), out);
    form.addEventListener('keydown', (e) => { if (e.key === 'Escape') { closePanel(s.id); button.focus(); } });
    if (openPanel(s, button, 'secret', form)) secret.focus();
  }

  function disablePanel(s: SourceListItem, button: HTMLElement): void {
    const name = sourceName(s);
    // The toggle stays visible (it closes the panel too); the panel's row goes on "Cancel" and the list is redrawn on success.
    const confirm = confirmation('disable-' + s.id, 'Disable now', async () => {
      try {
        await api('POST', '/api/v1/sources/' + s.id + '/status', { status: 'disabled' });
        show(result, true, 'The ' + name + ' is disabled: its webhooks are refused (404).');
        await reload('source-toggle-' + s.id);
      } catch (err) { closePanel(s.id); show(result, false, apiError(err).message); button.focus(); }
    }, () => { closePanel(s.id); show(result, null, 'The ' + name + ' stays active.'); }, { keepTrigger: true });
    if (openPanel(s, button, 'disable', confirm.box)) {
      confirm.open(button, 'Disable the ' + name + '? Its webhooks are refused (404) and nothing they send is stored until you enable it again; the platform retries for a while, and may turn off a webhook that keeps failing.');
    }
  }

  async function enable(s: SourceListItem): Promise<void> {
    try {
      await api('POST', '/api/v1/sources/' + s.id + '/status', { status: 'active' });
      show(result, true, 'The ' + sourceName(s) + ' is active again: its webhooks are accepted.');
      await reload('source-toggle-' + s.id);
    } catch (err) { show(result, false, apiError(err).message); }
  }

  function draw(list: SourceListItem[]): void {
    panels.clear();
    const rows = list.map((s) => {
      const name = sourceName(s);
      const url = h('code', { id: 'hook-' + s.id }, hookAddress(publicUrl, s.webhookUrl));
      const st = s.settings;
      const settings = [st.currency, st.siteUrl].filter((x): x is string => Boolean(x));
      const rotate = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': 'source-panel-' + s.id, 'aria-label': 'Rotate the secret of the ' + name }, 'Rotate secret');
      rotate.addEventListener('click', () => secretPanel(s, rotate));
      const toggle = s.status === 'active'
        ? h('button', { type: 'button', class: 'secondary', id: 'source-toggle-' + s.id, 'aria-expanded': 'false', 'aria-controls': 'source-panel-' + s.id, 'aria-label': 'Disable the ' + name }, 'Disable…')
        : h('button', { type: 'button', class: 'secondary', id: 'source-toggle-' + s.id, 'aria-label': 'Enable the ' + name }, 'Enable');
      toggle.addEventListener('click', () => { if (s.status === 'active') disablePanel(s, toggle); else void enable(s); });
      return h('tr', { 'data-source': s.id }, h('td', {}, s.platform, h('span', { class: 'sub' }, s.id.slice(0, 8))), h('td', {}, statusChip(s.status)),
        h('td', {}, url, ' ', copyButton(url, 'Copy the ' + s.platform + ' webhook URL of source ' + s.id.slice(0, 8))),
        h('td', { class: 'opt' }, settings.length ? settings.map((x, i) => [i ? ' · ' : '', h('code', {}, x)]) : '—'),
        h('td', { class: 'nowrap' }, rotate, ' ', toggle));
    });
    listBox.replaceChildren(list.length
      ? table('Webhook sources', ['Platform', 'Status', 'Webhook URL (paste into the platform)', 'Settings', 'Actions'], rows, [3])
      : h('p', {}, 'No webhook sources yet: add the store\'s platform below.'));
  }
  draw(sources);

  // Adding a source.
  const platform = h('select', { name: 'platform' }, PLATFORMS.map(([v, label]) => h('option', { value: v }, label)));
  const secret = h('input', { name: 'secret', type: 'password', autocomplete: 'off', spellcheck: 'false', maxlength: 1000 });
  const currency = h('input', { name: 'currency', autocomplete: 'off', spellcheck: 'false' });
  const siteUrl = h('input', { name: 'siteUrl', inputmode: 'url', maxlength: 2048, autocomplete: 'off', spellcheck: 'false', placeholder: 'https://shop.example.com/' });
  const secretField = field('source-secret', 'Signing secret', secret, platformOf('shopify')[2]);
  platform.addEventListener('change', () => { const hint = secretField.querySelector('.hint'); if (hint) hint.textContent = platformOf(platform.value)[2]; });
  const out = h('p', { role: 'status', 'aria-live': 'polite', id: 'source-add-result' });
  const added = h('div', { id: 'source-added' });
  // The server's messages name the field: "a stripe source needs its webhook signing secret …", "currency "x" is not …", "body siteUrl: …".
  const fieldOf: FieldPattern[] = [[/^(?:body )?platform\b/, platform], [/needs its webhook signing secret|^(?:body )?secret\b/, secret], [/^(?:body )?currency\b/, currency],
    [/^(?:body siteUrl|site URL)\b/, siteUrl]];
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'source-add-heading', onsubmit: async (e) => {
    e.preventDefault();
    // Only what was filled in is sent: the relay decides what is required (a secret, except for Commerce7).
    const body: Record<string, string> = { platform: platform.value };
    if (secret.value.trim()) body.secret = secret.value.trim();
    if (currency.value.trim()) body.currency = currency.value.trim();
    if (siteUrl.value.trim()) body.siteUrl = siteUrl.value.trim();
    show(out, null, 'Adding…');
    added.replaceChildren();
    try {
      const r = await api<{ id: string; webhookUrl: string }>('POST', '/api/v1/tenants/' + t.id + '/sources', body);
      for (const input of [secret, currency, siteUrl]) input.value = '';
      markInvalid(fieldOf, null);
      const [, label, , where] = platformOf(platform.value);
      show(out, true, label + ' source added: its webhook URL is shown above the form.');
      const url = h('code', { id: 'source-added-url' }, hookAddress(publicUrl, r.webhookUrl));
      const copy = copyButton(url, 'Copy the new ' + platform.value + ' webhook URL');
      added.replaceChildren(h('div', { class: 'notice', role: 'group', 'aria-labelledby': 'source-added-heading' },
        h('p', { id: 'source-added-heading' }, h('strong', {}, label + ' source added. '), 'Paste this webhook URL into ' + where + ':'),
        h('p', {}, url, ' ', copy)));
      say(label + ' source added; its webhook URL is shown under the form.');
      await reload();
      copy.focus();
    } catch (err) {
      const bad = markInvalid(fieldOf, apiError(err).message);
      show(out, false, apiError(err).message);
      (bad || platform).focus();
    }
  } }, h('h3', { id: 'source-add-heading' }, 'Add a webhook source'),
    field('source-platform', 'Platform', platform),
    secretField,
    field('source-currency', 'Currency (optional)', currency, '3-letter ISO code (EUR, USD) for platforms whose payloads carry none. Commerce7: needed for purchases.'),
    field('source-site', 'Site URL (optional)', siteUrl, 'The storefront, e.g. https://shop.example.com/: the page of website events whose payload names none. Commerce7: needed for web sales.'),
    h('button', { type: 'submit' }, 'Add source'), out);

  return [h('h2', { id: 'sources' }, 'Webhook sources'), purchaseIdNote(t),
    h('p', { class: 'hint', id: 'shopify-pixel-pointer' }, 'A Shopify store also needs its custom pixel for the checkout: see ', h('a', { href: '#/config/snippet' }, 'Snippet and origins › Shopify custom pixel'), '.'),
    listBox, result,
    publicUrl ? null : h('p', { class: 'hint' }, 'The URLs use this page\'s address; set publicUrl (CAPI_RELAY_PUBLIC_URL) when the platforms reach the relay at another one.'),
    added, form];
}

/** The store's one Purchase event_id rule, with the id it gives an example order on every channel. */
function purchaseIdNote(t: TenantView): HTMLParagraphElement {
  const templates = (t.policy.eventIdTemplates ?? {}) as Record<string, string>;
  const tpl = templates.Purchase ?? 'purchase:{order_id}';
  const example = tpl.split('{event_name}').join('Purchase').split('{order_id}').join('1001');
  return h('p', { class: 'hint', id: 'purchase-id-rule' }, 'Every channel (these webhooks, the snippet, /v1/collect, CSV import and the API) names an order\'s Purchase with this store\'s one template ',
    h('code', {}, tpl), ': order 1001 is ', h('code', {}, example), ' everywhere, so Meta counts it once. Change it in the ', h('a', { href: '#/config/policy' }, 'policy'), '.');
}

/** The two tags of docs/snippet.md for the store's `<head>`: the stub that queues early calls, and sdk.js with the key. */
export function snippetTag(base: string, key: string): string {
  return '<script>\n  window.capiRelay=window.capiRelay||{q:[],track:function(){this.q.push([\'track\',arguments])},consent:function(){this.q.push([\'consent\',arguments])},init:function(){this.q.push([\'init\',arguments])}};\n</script>\n<script async src="' + base + '/sdk.js?key=' + encodeURIComponent(key) + '"></script>';
}

/**
 * The snippet tag as it is pasted: with the store's publishable key when the relay holds it (so the copied tag
 * works unchanged), else with YOUR_PUBLISHABLE_KEY and a word on rotating the key once to get it in.
 */
function snippetSection(base: string, t: TenantView, snippet: SnippetSettings | null, held: PublishableKeyAnswer | null): Child[] {
  const key = held?.key ?? null;
  const code = h('code', { id: 'snippet-tag' }, snippetTag(base, key ?? 'YOUR_PUBLISHABLE_KEY'));
  const note = key !== null
    ? h('p', { id: 'snippet-key-note' }, 'Paste it as it is into the <head> of every page of "' + t.name + '": it carries the store\'s publishable key. The shop\'s address must be listed under ',
      h('a', { href: '#/config/snippet/origins' }, 'Allowed origins'), ' (below), or its events are refused.')
    : held === null ? h('p', { id: 'snippet-key-note', class: 'error', role: 'alert' }, 'The store\'s publishable key could not be read, so the tag has YOUR_PUBLISHABLE_KEY in its place: reload the page.')
    : h('p', { id: 'snippet-key-note', class: 'notice new-key' }, h('strong', {}, 'The relay does not hold this store\'s publishable key'),
      held.message ? ' (' + held.message.split(':')[0] + ')' : '', ', so the tag has ', h('code', {}, 'YOUR_PUBLISHABLE_KEY'), ' in its place. Rotate the publishable key once under ',
      h('a', { href: '#/config/keys/keys' }, 'Keys'), ' and come back here: the tag then carries it, ready to paste.');
  return [h('h2', { id: 'snippet' }, 'Snippet tag'),
    h('section', { class: 'card', 'aria-labelledby': 'snippet' }, note,
      h('pre', {}, code), h('p', { class: 'actions' }, copyButton(code, 'Copy the snippet tag')), snippet && typeof snippet.loadPixel === 'boolean' ? loadPixelToggle(t, snippet.loadPixel) : null,
      snippet ? cookieDomainForm(t, snippet.cookieDomain ?? '') : null)];
}

/**
 * The Shopify custom pixel (Shopify's checkout runs no script tags, so the snippet cannot see it): the code is
 * fetched when the section is opened, with the store's publishable key when the relay holds it, else with the
 * placeholder and a word on how to get the key in (docs/switch-from.md).
 */
function shopifyPixelSection(base: string, t: TenantView, snippet: SnippetSettings | null): Child[] {
  const status = h('p', { role: 'status', 'aria-live': 'polite', id: 'shopify-pixel-status' });
  const keyNote = h('p', { id: 'shopify-pixel-key-note' });
  const code = h('textarea', { id: 'shopify-pixel-code', readonly: true, rows: 12, spellcheck: 'false', class: 'mono', 'aria-label': 'Shopify custom pixel code', hidden: true });
  const copy = copyButton(code, 'Copy the Shopify custom pixel code');
  copy.hidden = true;
  let loaded = false;
  async function load(): Promise<void> {
    loaded = true;
    show(status, null, 'Writing the code…');
    try {
      const held = await api<PublishableKeyAnswer>('GET', '/api/v1/tenants/' + t.id + '/keys/publishable');
      const query = new URLSearchParams({ relay_url: base });
      if (held.key !== null) query.set('key', held.key);
      const pixel = await api<ShopifyPixelAnswer>('GET', '/api/v1/tenants/' + t.id + '/shopify-pixel?' + query.toString());
      keyNote.replaceChildren(...(pixel.keyIncluded
        ? ['The code carries this store\'s publishable key and sends to ', h('code', {}, pixel.relayUrl), '.']
        : [h('strong', {}, 'The relay does not hold this store\'s publishable key'), ' (it was issued before the relay kept it), so the code has ',
          h('code', {}, 'YOUR_PUBLISHABLE_KEY'), ' in its place. Rotate the publishable key once under ', h('a', { href: '#/config/keys' }, 'Keys'),
          ' and come back here: the code then carries it.']));
      code.value = pixel.code;
      code.hidden = false; copy.hidden = false;
      show(status, null, '');
    } catch (err) { loaded = false; show(status, false, apiError(err).message); }
  }
  const box = h('details', { class: 'card', id: 'shopify-pixel' }, h('summary', {}, 'Shopify custom pixel (for a Shopify store\'s checkout)'),
    h('p', { class: 'hint' }, 'Shopify\'s checkout and thank-you page run no script tags, so the snippet above cannot see a purchase there. Shopify runs this code instead, on every page, checkout included.'),
    h('ol', { id: 'shopify-pixel-steps' },
      h('li', {}, 'Add the shop\'s address (and its checkout\'s, if another) under Allowed origins, below.'),
      h('li', {}, 'Tick "Accept the Shopify custom pixel" below.'),
      h('li', {}, 'In Shopify Admin, open Settings › Customer events › Add custom pixel; name it (e.g. capi-relay) and choose Add pixel.'),
      h('li', {}, 'Under Customer privacy, set Permission to Required and tick Marketing and Analytics.'),
      h('li', {}, 'Copy the code below and paste it in place of everything in the editor, then choose Save, then Connect.'),
      h('li', {}, 'Keep the Shopify order webhook (Webhook sources): it and the pixel name an order alike, so Meta counts it once.')),
    snippet && typeof snippet.acceptSandboxedPixel === 'boolean' ? sandboxedPixelToggle(t, snippet.acceptSandboxedPixel) : null,
    keyNote, status, code, h('p', { class: 'actions' }, copy));
  box.addEventListener('toggle', () => { if (box.open && !loaded) void load(); });
  return [h('h2', { id: 'shopify-pixel-heading' }, 'Shopify custom pixel'), box];
}

/**
 * The store's opt-in to beacons with `Origin: null`: Shopify runs the custom pixel in a sandboxed frame, whose
 * requests name no site, so the relay can only check the page URL the beacon reports, which any site can write.
 */
function sandboxedPixelToggle(t: TenantView, on: boolean): HTMLDivElement {
  const out = h('span', { role: 'status', id: 'shopify-pixel-accept-result' });
  const box = h('input', { type: 'checkbox', id: 'shopify-pixel-accept', checked: on, 'aria-describedby': 'shopify-pixel-accept-hint' });
  box.addEventListener('change', () => saving(out, () => api('PUT', '/api/v1/tenants/' + t.id + '/snippet', { acceptSandboxedPixel: box.checked }),
    box.checked ? 'The relay now accepts the Shopify custom pixel\'s events' : 'The relay now refuses the Shopify custom pixel\'s events'));
  return h('div', {},
    h('p', {}, h('label', { class: 'check', for: 'shopify-pixel-accept' }, box, 'Accept the Shopify custom pixel (events sent with Origin: null)'), ' ', out),
    h('p', { class: 'hint', id: 'shopify-pixel-accept-hint' }, 'Shopify runs the custom pixel in a sandboxed frame, so its events reach the relay with Origin: null instead of the shop\'s address. ',
      'With this on, the relay accepts them when the page address they report is one of the Allowed origins; that address is written by the sender, so any site holding the public key could claim it. Off (the default), they are refused (403 origin_not_allowed). Turn it on only for a Shopify store that uses this pixel.'));
}

function cookieDomainForm(t: TenantView, current: string): HTMLFormElement {
  const input = h('input', { name: 'cookieDomain', value: current, maxlength: 253, autocomplete: 'off', spellcheck: 'false', placeholder: 'automatic' });
  const out = h('span', { role: 'status', id: 'cookie-domain-result' });
  return h('form', { 'aria-label': 'Cookie domain', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    const v = input.value.trim();
    const ok = await saving(out, () => api('PUT', '/api/v1/tenants/' + t.id + '/snippet', { cookieDomain: v || null }),
      v ? 'The click cookies now go on ' + v : 'The click cookies now go on the registrable domain');
    if (ok) input.removeAttribute('aria-invalid'); else input.setAttribute('aria-invalid', 'true');
  } }, field('snippet-cookie-domain', 'Cookie domain (optional)', input, 'Empty: _fbp and _fbc go on the registrable domain (www. and shop. share them), found in the browser as Meta\'s Pixel does. Set a domain such as example.co.uk only where that is wrong.'),
    h('button', { type: 'submit', class: 'secondary' }, 'Save cookie domain'), ' ', out);
}

function loadPixelToggle(t: TenantView, on: boolean): HTMLParagraphElement {
  const out = h('span', { role: 'status', id: 'snippet-result' });
  const box = h('input', { type: 'checkbox', id: 'snippet-load-pixel', checked: on });
  box.addEventListener('change', () => saving(out, () => api('PUT', '/api/v1/tenants/' + t.id + '/snippet', { loadPixel: box.checked }),
    box.checked ? 'The snippet now loads the Meta Pixel' : 'The snippet no longer loads the Meta Pixel'));
  return h('p', {}, h('label', { class: 'check', for: 'snippet-load-pixel' }, box, 'Also load the Meta Pixel for this store\'s pixels (only when the store has no Pixel tag of its own)'), ' ', out);
}

function originSection(t: TenantView, origins: string[]): Child[] {
  const listBox = h('div', { id: 'origins-list' });
  const input = h('input', { name: 'origin', inputmode: 'url', maxlength: 300, autocomplete: 'off', spellcheck: 'false', placeholder: 'https://shop.example' });
  const out = h('p', { id: 'origins-result', role: 'status', 'aria-live': 'polite' });
  let current = origins;
  let pending = '';
  const confirm = confirmation('origin-remove', 'Remove now', async () => {
    const origin = pending;
    show(out, null, 'Removing…');
    try {
      const r = await api<{ origins: string[] }>('DELETE', '/api/v1/tenants/' + t.id + '/origins', { origin });
      confirm.close();
      draw(r.origins);
      show(out, true, origin + ' removed: the snippet on that site is refused from now on.');
      input.focus();
    } catch (err) { confirm.close(); show(out, false, apiError(err).message); input.focus(); }
  }, () => show(out, null, 'Nothing was removed.'));

  function draw(list: string[]): void {
    current = list;
    listBox.replaceChildren(list.length
      ? h('ul', { class: 'plain', 'aria-label': 'Allowed origins' }, list.map((o) => {
        const btn = h('button', { type: 'button', class: 'secondary', 'aria-label': 'Remove origin ' + o }, 'Remove…');
        btn.addEventListener('click', () => {
          pending = o;
          show(out, null, '');
          confirm.open(btn, 'Remove ' + o + ' from the allowed origins? The snippet on that site is refused at once (403 origin_not_allowed) and its browser events are lost until you add it again.');
        });
        return h('li', {}, h('code', {}, o), btn);
      }))
      : h('p', {}, 'No origins yet: the snippet\'s events are refused (403 origin_not_allowed) until the store\'s origin is listed here.'));
  }
  draw(origins);

  const form = h('form', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    const value = input.value.trim();
    confirm.close();
    if (!value) { input.setAttribute('aria-invalid', 'true'); show(out, false, 'Type an origin, such as https://shop.example.'); input.focus(); return; }
    show(out, null, 'Adding…');
    try {
      // The relay checks and normalizes it (https://Shop.Example/cart → https://shop.example).
      const r = await api<{ origin: string; origins: string[] }>('POST', '/api/v1/tenants/' + t.id + '/origins', { origin: value });
      const known = current.includes(r.origin);
      draw(r.origins);
      input.value = ''; input.removeAttribute('aria-invalid');
      show(out, true, known ? r.origin + ' was already allowed.' : r.origin + ' allowed' + (r.origin !== value ? ' (the origin of what you typed: scheme, host and port).' : '.'));
      input.focus();
    } catch (err) { input.setAttribute('aria-invalid', 'true'); show(out, false, apiError(err).message); input.focus(); }
  } },
    h('div', { class: 'field' }, h('label', { for: 'origin-input' }, 'Add an origin'),
      h('div', { class: 'copy-row' }, Object.assign(input, { id: 'origin-input' }), h('button', { type: 'submit' }, 'Add origin')),
      h('p', { class: 'hint', id: 'origin-hint' }, 'The store\'s address as the browser sends it: https://, the host and any port, no path (https://shop.example and https://www.shop.example are two origins).')));
  input.setAttribute('aria-describedby', 'origin-hint');

  return [h('h2', { id: 'origins' }, 'Allowed origins'),
    h('section', { class: 'card', 'aria-labelledby': 'origins' },
      h('p', { class: 'hint' }, 'The snippet\'s events are accepted only from these web origins (its publishable key is public: the Origin check stops other sites from sending in the store\'s name).'),
      listBox, confirm.box, form, out)];
}

// What each key is for and what rotating it breaks.
type KeyKind = 'ingest' | 'publishable';
const KEYS: Readonly<Record<KeyKind, { label: string; title: string; use: string; warn: string; next: string }>> = {
  ingest: {
    label: 'ingest key', title: 'Ingest key',
    use: 'Secret, server to server (cr_ingest_…): the store\'s server sends events with it (POST /v1/events) and reads the event log (GET /v1/events); a store owner signs in to this dashboard with it.',
    warn: 'The current key stops working at once: the store\'s server gets 401 until it sends the new key, and every dashboard session signed in with the old key ends.',
    next: 'Put it where the store\'s server sends events (Authorization: Bearer …) now: the old key is already refused.',
  },
  publishable: {
    label: 'publishable key', title: 'Publishable key',
    use: 'Public, in the snippet tag on the store\'s pages (sdk.js?key=cr_pub_…): it lets the snippet send browser events from the allowed origins.',
    warn: 'The current key stops working at once: the snippet on the store\'s site is refused, and its browser events are lost, until the snippet tag carries the new key.',
    next: 'Update the snippet tag on the store\'s site now: replace the key after sdk.js?key= with this one.',
  },
};

function keySection(t: TenantView, redraw: Redraw): Child[] {
  // Signed in with this store's ingest key: rotating it ends this very session (the relay only accepts a store-key session while its key is active).
  const ownKey = state.scopedTenantId === t.id;
  const out = h('p', { id: 'keys-result', role: 'status', 'aria-live': 'polite' });
  const shown = h('div', { id: 'new-key-box' });
  const buttons: Partial<Record<KeyKind, HTMLButtonElement>> = {};

  // The new key lives only in this field (and the sign-in button's closure) until "Done" or leaving the page.
  function hideKey(): void { const f = shown.querySelector('input'); if (f) f.value = ''; shown.replaceChildren(); }

  function showKey(kind: KeyKind, key: string): void {
    const k = KEYS[kind];
    const keyField = h('input', { id: 'new-key', readonly: true, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'new-key-once', 'data-testid': 'new-key' });
    keyField.value = key;
    keyField.addEventListener('focus', () => keyField.select());
    const done = h('button', { type: 'button', class: 'secondary' }, 'Done: hide the key');
    done.addEventListener('click', () => { hideKey(); show(out, null, 'The new ' + k.label + ' is hidden: it cannot be shown again.'); buttons[kind]?.focus(); });
    const parts = [
      h('h3', { id: 'new-key-heading' }, k.title + ' rotated'),
      h('div', { class: 'field' }, h('label', { for: 'new-key' }, 'New ' + k.label + ' of ' + t.name), h('div', { class: 'copy-row' }, keyField, copyButton(keyField, 'Copy the new ' + k.label))),
      h('p', { id: 'new-key-once' }, h('strong', {}, 'Shown once: copy it now. '), 'The relay keeps only a hash of it and this page keeps nothing, so it cannot be shown again (if it is lost, rotate again).'),
      h('p', {}, k.next),
    ];
    if (kind === 'ingest' && ownKey) {
      // The server already ended this session: every further request would answer 401 and put up the sign-in form.
      const again = h('button', { type: 'button' }, 'Sign in with the new key');
      const againOut = h('p', { role: 'status', 'aria-live': 'polite' });
      again.addEventListener('click', async () => {
        again.disabled = true;
        try {
          useSession(await api<{ csrfToken: string; expiresAt: number; tenantId: string | null }>('POST', '/dashboard/login', { password: keyField.value }));
          hideKey();
          await redraw({ id: 'keys-result', text: 'Signed in again with the new ingest key.', focus: 'rotate-ingest' });
          say('Signed in again with the new ingest key');
        } catch (err) { again.disabled = false; show(againOut, false, apiError(err).message); }
      });
      parts.push(h('p', {}, h('strong', {}, 'This dashboard session has ended: '), 'it was signed in with the old key. Copy the new key first, then sign in with it (the key is then hidden) or sign out.'),
        h('p', { class: 'actions' }, again), againOut);
    } else parts.push(h('p', { class: 'actions' }, done));
    shown.replaceChildren(h('div', { class: 'notice new-key', role: 'region', 'aria-labelledby': 'new-key-heading' }, parts));
    show(out, true, 'The ' + k.label + ' was rotated: the old one no longer works.');
    say('New ' + k.label + ' shown once: copy it now');
    keyField.focus();
  }

  const parts = (['ingest', 'publishable'] as const).map((kind) => {
    const k = KEYS[kind];
    const btn = h('button', { type: 'button', class: 'danger', id: 'rotate-' + kind }, 'Rotate ' + k.label + '…');
    buttons[kind] = btn;
    const confirm = confirmation('rotate-' + kind + '-confirm', 'Rotate now', async () => {
      show(out, null, 'Rotating…');
      try {
        const r = await api<{ key: string }>('POST', '/api/v1/tenants/' + t.id + '/keys/' + kind + '/rotate');
        confirm.close();
        showKey(kind, r.key);
      } catch (err) { confirm.close(); show(out, false, apiError(err).message); btn.focus(); }
    }, () => show(out, null, 'The ' + k.label + ' was not changed.'));
    btn.addEventListener('click', () => {
      hideKey();
      show(out, null, '');
      confirm.open(btn, 'Rotate the ' + k.label + ' of ' + t.name + '? ' + k.warn
        + (kind === 'ingest' && ownKey ? ' You are signed in with it, so this session ends too: the new key signs you in again.' : ''));
    });
    return h('div', { class: 'key-part' }, h('h3', {}, k.title), h('p', { class: 'hint' }, k.use), h('p', { class: 'actions' }, btn), confirm.box);
  });

  return [h('h2', { id: 'keys' }, 'Keys'),
    h('section', { class: 'card', 'aria-labelledby': 'keys' },
      h('p', { class: 'hint' }, 'Rotating issues a new key and revokes the current one at once. The new key is shown once, here.'),
      h('div', { class: 'keys' }, parts), shown, out)];
}

function lines(text: string): string[] { return text.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean); }

/** A stored policy as the transform's own schema reads it (fields may be absent: the schema's defaults apply). */
type StoredPolicy = z.input<typeof policySchema>;

function policySection(t: TenantView, redraw: Redraw): Child[] {
  const p = t.policy as StoredPolicy;
  const consent = p.consent ?? {};
  const send = p.sendConditions ?? {};
  const templates = p.eventIdTemplates ?? { Purchase: 'purchase:{order_id}' };
  const category = h('input', { value: consent.advertisingCategory || '', autocomplete: 'off' });
  const without = h('select', {}, [['drop', 'drop the event'], ['strip_user_data', 'send it without customer data']].map(([v, l]) => h('option', { value: v, selected: (consent.withoutConsent || 'drop') === v }, l)));
  const whenMissing = h('select', {}, [['granted', 'trust the integration that sent it (default)'], ['denied', 'treat it as not consented (GDPR)']].map(([v, l]) => h('option', { value: v, selected: (consent.whenMissing || 'granted') === v }, l)));
  const ldu = h('select', {}, [['off', 'off'], ['california', 'California only (default)'], ['states', 'the states below'], ['all', 'every event']].map(([v, l]) => h('option', { value: v, selected: (p.ldu || 'california') === v }, l)));
  const states = h('input', { value: (p.lduStates || ['ca']).join(', '), autocomplete: 'off' });
  const essential = h('input', { value: (p.essentialEvents || ['Purchase']).join(', '), autocomplete: 'off' });
  const required = new Set(send.requireOneOf || ['em', 'ph', 'external_id', 'fbp', 'fbc']);
  const reqBoxes = IDENTIFIERS.map((k) => h('label', { class: 'check', for: 'req-' + k }, h('input', { type: 'checkbox', id: 'req-' + k, value: k, checked: required.has(k) }), identifierWord(k)));
  const minOther = h('input', { type: 'number', min: 0, max: 20, step: 1, value: send.minOtherIdentifiers || 0 });
  const tpl = h('textarea', { rows: 3 }, Object.entries(templates).map(([k, v]) => k + ' = ' + v).join('\n'));
  const json = h('textarea', { rows: 12, spellcheck: 'false', class: 'mono' }, JSON.stringify(p, null, 2));
  const out = h('p', { role: 'status', id: 'policy-result' });

  // Either form saves the whole policy; errors show under the form that sent it, success after the redraw.
  async function save(policy: unknown, where: HTMLElement = out): Promise<void> {
    // "Policy saved" appears only on the redrawn page, so nothing reads it from a form that is about to go.
    show(where, null, 'Saving…');
    try { await api('PUT', '/api/v1/tenants/' + t.id + '/policy', policy); } catch (err) { show(where, false, apiError(err).message); return; }
    await redraw({ id: 'policy-result', text: 'Policy saved' });
    say('Policy saved');
  }
  const form = h('form', { class: 'card', 'aria-labelledby': 'policy', onsubmit: async (e) => {
    e.preventDefault();
    const templatesOut: Record<string, string> = {};
    for (const line of tpl.value.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const eq = line.indexOf('=');
      if (eq < 1) { show(out, false, 'event_id templates: write one "EventName = template" per line'); tpl.focus(); return; }
      templatesOut[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    const minValue = Number(minOther.value);
    await save({ ...p,
      consent: { advertisingCategory: category.value.trim() || null, withoutConsent: without.value, whenMissing: whenMissing.value },
      ldu: ldu.value, lduStates: lines(states.value.toLowerCase()), essentialEvents: lines(essential.value),
      sendConditions: { requireOneOf: reqBoxes.map((l) => l.querySelector('input')).filter((b): b is HTMLInputElement => b !== null && b.checked).map((b) => b.value), minOtherIdentifiers: Number.isFinite(minValue) ? minValue : -1 },
      eventIdTemplates: templatesOut });
  } },
    h('fieldset', {}, h('legend', {}, 'Consent'),
      field('pol-category', 'Consent category required for advertising', category, 'Empty: consent is not checked. Else events must list this category in consent_categories.'),
      field('pol-without', 'Without that consent', without),
      field('pol-when-missing', 'An event that carries no consent_categories', whenMissing, '"Not consented" needs a category above; order webhooks carry none, so they are then dropped or sent without customer data.')),
    h('fieldset', {}, h('legend', {}, 'Limited Data Use'),
      field('pol-ldu', 'Limited Data Use applies to', ldu),
      field('pol-states', 'LDU states (2-letter codes)', states),
      field('pol-essential', 'Events still sent after an opt-out', essential)),
    h('fieldset', {}, h('legend', {}, 'Send conditions: an event needs one of'), h('div', { class: 'checks' }, reqBoxes),
      field('pol-min', 'and at least this many other identifiers', minOther)),
    h('fieldset', {}, h('legend', {}, 'event_id templates'),
      field('pol-templates', 'One "EventName = template" per line', tpl, 'Placeholders {order_id} (required) and {event_name}. The Purchase line is the store\'s one rule: the snippet, /v1/collect, every webhook source, CSV import and the API all name an order with it, so Meta deduplicates.')),
    h('button', { type: 'submit' }, 'Save policy'), out);
  const jsonOut = h('p', { role: 'status' });
  const advanced = h('details', { class: 'card' }, h('summary', {}, 'Edit the whole policy as JSON'),
    h('form', { onsubmit: async (e) => {
      e.preventDefault();
      let parsed: unknown;
      try { parsed = JSON.parse(json.value); } catch (err) { show(jsonOut, false, 'Not valid JSON: ' + apiError(err).message); return; }
      await save(parsed, jsonOut);
    } }, field('pol-json', 'Policy (JSON)', json), h('button', { type: 'submit' }, 'Save JSON policy'), jsonOut));
  return [h('h2', { id: 'policy' }, 'Policy'), form, advanced];
}

// What the erasure form asks for, in the API's names, with what a person reads.
type Who = 'email' | 'phone' | 'externalId' | 'fbp';
const WHO: readonly (readonly [Who, string, string, string | null])[] = [['email', 'E-mail', 'email', 'email'], ['phone', 'Phone', 'tel', 'tel'], ['externalId', 'External id', 'text', null], ['fbp', 'Browser id (fbp)', 'text', null]];

function privacySection(t: TenantView, retentionDays: number): Child[] {
  const kept = typeof retentionDays === 'number' && retentionDays > 0
    ? ['Events, click ids and orders are kept ', h('strong', { 'data-testid': 'retention' }, plural(retentionDays, 'day', 'days')), ', then deleted (an event still waiting to be sent stays until Meta\'s 62-day window closes).']
    : ['Events, click ids and orders are ', h('strong', { 'data-testid': 'retention' }, 'kept until deleted'), ' (retention is off).'];
  const input = (name: Who, type: string, mode: string | null): HTMLInputElement => h('input', { name, type, inputmode: mode, maxlength: 320, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'forget-help forget-meta' });
  const inputs: Record<Who, HTMLInputElement> = { email: input('email', 'email', 'email'), phone: input('phone', 'tel', 'tel'), externalId: input('externalId', 'text', null), fbp: input('fbp', 'text', null) };
  const out = h('p', { id: 'forget-result', role: 'status', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'danger' }, 'Forget this customer…');
  // The server's messages name the field: "em: not a valid e-mail address", "body phone: …".
  const fieldOf: FieldPattern[] = [[/^(?:body )?(?:em|email)\b/, inputs.email], [/^(?:body )?(?:ph|phone)\b/, inputs.phone], [/^(?:body )?(?:external_id|externalId)\b/, inputs.externalId], [/^(?:body )?fbp\b/, inputs.fbp]];
  // What the question named: the fields may change while it is open.
  let pending: Partial<Record<Who, string>> = {};
  const confirm = confirmation('forget', 'Delete now', async () => {
    show(out, null, 'Deleting…');
    try {
      const r = await api<{ removed: RemovedCounts }>('POST', '/api/v1/tenants/' + t.id + '/forget', pending);
      const n = r.removed;
      const parts = [plural(n.events, 'event', 'events'), plural(n.clickIds, 'click id', 'click ids'), plural(n.orderBrowsers, 'order link', 'order links')];
      if (n.orders) parts.push(plural(n.orders, 'order', 'orders'));
      const text = n.events + n.clickIds + n.orderBrowsers + n.orders === 0
        ? 'Nothing found for this customer: no events, click ids or order links were removed.'
        : 'Customer forgotten: removed ' + parts.slice(0, -1).join(', ') + ' and ' + parts[parts.length - 1] + ' from the relay.';
      for (const input of Object.values(inputs)) input.value = '';
      markInvalid(fieldOf, null);
      show(out, true, text);
      confirm.close();
      inputs.email.focus();
    } catch (err) {
      const bad = markInvalid(fieldOf, apiError(err).message);
      show(out, false, apiError(err).message);
      confirm.close();
      (bad || submit).focus();
    }
  }, () => show(out, null, 'Nothing was deleted.'));

  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'forget-heading', onsubmit: (e) => {
    e.preventDefault();
    const body: Partial<Record<Who, string>> = {};
    for (const [name] of WHO) { const v = inputs[name].value.trim(); if (v) body[name] = v; }
    if (!Object.keys(body).length) {
      show(out, false, 'Give at least one: e-mail, phone, external id or fbp.'); markInvalid(fieldOf, null); inputs.email.focus(); return;
    }
    pending = body;
    show(out, null, '');
    confirm.open(submit, 'Delete everything the relay holds for ' + WHO.filter(([n]) => body[n]).map(([n, label]) => (label.split(' (')[0] ?? label).toLowerCase() + ' "' + body[n] + '"').join(', ')
      + ' in ' + t.name + '? This cannot be undone.');
  } },
    h('h3', { id: 'forget-heading' }, 'Forget a customer'),
    h('p', { class: 'hint', id: 'forget-help' }, 'An erasure request (GDPR): give what you know of the customer, at least one of e-mail, phone, external id (the store\'s customer id) or the _fbp browser cookie (fb.1.…). It deletes this store\'s events of that customer from the relay, sent or still queued (a queued one is then never sent), with their browser\'s click ids and order links.'),
    h('p', { class: 'hint', id: 'forget-meta' }, h('strong', {}, 'Meta\'s copy is not withdrawn:'), ' what Meta already received stays with Meta (ask Meta under its own terms).'),
    h('div', { class: 'row' }, WHO.map(([name, label]) => field('forget-' + name, label, inputs[name]))),
    h('p', { class: 'actions' }, submit), confirm.box, out);

  return [h('h2', { id: 'privacy' }, 'Privacy'),
    h('section', { class: 'card', 'aria-labelledby': 'retention-heading' }, h('h3', { id: 'retention-heading' }, 'Retention'),
      h('p', { id: 'retention-text' }, kept),
      h('p', { class: 'hint' }, 'Set by the relay\'s retentionDays (CAPI_RELAY_RETENTION_DAYS) for every store; deleted events leave the event log and the reports.')),
    form];
}

/** Draws the page; 'flash' puts a save's outcome into the redrawn page's status line with that id (and may name an element to focus). */
interface Flash { id?: string; text?: string; focus?: string }

/** Where each checklist step is done on the dashboard: [the link's words, its address]. */
const STEP_LINKS: Readonly<Record<SetupStep['id'], readonly (readonly [string, string])[]>> = {
  pixel: [['Add a pixel', '#/config/pixels/pixel-add']],
  test_connection: [['Open the pixels', '#/config/pixels/pixels']],
  snippet: [['Copy the snippet tag', '#/config/snippet/snippet'], ['Allowed origins', '#/config/snippet/origins']],
  webhook_source: [['Add a webhook source', '#/config/sources/source-add-heading']],
  first_event: [['Open the event log', '#/events']],
};

/**
 * The setup checklist (GET /api/v1/tenants/{id}/setup): each step done, to do or a problem with the relay's
 * detail, and a link to where it is done; Test connection is a button that asks Meta at once.
 */
function setupSection(t: TenantView, setup: SetupAnswer | null, redraw: Redraw): Child[] {
  const out = h('p', { role: 'status', 'aria-live': 'polite', id: 'setup-result' });
  if (!setup) return [h('h2', { id: 'setup' }, 'Setup checklist'), h('p', { class: 'error', role: 'alert' }, 'The checklist could not be read: reload the page.')];
  const done = setup.steps.filter((s) => s.state === 'done').length;
  const items = setup.steps.map((step, i) => {
    const action: Child[] = [];
    if (step.id === 'test_connection' && step.fix) {
      const fix = step.fix;
      const btn = h('button', { type: 'button', class: 'secondary', 'data-step-action': step.id }, fix.label);
      btn.addEventListener('click', async () => {
        btn.disabled = true; show(out, null, 'Asking Meta…');
        try {
          const r = await api<ConnectionReport>('POST', fix.path);
          const text = r.ok ? r.message : r.problem + ' problem: ' + r.message;
          await redraw({ id: 'setup-result', text });
          const again = document.getElementById('setup-result');
          if (again && !r.ok) show(again, false, text);
          say(text);
        } catch (err) { btn.disabled = false; show(out, false, apiError(err).message); }
      });
      action.push(btn);
    }
    for (const [label, href] of STEP_LINKS[step.id]) action.push(h('a', { href }, label));
    return h('li', { 'data-step': step.id, 'data-state': step.state, class: 'step ' + step.state },
      h('div', { class: 'step-head' }, h('span', { class: 'step-no', 'aria-hidden': 'true' }, step.state === 'done' ? '✓' : String(i + 1)),
        h('strong', {}, step.title), ' ', statusChip(step.state === 'done' ? 'ok' : step.state === 'problem' ? 'bad' : 'queued', setupStateWord(step.state))),
      h('p', { class: 'hint' }, step.detail.charAt(0).toUpperCase() + step.detail.slice(1)),
      h('p', { class: 'step-actions' }, action.map((a, j) => [j ? ' · ' : '', a])));
  });
  return [h('h2', { id: 'setup' }, 'Setup checklist'),
    h('section', { class: 'card', 'aria-labelledby': 'setup' },
      h('p', { id: 'setup-progress' }, setup.complete ? 'Setup is complete: every step is done.' : done + ' of ' + setup.steps.length + ' steps done. Do them in order: each one needs the one before.'),
      h('ol', { class: 'checklist', 'aria-label': 'Setup steps of ' + t.name }, items),
      h('p', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', id: 'setup-refresh', onclick: () => redraw({ focus: 'setup-refresh' }) }, 'Check again')), out)];
}

/** One line above every other part while setup is not complete: how far it is, and the next step. */
function setupSummary(setup: SetupAnswer | null): HTMLElement | null {
  if (!setup || setup.complete) return null;
  const next = setup.steps.find((s) => s.state !== 'done');
  const done = setup.steps.filter((s) => s.state === 'done').length;
  return h('p', { class: 'notice setup-summary', id: 'setup-summary' }, 'Setup: ' + done + ' of ' + setup.steps.length + ' steps done',
    next ? ['. Next: ', h('strong', {}, next.title), next.state === 'problem' ? ' (a problem)' : ''] : '', '. ', h('a', { href: '#/config/setup' }, 'Open the setup checklist'));
}

/** The page's parts, one at a time (a tab each, at #/config/<part>): the whole configuration is 4,800 px tall. */
const PARTS = [
  ['setup', 'Setup checklist'], ['pixels', 'Pixels and forwarding'], ['sources', 'Webhook sources'], ['snippet', 'Snippet and origins'],
  ['keys', 'Keys'], ['policy', 'Policy'], ['privacy', 'Privacy'],
] as const;
type Part = (typeof PARTS)[number][0];
const partOf = (name: string | undefined): Part => PARTS.find(([id]) => id === name)?.[0] ?? 'pixels';

/** Draws a part; `section` (the id of a heading in it, from #/config/<part>/<section>) is scrolled to and focused. */
async function configView(t0: TenantView, part: Part, flash?: Flash, section?: string): Promise<void> {
  const [tenant, px, sw, src, info, origins, snippet, setup, held] = await Promise.all([
    api<TenantView>('GET', '/api/v1/tenants/' + t0.id),
    api<PixelList>('GET', '/api/v1/tenants/' + t0.id + '/pixels'),
    api<SwitchesView>('GET', '/api/v1/tenants/' + t0.id + '/switches'),
    api<{ sources: SourceListItem[] }>('GET', '/api/v1/tenants/' + t0.id + '/sources'),
    api<RelayInfo>('GET', '/api/v1/relay-info'),
    api<{ origins: string[] }>('GET', '/api/v1/tenants/' + t0.id + '/origins'),
    // The snippet's settings, the checklist and the key are optional here: the page works without them.
    api<SnippetSettings>('GET', '/api/v1/tenants/' + t0.id + '/snippet').catch(() => null),
    api<SetupAnswer>('GET', '/api/v1/tenants/' + t0.id + '/setup').catch(() => null),
    part === 'snippet' ? api<PublishableKeyAnswer>('GET', '/api/v1/tenants/' + t0.id + '/keys/publishable').catch(() => null) : null,
  ]);
  const redraw: Redraw = (next) => configView(t0, part, next);
  const base = (info.publicUrl ?? location.origin).replace(/\/+$/, '');
  const focusId = document.activeElement?.id;
  const tabs = h('nav', { 'aria-label': 'Parts of the configuration', class: 'tabs' },
    PARTS.map(([id, label]) => h('a', { href: '#/config/' + id, id: 'part-' + id, 'aria-current': id === part ? 'page' : null }, label)));
  const content: Child[] = part === 'setup' ? setupSection(tenant, setup, redraw)
    : part === 'pixels' ? [...pixelSection(tenant, px.pixels, px.graphVersion, redraw), ...switchSection(tenant, sw)]
      : part === 'sources' ? sourceSection(tenant, src.sources, info.publicUrl)
        : part === 'snippet' ? [...snippetSection(base, tenant, snippet, held), ...shopifyPixelSection(base, tenant, snippet), ...originSection(tenant, origins.origins)]
          : part === 'keys' ? keySection(tenant, redraw)
            : part === 'policy' ? policySection(tenant, redraw)
              : privacySection(tenant, info.retentionDays);
  setView('Configuration: ' + tenant.name, tabs, part === 'setup' ? null : setupSummary(setup), ...content);
  // Redrawing after a save keeps the keyboard where it was.
  if (focusId) document.getElementById(focusId)?.focus();
  const flashed = flash?.id ? document.getElementById(flash.id) : null;
  if (flashed) show(flashed, true, flash?.text ?? '');
  if (flash?.focus) document.getElementById(flash.focus)?.focus();
  // A direct link to a section: its heading comes into view and takes the focus (so the keyboard starts there).
  const target = section ? document.getElementById(section) : null;
  if (target) {
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.scrollIntoView({ block: 'start' });
    target.focus();
  }
}

registerView('config', 'Configuration', forTenant((t, params) => configView(t, partOf(params.path[0]), undefined, params.path[1])));
// The checklist's own address, for links from elsewhere (the start page, the docs).
registerView('setup', null, () => navigate('#/config/setup'));
