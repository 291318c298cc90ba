/**
 * The dashboard's single page. Served as a string so `tsc` ships it with no build step or asset copy;
 * no inline script or style, so the page runs under a strict Content-Security-Policy.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>capi-relay dashboard</title>
<link rel="stylesheet" href="/dashboard/app.css">
<link rel="stylesheet" href="/dashboard/reports.css">
<script type="module" src="/dashboard/app.js"></script>
<script type="module" src="/dashboard/alerts.js"></script>
<script type="module" src="/dashboard/overview.js"></script>
<script type="module" src="/dashboard/config.js"></script>
<script type="module" src="/dashboard/events.js"></script>
<script type="module" src="/dashboard/audit.js"></script>
<script type="module" src="/dashboard/reports.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <span class="brand">capi-relay</span>
  <nav aria-label="Main" id="nav" hidden></nav>
  <span id="current-tenant" class="current"></span>
  <button type="button" id="logout" class="secondary" hidden>Sign out</button>
</header>
<div id="alerts" class="alerts" role="region" aria-label="Alerts" hidden></div>
<main id="main" tabindex="-1"><p>Loading…</p></main>
<p id="announce" class="visually-hidden" role="status" aria-live="polite"></p>
</body>
</html>
`;
