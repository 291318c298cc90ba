/**
 * The dashboard's configuration page (served at /dashboard/config.js): pixels, the master and per-event
 * switches, webhook sources, the snippet tag, the policy editor and privacy (the relay's retention and
 * "Forget a customer"). Every change goes through the admin API, which validates it and records it in the
 * audit log; errors are shown next to the form that caused them.
 */
export const CONFIG_JS = String.raw`
import { h, api, say, statusChip, setView, currentTenant, needTenant, registerView, copyButton, table } from '/dashboard/app.js';

const IDENTIFIERS = ['em', 'ph', 'external_id', 'fbp', 'fbc', 'fn', 'ln', 'ct', 'st', 'zp', 'country', 'ge', 'db'];

function field(id, label, input, hint) {
  input.id = id;
  if (hint) input.setAttribute('aria-describedby', id + '-hint');
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null);
}

/** Runs a save, showing its outcome in 'out' (role=status for success, the API's message on failure). */
async function saving(out, fn, okText) {
  out.className = ''; out.textContent = 'Saving…';
  try { await fn(); out.className = 'result-ok'; out.textContent = okText; say(okText); return true; }
  catch (err) { out.className = 'result-bad'; out.textContent = err.message; return false; }
}

function pixelSection(t, pixels, graphVersion, redraw) {
  const rows = [];
  for (const p of pixels) {
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
    const editId = 'edit-' + p.id;
    const edit = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': editId, 'aria-label': 'Edit pixel ' + p.pixelId }, 'Edit');
    rows.push(h('tr', { 'data-pixel': p.pixelId }, h('td', {}, h('code', {}, p.pixelId)), h('td', {}, p.role),
      h('td', {}, statusChip(p.status), p.pauseReason ? h('span', { class: 'hint' }, ' ' + p.pauseReason) : null),
      h('td', { class: 'opt' }, p.testEventCode || '—'),
      h('td', { class: 'opt', 'data-testid': 'pixel-graph-version' }, p.graphVersion ? h('code', {}, p.graphVersion) : ['default ', h('code', {}, graphVersion)]),
      h('td', {}, btn, ' ', edit, ' ', out)));
    // The editor exists only while open, so its labels never clash with the "Add a pixel" form's.
    let editRow = null;
    edit.addEventListener('click', () => {
      if (editRow) { editRow.remove(); editRow = null; edit.setAttribute('aria-expanded', 'false'); return; }
      editRow = h('tr', { class: 'details', id: editId }, h('td', { colspan: 6 }, pixelEditor(p, graphVersion, redraw)));
      edit.closest('tr').after(editRow);
      edit.setAttribute('aria-expanded', 'true');
      editRow.querySelector('select').focus();
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
    const body = { pixelId: pixelId.value.trim(), accessToken: token.value };
    if (code.value.trim()) body.testEventCode = code.value.trim();
    if (version.value.trim()) body.graphVersion = version.value.trim();
    if (role.value) body.role = role.value;
    try { await api('POST', '/api/v1/tenants/' + t.id + '/pixels', body); say('Pixel ' + body.pixelId + ' added'); await redraw(); }
    catch (err) { error.textContent = err.message; }
  } }, h('h3', {}, 'Add a pixel'),
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

function pixelEditor(p, graphVersion, redraw) {
  const id = (k) => 'px-' + k + '-' + p.id;
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

function switchSection(t, sw) {
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

function sourceSection(sources, publicUrl) {
  const rows = sources.map((s) => {
    // Without a configured publicUrl the API can only guess localhost; the address this page came from is a better guess.
    const address = publicUrl ? s.webhookUrl : location.origin + new URL(s.webhookUrl).pathname;
    const url = h('code', { id: 'hook-' + s.id }, address);
    return h('tr', {}, h('td', {}, s.platform), h('td', {}, statusChip(s.status)), h('td', {}, url, ' ', copyButton(url, 'Copy the ' + s.platform + ' webhook URL')));
  });
  return [h('h2', { id: 'sources' }, 'Webhook sources'),
    sources.length ? table('Webhook sources', ['Platform', 'Status', 'Webhook URL (paste into the platform)'], rows)
      : h('p', {}, 'No webhook sources yet.'),
    h('p', { class: 'hint' }, 'Add one with ', h('code', {}, 'capi-relay sources add --tenant <id> --platform shopify --secret <signing secret>'), '.',
      publicUrl ? null : ' The URLs use this page\'s address; set publicUrl (CAPI_RELAY_PUBLIC_URL) when the platforms reach the relay at another one.')];
}

function snippetSection(base, t, snippet) {
  const tag = '<script>\n  window.capiRelay=window.capiRelay||{q:[],track:function(){this.q.push([\'track\',arguments])},consent:function(){this.q.push([\'consent\',arguments])},init:function(){this.q.push([\'init\',arguments])}};\n</script>\n<script async src="' + base + '/sdk.js?key=YOUR_PUBLISHABLE_KEY"></script>';
  const code = h('code', { id: 'snippet-tag' }, tag);
  return [h('h2', { id: 'snippet' }, 'Snippet tag'),
    h('section', { class: 'card' }, h('p', {}, 'Paste in the store\'s <head>, with the publishable key (cr_pub_…) shown when "' + t.name + '" was created, and allow the store\'s origin (', h('code', {}, 'capi-relay origins add'), ').'),
      h('pre', {}, code), copyButton(code, 'Copy the snippet tag'), snippet && typeof snippet.loadPixel === 'boolean' ? loadPixelToggle(t, snippet.loadPixel) : null)];
}

function loadPixelToggle(t, on) {
  const out = h('span', { role: 'status', id: 'snippet-result' });
  const box = h('input', { type: 'checkbox', id: 'snippet-load-pixel', checked: on });
  box.addEventListener('change', () => saving(out, () => api('PUT', '/api/v1/tenants/' + t.id + '/snippet', { loadPixel: box.checked }),
    box.checked ? 'The snippet now loads the Meta Pixel' : 'The snippet no longer loads the Meta Pixel'));
  return h('p', {}, h('label', { class: 'check', for: 'snippet-load-pixel' }, box, 'Also load the Meta Pixel for this store\'s pixels (only when the store has no Pixel tag of its own)'), ' ', out);
}

function lines(text) { return text.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean); }

function policySection(t, redraw) {
  const p = t.policy || {};
  const consent = p.consent || {};
  const send = p.sendConditions || {};
  const templates = p.eventIdTemplates || { Purchase: 'purchase:{order_id}' };
  const category = h('input', { value: consent.advertisingCategory || '', autocomplete: 'off' });
  const without = h('select', {}, [['drop', 'drop the event'], ['strip_user_data', 'send it without customer data']].map(([v, l]) => h('option', { value: v, selected: (consent.withoutConsent || 'drop') === v }, l)));
  const ldu = h('select', {}, [['off', 'off'], ['california', 'California only (default)'], ['states', 'the states below'], ['all', 'every event']].map(([v, l]) => h('option', { value: v, selected: (p.ldu || 'california') === v }, l)));
  const states = h('input', { value: (p.lduStates || ['ca']).join(', '), autocomplete: 'off' });
  const essential = h('input', { value: (p.essentialEvents || ['Purchase']).join(', '), autocomplete: 'off' });
  const required = new Set(send.requireOneOf || ['em', 'ph', 'external_id', 'fbp', 'fbc']);
  const reqBoxes = IDENTIFIERS.map((k) => h('label', { class: 'check', for: 'req-' + k }, h('input', { type: 'checkbox', id: 'req-' + k, value: k, checked: required.has(k) }), k));
  const minOther = h('input', { type: 'number', min: 0, max: 20, step: 1, value: send.minOtherIdentifiers || 0 });
  const tpl = h('textarea', { rows: 3 }, Object.entries(templates).map(([k, v]) => k + ' = ' + v).join('\n'));
  const json = h('textarea', { rows: 12, spellcheck: 'false', class: 'mono' }, JSON.stringify(p, null, 2));
  const out = h('p', { role: 'status', id: 'policy-result' });

  async function save(policy) {
    const ok = await saving(out, () => api('PUT', '/api/v1/tenants/' + t.id + '/policy', policy), 'Policy saved');
    if (ok) await redraw({ id: 'policy-result', text: 'Policy saved' });
  }
  const form = h('form', { class: 'card', 'aria-labelledby': 'policy', onsubmit: async (e) => {
    e.preventDefault();
    const templatesOut = {};
    for (const line of tpl.value.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const eq = line.indexOf('=');
      if (eq < 1) { out.className = 'result-bad'; out.textContent = 'event_id templates: write one "EventName = template" per line'; tpl.focus(); return; }
      templatesOut[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    const minValue = Number(minOther.value);
    await save({ ...p,
      consent: { advertisingCategory: category.value.trim() || null, withoutConsent: without.value },
      ldu: ldu.value, lduStates: lines(states.value.toLowerCase()), essentialEvents: lines(essential.value),
      sendConditions: { requireOneOf: reqBoxes.map((l) => l.querySelector('input')).filter((b) => b.checked).map((b) => b.value), minOtherIdentifiers: Number.isFinite(minValue) ? minValue : -1 },
      eventIdTemplates: templatesOut });
  } },
    h('fieldset', {}, h('legend', {}, 'Consent'),
      field('pol-category', 'Consent category required for advertising', category, 'Empty: consent is not checked. Else events must list this category in consent_categories.'),
      field('pol-without', 'Without that consent', without)),
    h('fieldset', {}, h('legend', {}, 'Limited Data Use'),
      field('pol-ldu', 'Limited Data Use applies to', ldu),
      field('pol-states', 'LDU states (2-letter codes)', states),
      field('pol-essential', 'Events still sent after an opt-out', essential)),
    h('fieldset', {}, h('legend', {}, 'Send conditions: an event needs one of'), h('div', { class: 'checks' }, reqBoxes),
      field('pol-min', 'and at least this many other identifiers', minOther)),
    h('fieldset', {}, h('legend', {}, 'event_id templates'),
      field('pol-templates', 'One "EventName = template" per line', tpl, 'Placeholders {order_id} (required) and {event_name}. The same template on the browser and the webhook makes Meta deduplicate them.')),
    h('button', { type: 'submit' }, 'Save policy'), out);
  const jsonOut = h('p', { role: 'status' });
  const advanced = h('details', { class: 'card' }, h('summary', {}, 'Edit the whole policy as JSON'),
    h('form', { onsubmit: async (e) => {
      e.preventDefault();
      let parsed;
      try { parsed = JSON.parse(json.value); } catch (err) { jsonOut.className = 'result-bad'; jsonOut.textContent = 'Not valid JSON: ' + err.message; return; }
      const ok = await saving(jsonOut, () => api('PUT', '/api/v1/tenants/' + t.id + '/policy', parsed), 'Policy saved');
      if (ok) await redraw({ id: 'policy-result', text: 'Policy saved' });
    } }, field('pol-json', 'Policy (JSON)', json), h('button', { type: 'submit' }, 'Save JSON policy'), jsonOut));
  return [h('h2', { id: 'policy' }, 'Policy'), form, advanced];
}

const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);
// What the erasure form asks for, in the API's names, with what a person reads.
const WHO = [['email', 'E-mail', 'email', 'email'], ['phone', 'Phone', 'tel', 'tel'], ['externalId', 'External id', 'text', null], ['fbp', 'Browser id (fbp)', 'text', null]];
// The field a server message is about: "em: not a valid e-mail address", "body phone: …".
const FIELD_OF = [[/^(?:body )?(?:em|email)\b/, 'email'], [/^(?:body )?(?:ph|phone)\b/, 'phone'], [/^(?:body )?(?:external_id|externalId)\b/, 'externalId'], [/^(?:body )?fbp\b/, 'fbp']];

function privacySection(t, retentionDays) {
  const kept = typeof retentionDays === 'number' && retentionDays > 0
    ? ['Events, click ids and orders are kept ', h('strong', { 'data-testid': 'retention' }, plural(retentionDays, 'day', 'days')), ', then deleted (an event still waiting to be sent stays until Meta\'s 62-day window closes).']
    : ['Events, click ids and orders are ', h('strong', { 'data-testid': 'retention' }, 'kept until deleted'), ' (retention is off).'];
  const inputs = Object.fromEntries(WHO.map(([name, , type, mode]) => [name, h('input', { name, type, inputmode: mode, maxlength: 320, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'forget-help forget-meta' })]));
  const out = h('p', { id: 'forget-result', role: 'status', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'danger' }, 'Forget this customer…');
  const question = h('p', { id: 'forget-question' });
  const confirmNow = h('button', { type: 'button', class: 'danger' }, 'Delete now');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const confirmBox = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-labelledby': 'forget-question' }, question, confirmNow, ' ', cancel);
  let pending = null;

  function given() {
    const body = {};
    for (const [name] of WHO) { const v = inputs[name].value.trim(); if (v) body[name] = v; }
    return body;
  }
  function mark(field) { for (const [name] of WHO) { if (name === field) inputs[name].setAttribute('aria-invalid', 'true'); else inputs[name].removeAttribute('aria-invalid'); } }
  function closeConfirm() { pending = null; confirmBox.hidden = true; submit.hidden = false; }

  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'forget-heading', onsubmit: (e) => {
    e.preventDefault();
    const body = given();
    if (!Object.keys(body).length) {
      out.className = 'result-bad'; out.textContent = 'Give at least one: e-mail, phone, external id or fbp.'; mark(null); inputs.email.focus(); return;
    }
    pending = body;
    question.textContent = 'Delete everything the relay holds for ' + WHO.filter(([n]) => body[n]).map(([n, label]) => label.split(' (')[0].toLowerCase() + ' "' + body[n] + '"').join(', ')
      + ' in ' + t.name + '? This cannot be undone.';
    out.className = ''; out.textContent = '';
    submit.hidden = true; confirmBox.hidden = false; confirmNow.focus();
  } },
    h('h3', { id: 'forget-heading' }, 'Forget a customer'),
    h('p', { class: 'hint', id: 'forget-help' }, 'An erasure request (GDPR): give what you know of the customer, at least one of e-mail, phone, external id (the store\'s customer id) or the _fbp browser cookie (fb.1.…). It deletes this store\'s events of that customer from the relay, sent or still queued (a queued one is then never sent), with their browser\'s click ids and order links.'),
    h('p', { class: 'hint', id: 'forget-meta' }, h('strong', {}, 'Meta\'s copy is not withdrawn:'), ' what Meta already received stays with Meta (ask Meta under its own terms).'),
    h('div', { class: 'row' }, WHO.map(([name, label]) => field('forget-' + name, label, inputs[name]))),
    h('p', { class: 'actions' }, submit), confirmBox, out);

  confirmNow.addEventListener('click', async () => {
    if (!pending) return;
    const body = pending;
    confirmNow.disabled = true; cancel.disabled = true;
    out.className = ''; out.textContent = 'Deleting…';
    try {
      const r = await api('POST', '/api/v1/tenants/' + t.id + '/forget', body);
      const n = r.removed;
      const parts = [plural(n.events, 'event', 'events'), plural(n.clickIds, 'click id', 'click ids'), plural(n.orderBrowsers, 'order link', 'order links')];
      if (n.orders) parts.push(plural(n.orders, 'order', 'orders'));
      const text = n.events + n.clickIds + n.orderBrowsers + n.orders === 0
        ? 'Nothing found for this customer: no events, click ids or order links were removed.'
        : 'Customer forgotten: removed ' + parts.slice(0, -1).join(', ') + ' and ' + parts[parts.length - 1] + ' from the relay.';
      for (const [name] of WHO) inputs[name].value = '';
      mark(null);
      out.className = 'result-ok'; out.textContent = text;
      closeConfirm();
      inputs.email.focus();
    } catch (err) {
      const found = FIELD_OF.find(([re]) => re.test(err.message));
      const bad = found ? found[1] : null;
      mark(bad);
      out.className = 'result-bad'; out.textContent = err.message;
      closeConfirm();
      (bad ? inputs[bad] : submit).focus();
    }
    confirmNow.disabled = false; cancel.disabled = false;
  });
  cancel.addEventListener('click', () => { closeConfirm(); out.className = ''; out.textContent = 'Nothing was deleted.'; submit.focus(); });
  confirmBox.addEventListener('keydown', (e) => { if (e.key === 'Escape') cancel.click(); });

  return [h('h2', { id: 'privacy' }, 'Privacy'),
    h('section', { class: 'card', 'aria-labelledby': 'retention-heading' }, h('h3', { id: 'retention-heading' }, 'Retention'),
      h('p', { id: 'retention-text' }, kept),
      h('p', { class: 'hint' }, 'Set by the relay\'s retentionDays (CAPI_RELAY_RETENTION_DAYS) for every store; deleted events leave the event log and the reports.')),
    form];
}

/** Draws the page; 'flash' puts a save's outcome into the redrawn page's status line with that id. */
async function configView(flash) {
  if (needTenant()) return;
  const t0 = currentTenant();
  const [tenant, px, sw, src, info, snippet] = await Promise.all([
    api('GET', '/api/v1/tenants/' + t0.id),
    api('GET', '/api/v1/tenants/' + t0.id + '/pixels'),
    api('GET', '/api/v1/tenants/' + t0.id + '/switches'),
    api('GET', '/api/v1/tenants/' + t0.id + '/sources'),
    api('GET', '/api/v1/relay-info'),
    // The snippet's settings are optional here: the page works without them.
    api('GET', '/api/v1/tenants/' + t0.id + '/snippet').catch(() => null),
  ]);
  const base = (info.publicUrl || location.origin).replace(/\/+$/, '');
  const focusId = document.activeElement && document.activeElement.id;
  const toc = h('nav', { 'aria-label': 'On this page', class: 'toc' }, [['pixels', 'Pixels'], ['switches', 'Forwarding'], ['sources', 'Webhook sources'], ['snippet', 'Snippet tag'], ['policy', 'Policy'], ['privacy', 'Privacy']]
    .map(([id, label]) => h('a', { href: '#/config', onclick: (e) => { e.preventDefault(); document.getElementById(id).scrollIntoView(); } }, label)));
  setView('Configuration: ' + tenant.name, toc, ...pixelSection(tenant, px.pixels, px.graphVersion, configView), ...switchSection(tenant, sw),
    ...sourceSection(src.sources, info.publicUrl), ...snippetSection(base, tenant, snippet), ...policySection(tenant, configView),
    ...privacySection(tenant, info.retentionDays));
  // Redrawing after a save keeps the keyboard where it was.
  if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus();
  if (flash && flash.id && document.getElementById(flash.id)) { const el = document.getElementById(flash.id); el.className = 'result-ok'; el.textContent = flash.text; }
}

registerView('config', 'Configuration', () => configView());
`;
