import { describe, expect, it } from 'vitest';
import { clientModule, clientModuleNames } from './client-assets.js';
import { DASHBOARD_HTML } from './html.js';

describe('dashboard client modules', () => {
  it('serves every module of src/dashboard/client and none of its tests', () => {
    const names = clientModuleNames();
    expect(names).toEqual(expect.arrayContaining(['app', 'audit', 'config', 'dom', 'events', 'reports', 'words']));
    expect(names.some((n) => n.includes('test'))).toBe(false);
  });

  it('loads every script the page names', () => {
    const scripts = [...DASHBOARD_HTML.matchAll(/<script type="module" src="\/dashboard\/([a-z-]+)\.js"><\/script>/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const name of scripts) expect(clientModuleNames()).toContain(name);
  });

  it('answers JavaScript with the type-only imports gone and the relative imports kept for the browser', async () => {
    const js = await clientModule('events');
    expect(js).not.toBeNull();
    expect(js).toContain("from './app.js'");
    expect(js).not.toMatch(/from '\.\.\/\.\.\/core\/admin-api\.js'/);
    expect(js).not.toMatch(/: Promise<void>/);
  });

  it('answers nothing for a name outside the folder', async () => {
    for (const name of ['../html', 'nope', 'App', '', 'dom.test']) expect(await clientModule(name)).toBeNull();
  });
});
