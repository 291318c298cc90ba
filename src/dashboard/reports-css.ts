/** Styles of the report pages (served at /dashboard/reports.css), on top of the core stylesheet's variables. */
export const REPORTS_CSS = String.raw`
figure.chart { margin: 0 0 16px; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px; }
figure.chart figcaption { font-weight: 600; margin-bottom: 8px; }
.chart-box { position: relative; height: 280px; width: 100%; }
.chart-box.tall { height: 420px; }
.chart-box canvas { max-width: 100%; }
.notice.warn { background: #fff8c5; border-color: #d4a72c; }
section.card.mq h2, .report > h2:first-child { margin-top: 0; }
.mq-grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; align-items: start; }
.mq-grid figure.chart { margin: 0; border: 0; padding: 0; }
section.report form.row { margin-bottom: 12px; }
dl.scores, dl.stats { display: flex; flex-wrap: wrap; gap: 12px 32px; margin: 0 0 12px; }
dl.scores dt, dl.stats dt { font-size: .85rem; color: var(--muted); }
dl.scores dd, dl.stats dd { margin: 0; font-size: 1.25rem; font-weight: 700; }
.score { font-variant-numeric: tabular-nums; }
td.good, p.good, div.good { color: var(--ok); }
td.weak, div.weak { color: var(--bad); font-weight: 600; }
td.muted { color: var(--muted); }
tr.quiet th, tr.quiet td { color: var(--muted); }
.advice h3 { font-size: 1rem; margin: 14px 0 4px; }
.advice ul { margin: 0; padding-left: 20px; }
.opt-inline { color: var(--muted); }
a.button { display: inline-block; padding: 7px 14px; border-radius: 6px; border: 1px solid var(--accent); color: var(--accent); background: #fff; text-decoration: none; align-self: flex-end; }
a.button:hover { text-decoration: underline; }
details.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
details.card summary { cursor: pointer; font-weight: 600; }
details.card .table-wrap { margin-top: 10px; }
@media (max-width: 900px) {
  .mq-grid { grid-template-columns: minmax(0, 1fr); }
}
@media (max-width: 600px) {
  .chart-box { height: 220px; }
  .chart-box.tall { height: 460px; }
  .opt-inline { display: none; }
  dl.scores dd, dl.stats dd { font-size: 1.05rem; }
}
`;
