// The folder table of docs/architecture.md ("Folders and what each owns") as lint rules: a file in src/<folder>/
// may import only the folders listed for it (packages are not restricted, but for the database ones in src/http/).
// test/lint/dependency-table.test.ts proves a violation fails and that this table and the page's agree.

/** Every folder under src/ the table covers. */
export const FOLDERS = [
  'core', 'config', 'transform', 'sources', 'protocols', 'store', 'ingest', 'privacy', 'delivery', 'reports',
  'browser', 'dashboard', 'dashboard/client', 'emulator', 'services', 'http', 'cli',
];

/**
 * What each folder may import: `may` in full, `typesOnly` with `import type` only (the row shapes and seams a
 * lower folder serves). `cli` may import everything and is not listed; `src/relay.ts`, the composition root, is
 * `relay`. A `typesOnly` entry may name one module of the folder whose values are allowed too (`except`).
 */
export const DEPENDENCY_TABLE = {
  core: { may: [] },
  config: { may: ['core'] },
  transform: { may: ['core'] },
  sources: { may: ['core'] },
  protocols: { may: ['core'] },
  store: { may: ['core'], typesOnly: [{ folder: 'delivery', except: 'event-window' }, { folder: 'reports' }] },
  ingest: { may: ['core', 'transform', 'store', 'sources'] },
  privacy: { may: ['core', 'transform', 'store'] },
  delivery: { may: ['core'] },
  reports: { may: ['core'], typesOnly: [{ folder: 'store' }] },
  browser: { may: ['core', 'transform'] },
  dashboard: { may: [] },
  // The dashboard's browser code (after `dashboard`: its rule replaces that one for these files) shares the admin
  // API's answer types with the server, never its values: nothing of the server may end up in the browser.
  'dashboard/client': { may: [], typesOnly: [{ folder: 'core' }, { folder: 'reports' }, { folder: 'transform' }] },
  emulator: { may: ['core'] },
  services: { may: ['core', 'config', 'transform', 'sources', 'store', 'ingest', 'privacy', 'delivery', 'reports', 'browser'] },
  http: { may: ['core', 'config', 'transform', 'sources', 'protocols', 'ingest', 'privacy', 'delivery', 'reports', 'browser', 'dashboard', 'emulator', 'services'] },
  relay: { may: FOLDERS.filter((f) => f !== 'cli') },
};

/** Database drivers and the query builder: the routes reach the database only through services. */
const DATABASE_PACKAGES = ['kysely', 'better-sqlite3', 'pg'];

/** An import specifier that reaches src/<folder>/ from anywhere under src/ (relative, as this codebase imports). */
const into = (folders, tail = '') => `^(?:\\.\\./|\\./)+(?:${folders.join('|')})/${tail}`;

function patternsFor(name) {
  const row = DEPENDENCY_TABLE[name];
  const typeOnly = row.typesOnly ?? [];
  const self = name === 'relay' ? [] : [name];
  const forbidden = FOLDERS.filter((f) => !self.includes(f) && !row.may.includes(f) && !typeOnly.some((t) => t.folder === f));
  const where = name === 'relay' ? 'src/relay.ts' : `src/${name}/`;
  const patterns = [];
  if (forbidden.length > 0) {
    patterns.push({
      regex: into(forbidden),
      message: `${where} may import only ${[...row.may, ...typeOnly.map((t) => `${t.folder} (types)`)].join(', ') || 'nothing of src/'}: see the folder table in docs/architecture.md`,
    });
  }
  for (const t of typeOnly) {
    patterns.push({
      regex: into([t.folder], t.except ? `(?!${t.except}\\.js$)` : ''),
      allowTypeImports: true,
      message: `${where} may import only types from src/${t.folder}/${t.except ? ` (and its ${t.except} module)` : ''}: write \`import type\` (docs/architecture.md)`,
    });
  }
  if (name === 'http') {
    patterns.push({ regex: `^(?:${DATABASE_PACKAGES.join('|')})(?:/|$)`, message: 'src/http/ never touches the database: call a service (src/services/)' });
  }
  return patterns;
}

/** Flat-config entries, one per folder (a later entry for the same file would replace this rule's options). */
export function dependencyRules() {
  return Object.keys(DEPENDENCY_TABLE).map((name) => ({
    files: name === 'relay' ? ['src/relay.ts'] : [`src/${name}/**/*.ts`],
    // Unit tests beside the code may cross-check against other folders (e.g. the emulator against the report).
    ignores: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: patternsFor(name) }] },
  }));
}
