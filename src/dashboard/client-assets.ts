/**
 * The dashboard's browser modules (src/dashboard/client/*.ts), as the relay serves them at /dashboard/<name>.js.
 *
 * Built (`npm run build`, `npm start`): `tsc -p src/dashboard/client/tsconfig.build.json` wrote them next to
 * this file as dist/dashboard/client/*.js, and they are read from there. From the sources (vitest, tsx): there
 * is no .js beside the .ts, so each module is transpiled on first request with TypeScript's transpileModule
 * (a syntax-only transform, a few milliseconds a file; the typecheck is `npm run typecheck`'s job), which keeps
 * the tests on the code as written, never on a stale build. TypeScript is a devDependency: it is loaded only
 * in that case, which a production install never reaches.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLIENT_DIR = fileURLToPath(new URL('./client/', import.meta.url));
const MODULE_NAME = /^[a-z][a-z0-9-]*$/;

/** The module names served (`app`, `events`, …): the client's files without tests and declarations. */
export function clientModuleNames(): string[] {
  const names = new Set<string>();
  // A build made without the client's project (`tsc -p tsconfig.build.json` alone) has no folder: the relay
  // still runs (the page then stays at "Loading…") rather than refusing to start over its dashboard.
  if (!existsSync(CLIENT_DIR)) return [];
  for (const file of readdirSync(CLIENT_DIR)) {
    const m = /^(.+?)\.(?:js|ts)$/.exec(file);
    if (m?.[1] && MODULE_NAME.test(m[1]) && !file.endsWith('.d.ts')) names.add(m[1]);
  }
  return [...names].sort();
}

const cache = new Map<string, { mtimeMs: number; text: string }>();

/** The JavaScript of one client module, or null when there is no such module. */
export async function clientModule(name: string): Promise<string | null> {
  if (!MODULE_NAME.test(name)) return null;
  const built = `${CLIENT_DIR}${name}.js`;
  const source = `${CLIENT_DIR}${name}.ts`;
  const path = existsSync(built) ? built : existsSync(source) ? source : null;
  if (!path) return null;
  const { mtimeMs } = statSync(path);
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === mtimeMs) return hit.text;
  const text = path === built ? readFileSync(built, 'utf8') : await transpile(readFileSync(source, 'utf8'), `${name}.ts`);
  cache.set(path, { mtimeMs, text });
  return text;
}

async function transpile(code: string, fileName: string): Promise<string> {
  const ts = (await import('typescript')).default;
  return ts.transpileModule(code, {
    fileName,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, verbatimModuleSyntax: true, sourceMap: false },
  }).outputText;
}
