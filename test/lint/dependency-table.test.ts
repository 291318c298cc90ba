/**
 * The folder table of docs/architecture.md is enforced by `npm run lint` (eslint/dependency-rules.js): an import
 * the table does not allow fails the lint, and the page and the rules say the same.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { DEPENDENCY_TABLE, dependencyRules, FOLDERS } from '../../eslint/dependency-rules.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The boundary rules alone, without type information (the full lint is type-aware and slow).
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { '@typescript-eslint': tseslint.plugin } },
    ...dependencyRules(),
  ],
});

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.line}: ${m.ruleId}: ${m.message}`);
}

describe('folder boundaries', () => {
  it('refuses a route that imports the store, and a route that imports the query builder', async () => {
    const found = await problems('src/http/routes/example.ts', [
      "import { listEvents } from '../../store/event-log.js';",
      "import type { TenantView } from '../../store/tenants.js';",
      "import { sql } from 'kysely';",
      "import { createServices } from '../../services/index.js';",
      'export const used = [listEvents, sql, createServices];',
      'export type T = TenantView;',
    ].join('\n'));
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^1: @typescript-eslint\/no-restricted-imports: .*src\/http\/ may import only/);
    expect(found[1]).toMatch(/^2: /); // type-only imports from the store go through services' types too
    expect(found[2]).toMatch(/^3: .*call a service/);
  });

  it('refuses the upward imports this table removed: store → browser/sources, ingest → http, emulator → reports', async () => {
    expect(await problems('src/store/example.ts', "export { DEFAULT_BROWSER_SETTINGS } from '../browser/browser-settings.js';")).toHaveLength(1);
    expect(await problems('src/store/example.ts', "import type { SourceSettings } from '../sources/types.js';\nexport type S = SourceSettings;")).toHaveLength(1);
    expect(await problems('src/ingest/example.ts', "import type { Metrics } from '../http/metrics.js';\nexport type M = Metrics;")).toHaveLength(1);
    expect(await problems('src/emulator/example.ts', "export { IDENTIFIER_WEIGHTS } from '../reports/match-quality.js';")).toHaveLength(1);
    expect(await problems('src/relay.ts', "import { program } from './cli/program.js';\nexport const p = program;")).toHaveLength(1);
  });

  it('allows type-only imports where the table says types, and values nowhere else', async () => {
    expect(await problems('src/store/example.ts', "import type { EventRow } from '../reports/index.js';\nexport type E = EventRow;")).toEqual([]);
    expect(await problems('src/store/example.ts', "import { matchQuality } from '../reports/index.js';\nexport const m = matchQuality;")).toHaveLength(1);
    expect(await problems('src/store/example.ts', "import { WEB_WINDOW_MS } from '../delivery/event-window.js';\nexport const w = WEB_WINDOW_MS;")).toEqual([]);
    expect(await problems('src/store/example.ts', "import { createDeliveryEngine } from '../delivery/engine.js';\nexport const e = createDeliveryEngine;")).toHaveLength(1);
    expect(await problems('src/core/example.ts', "import { z } from 'zod';\nexport const s = z.string();")).toEqual([]);
    expect(await problems('src/core/example.ts', "import type { Store } from '../store/database.js';\nexport type S = Store;")).toHaveLength(1);
  });

  it('lets the composition root and the CLI import the store, and unit tests cross-check freely', async () => {
    expect(await problems('src/relay.ts', "import { openStore } from './store/database.js';\nexport const o = openStore;")).toEqual([]);
    expect(await problems('src/cli/example.ts', "import { openStore } from '../store/database.js';\nexport const o = openStore;")).toEqual([]);
    expect(await problems('src/emulator/example.test.ts', "import { IDENTIFIERS } from '../reports/match-quality.js';\nexport const i = IDENTIFIERS;")).toEqual([]);
  });

  it('is part of the lint configuration npm run lint uses', async () => {
    const full = new ESLint({ cwd: root });
    const config = (await full.calculateConfigForFile('src/http/routes/ops.ts')) as { rules: Record<string, unknown> };
    const expected = dependencyRules().find((c) => c.files?.includes('src/http/**/*.ts'))?.rules?.['@typescript-eslint/no-restricted-imports'] as unknown[];
    // ESLint reports the severity "error" as 2.
    expect(config.rules['@typescript-eslint/no-restricted-imports']).toEqual([2, expected[1]]);
  });
});

describe('docs/architecture.md', () => {
  /** "may import" of each row of the folder table, as folder names ("everything but `x`" spelled out). */
  function documentedTable(): Map<string, string[]> {
    const page = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');
    const rows = new Map<string, string[]>();
    for (const line of page.split('\n')) {
      const m = /^\| `src\/([a-z]+(?:\/[a-z]+)?)(?:\/|\.ts)` \|[^|]*\| (.*) \|$/.exec(line);
      if (!m) continue;
      const [, name = '', cell = ''] = m;
      const named = [...cell.matchAll(/`([a-z]+(?:\/[a-z]+)?)`/g)].map((t) => t[1] ?? '').filter((t) => FOLDERS.includes(t));
      const self = name === 'relay' ? [] : [name];
      rows.set(name, /^everything/.test(cell) ? FOLDERS.filter((f) => !named.includes(f) && !self.includes(f)) : named);
    }
    return rows;
  }

  it('lists every folder with the imports the lint allows', () => {
    const documented = documentedTable();
    const enforced = Object.entries(DEPENDENCY_TABLE).map(([name, row]) => [name, [...row.may, ...(row.typesOnly ?? []).map((t) => t.folder)].sort()]);
    expect(enforced.map(([name]) => name).sort()).toEqual([...documented.keys()].filter((k) => k !== 'cli').sort());
    for (const [name, allowed] of enforced) expect([...new Set(documented.get(name as string))].sort(), name as string).toEqual(allowed);
    expect(documented.get('cli')).toEqual(FOLDERS.filter((f) => f !== 'cli'));
  });
});
