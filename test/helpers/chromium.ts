import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium: the browser tests never download one. `.ci/run` installs it. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser tests can run here. Under CI a missing Chromium is an error (a skipped browser suite
 * must not pass as green); elsewhere the suite is skipped with a line saying so.
 */
export function chromiumAvailable(suite: string): boolean {
  const available = existsSync(CHROMIUM);
  if (!available && process.env.CI) throw new Error(`${suite}: ${CHROMIUM} is missing, and CI is set`);
  if (!available) process.stderr.write(`\n[capi-relay tests] ${suite} SKIPPED: no Chromium at ${CHROMIUM}\n\n`);
  return available;
}

/**
 * Headless, sandbox off (root in CI), and none of the background traffic this machine's closed network refuses.
 * `extraArgs` adds switches, e.g. `--host-resolver-rules=MAP *.example.co.uk 127.0.0.1` for pages on real-looking hosts.
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** Signs `page` in to the dashboard at `base` with the admin password or a store's ingest key, and waits for the heading it lands on. */
export async function signIn(page: Page, base: string, secret: string, landing: string): Promise<void> {
  await page.goto(base);
  await page.getByLabel('Admin password').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: landing }).waitFor();
}

/**
 * Chromium (launchChromium) on a 1280×900 page signed in to the dashboard at `base` with the admin `password`, once
 * the heading `landing` of the page the dashboard opens on shows. The context may use the clipboard at `base`, for
 * the Copy buttons. The caller closes `browser`; if signing in fails, it is closed here.
 */
export async function openSignedInDashboard(base: string, password: string, landing: string): Promise<{ browser: Browser; context: BrowserContext; page: Page }> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = await context.newPage();
    await signIn(page, base, password, landing);
    return { browser, context, page };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

const ARTIFACTS = new URL('../../artifacts/screenshots/', import.meta.url);
// The README tour's small copies are rewritten only on request, so ordinary runs leave tracked files alone.
const DOCS = process.env.CAPI_RELAY_DOCS_SCREENSHOTS === '1' ? new URL('../../docs/screenshots/', import.meta.url) : null;

/** Saves a PNG build artifact of the page and, with CAPI_RELAY_DOCS_SCREENSHOTS=1, the docs' small JPEG (quality 60). */
export async function screenshot(page: Page, name: string, opts: { docs?: boolean } = {}): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname });
  if (DOCS && opts.docs !== false) {
    mkdirSync(DOCS, { recursive: true });
    await page.screenshot({ path: new URL(`${name}.jpg`, DOCS).pathname, type: 'jpeg', quality: 60 });
  }
}
