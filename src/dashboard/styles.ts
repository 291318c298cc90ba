/** The dashboard's stylesheet: system fonts, one column on phones, readable tables on desktops. */
export const DASHBOARD_CSS = String.raw`
:root { --fg: #1b1f24; --muted: #57606a; --bg: #f6f8fa; --card: #fff; --line: #d0d7de; --accent: #0b57d0; --ok: #116329; --bad: #a40e26; --warn: #7d4e00; color-scheme: light; }
* { box-sizing: border-box; }
/* hidden means hidden, whatever display a class gives the element (the nav is a flex box). */
[hidden] { display: none !important; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 6px; z-index: 2; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px; padding: 10px 20px; background: #1b1f24; color: #fff; }
.brand { font-weight: 700; }
/* Brand, store and sign-out on the first row; the nav (it grows with the report pages) on a row of its own. */
.top nav { display: flex; gap: 4px; flex-wrap: wrap; order: 3; flex-basis: 100%; }
.top nav a { color: #fff; padding: 6px 8px; border-radius: 6px; text-decoration: none; }
.top nav a[aria-current="page"] { background: #3d444d; }
.top nav a:hover { text-decoration: underline; }
.current { color: #d1d9e0; margin-left: auto; }
main { max-width: 1200px; margin: 0 auto; padding: 20px; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; margin: 0 0 16px; }
h2 { font-size: 1.15rem; margin: 24px 0 10px; }
section.card, form.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin-bottom: 16px; }
label { display: block; font-weight: 600; margin-bottom: 4px; }
.field { margin-bottom: 12px; }
.hint { color: var(--muted); font-size: .85rem; font-weight: 400; }
input, select { font: inherit; padding: 7px 9px; border: 1px solid var(--line); border-radius: 6px; width: 100%; max-width: 420px; background: #fff; }
button { font: inherit; padding: 7px 14px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
.top button.secondary { border-color: #fff; }
button:disabled, button[aria-disabled="true"] { opacity: .6; cursor: default; }
:focus-visible { outline: 3px solid #f4b400; outline-offset: 2px; }
.row { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; }
.row .field { flex: 1 1 180px; margin-bottom: 0; }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f4; font-size: .85rem; }
tr:last-child td { border-bottom: 0; }
code { font: .85rem/1.3 ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: break-word; }
input[type=checkbox] { width: auto; margin: 0 6px 0 0; vertical-align: middle; }
label.live { display: inline; font-weight: 400; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: .8rem; font-weight: 600; background: #eef1f4; margin: 0 4px 2px 0; }
.status.sent, .status.active, .status.ok { background: #dafbe1; color: var(--ok); }
.status.failed, .status.dead, .status.bad, .status.disabled { background: #ffebe9; color: var(--bad); }
.status.queued, .status.sending, .status.paused, .status.dropped, .status.skipped { background: #fff8c5; color: var(--warn); }
.error { color: var(--bad); font-weight: 600; }
.result-ok { color: var(--ok); font-weight: 600; }
.result-bad { color: var(--bad); font-weight: 600; }
.notice { background: #ddf4ff; border: 1px solid #54aeff; border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
.details { background: #f6f8fa; }
.details dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0 0 8px; }
.details dt { font-weight: 600; }
.details ol { margin: 0; padding-left: 20px; }
.live { color: var(--muted); font-size: .85rem; }
.login { max-width: 420px; margin: 60px auto; }
.hint code, p code { background: #eef1f4; padding: 1px 4px; border-radius: 4px; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow-x: auto; white-space: pre-wrap; }
pre code { background: none; padding: 0; }
textarea { font: inherit; width: 100%; padding: 7px 9px; border: 1px solid var(--line); border-radius: 6px; }
textarea.mono { font: .85rem/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 12px; padding: 8px 12px 4px; }
legend { font-weight: 600; padding: 0 4px; }
label.check { display: inline-flex; align-items: center; font-weight: 400; margin: 0 14px 8px 0; }
label.check.strong { font-weight: 600; }
.checks { display: flex; flex-wrap: wrap; }
.toc { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: -8px 0 8px; }
/* The configuration page's parts, one shown at a time. */
.tabs { display: flex; flex-wrap: wrap; gap: 2px 4px; border-bottom: 1px solid var(--line); margin: -4px 0 16px; }
.tabs a { padding: 6px 12px; border: 1px solid transparent; border-bottom: 0; border-radius: 6px 6px 0 0; color: var(--accent); text-decoration: none; }
.tabs a:hover { text-decoration: underline; }
.tabs a[aria-current="page"] { background: var(--card); border-color: var(--line); color: var(--fg); font-weight: 600; margin-bottom: -1px; }
.buttons { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 16px; }
.toolbar { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 8px; margin-bottom: 8px; }
.toolbar p { margin: 0; }
.channel { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: .8rem; margin: 0 4px 2px 0; border: 1px solid var(--line); }
.channel.browser { background: #ddf4ff; }
.channel.server { background: #fbefff; }
.answer-ok { border-left: 4px solid var(--ok); }
.answer-bad { border-left: 4px solid var(--bad); }
.answer-ok dl, .answer-bad dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; }
.answer-ok dt, .answer-bad dt { font-weight: 600; }
button.copy { padding: 2px 10px; font-size: .85rem; }
button.danger { background: var(--bad); border-color: var(--bad); }
.confirm { border-left: 4px solid var(--bad); background: #fff5f5; padding: 8px 12px; margin: 0 0 8px; border-radius: 4px; }
.confirm p { margin: 0 0 8px; font-weight: 600; }
.actions { margin: 4px 0 8px; }
[aria-invalid="true"] { border-color: var(--bad); box-shadow: 0 0 0 1px var(--bad); }
.pager { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px; margin: 12px 0; }
code.summary { display: block; max-width: 520px; }
/* Configuration: sources, allowed origins and keys. */
td.nowrap { white-space: nowrap; }
td .sub { display: block; color: var(--muted); font: .75rem/1.3 ui-monospace, SFMono-Regular, Menlo, monospace; }
.copy-row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.copy-row input { flex: 1 1 240px; }
input[readonly] { background: #f6f8fa; font: .85rem/1.3 ui-monospace, SFMono-Regular, Menlo, monospace; max-width: 560px; }
ul.plain { list-style: none; padding: 0; margin: 0 0 12px; }
ul.plain li { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px; padding: 6px 0; border-bottom: 1px solid var(--line); max-width: 560px; }
ul.plain li:last-child { border-bottom: 0; }
.keys { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 8px 24px; }
.keys h3, .notice h3 { font-size: 1rem; margin: 0 0 4px; }
.keys .hint { margin: 0 0 8px; }
.notice.new-key { border-color: var(--warn); background: #fff8c5; margin: 8px 0; }
.notice p { margin: 6px 0; }
/* The setup checklist (configuration › Setup checklist) and the event details' "what was sent". */
ol.checklist { list-style: none; padding: 0; margin: 0 0 8px; }
ol.checklist li { border-bottom: 1px solid var(--line); padding: 8px 0; }
ol.checklist li:last-child { border-bottom: 0; }
ol.checklist .step-no { display: inline-block; width: 1.6em; height: 1.6em; line-height: 1.6em; text-align: center; border-radius: 50%; background: #eef1f4; margin-right: 8px; font-weight: 600; }
ol.checklist li.done .step-no { background: #dafbe1; color: var(--ok); }
ol.checklist li.problem .step-no { background: #ffebe9; color: var(--bad); }
ol.checklist p { margin: 4px 0 0 2.3em; }
.setup-summary { padding: 8px 12px; }
ul.ids { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 4px; }
ul.ids li { border: 1px solid var(--line); border-radius: 10px; padding: 0 8px; font-size: .85rem; background: #fff; }
ul.answers { margin: 0 0 8px; padding-left: 20px; }
.meta-answer { overflow-wrap: anywhere; }
/* The alerts banner (above every page) and the Overview. */
.alerts { max-width: 1200px; margin: 12px auto 0; padding: 0 20px; }
.alert-list { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
.alert { background: #fff8c5; border: 1px solid #d4a72c; border-left-width: 6px; border-radius: 8px; padding: 10px 14px; }
.alert.critical { background: #ffebe9; border-color: var(--bad); }
.alert p { margin: 0 0 6px; overflow-wrap: anywhere; }
.alert .level { display: inline-block; font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; padding: 0 6px; margin-right: 6px; border-radius: 4px; color: #fff; background: var(--warn); }
.alert.critical .level { background: var(--bad); }
.alert form.fix { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: flex-end; margin: 4px 0 0; }
.alert form.fix .field { flex: 1 1 240px; margin: 0; }
.alert .hint { margin: 2px 0 0; }
.alert .error:empty, .alert p[role="status"]:empty { display: none; }
.alert .confirm { margin: 8px 0 0; }
.overview-row { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 420px), 1fr)); gap: 0 16px; }
#overview-body h2 { margin-top: 0; }
#overview-body tr:last-child th { border-bottom: 0; }
.figures { list-style: none; padding: 0; margin: 0 0 12px; display: flex; flex-wrap: wrap; gap: 8px 24px; }
.figure { font-size: 1.35rem; font-weight: 700; }
tr.total th, tr.total td { font-weight: 700; }
tbody th { background: none; font-size: inherit; font-weight: 400; }
meter.bar { width: 100%; min-width: 80px; height: 12px; }
.status.idle { background: #eef1f4; color: var(--muted); }
@media (max-width: 600px) {
  main { padding: 12px; }
  .alerts { padding: 0 12px; margin-top: 8px; }
  /* A compact header: brand, store and sign-out on one line, the nav one line under it that scrolls on its own. */
  .top { padding: 6px 12px; gap: 4px 10px; }
  .current { margin-left: auto; min-width: 0; max-width: 55vw; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: .85rem; }
  .top button.secondary { padding: 3px 10px; font-size: .85rem; }
  .top nav { flex-wrap: nowrap; overflow-x: auto; scrollbar-width: none; margin: 0 -12px; padding: 0 6px; }
  .top nav a { white-space: nowrap; padding: 4px 6px; font-size: .9rem; }
  h1 { font-size: 1.25rem; margin-bottom: 10px; }
  th.opt, td.opt { display: none; }
  th, td { padding: 6px; }
  /* The event log as one block per event: time and event on top, status under them, nothing scrolls sideways. */
  .table-wrap.log { overflow-x: visible; }
  .log table, .log tbody, .log tr, .log td { display: block; width: 100%; }
  .log thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  .log tr { border-bottom: 1px solid var(--line); padding: 6px 0; }
  .log tr:last-child { border-bottom: 0; }
  .log td { border: 0; padding: 2px 10px; overflow-wrap: anywhere; }
  .log td.when { color: var(--muted); font-size: .8rem; }
  .log td.event { font-weight: 600; }
  /* Secondary columns (channels) stay in the row's details on phones. */
  .log td.opt { display: none; }
  /* Three short lines per event: time and event; the order; the status with Details at its right. */
  .log tbody tr[data-event] { display: flex; flex-wrap: wrap; align-items: baseline; }
  .log tbody tr[data-event] td { width: auto; }
  .log td.when { flex: 0 0 auto; }
  .log td.event { flex: 1 1 0; min-width: 0; padding-left: 0; }
  .log tbody tr[data-event] td[data-label] { flex: 0 0 100%; }
  .log td.status-cell { flex: 1 1 0; min-width: 0; }
  .log td.history { flex: 0 0 auto; }
  .details pre { max-width: calc(100vw - 48px); }
  .log td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); font-size: .8rem; font-weight: 400; }
}
`;
