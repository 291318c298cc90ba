/**
 * The Node.js releases capi-relay supports: 24 (active LTS, the primary target) and 22 from 22.13 (maintenance
 * LTS). 22.13 is the oldest release every dependency runs on (Fastify's `cookie` needs 22, ESLint 10 needs 22.13);
 * 20 reached end of life in April 2026 and is no longer tested. package.json's `engines` states the same range
 * (test/integration/node-releases.test.ts keeps the two, the README and .ci/run in step); `doctor` reports a
 * runtime outside it, since npm only warns about `engines`.
 */

/** package.json `engines.node`. */
export const SUPPORTED_NODE_RANGE = '^22.13.0 || >=24';

/** Whether `version` (e.g. `process.version`, `v24.1.0`) is a supported release, and what to do if not. */
export function nodeSupport(version: string): { ok: boolean; detail: string } {
  const m = /^v?(\d+)\.(\d+)\.\d+/.exec(version);
  const major = Number(m?.[1]);
  const minor = Number(m?.[2]);
  const ok = m !== null && ((major === 22 && minor >= 13) || major >= 24);
  return ok ? { ok, detail: version } : { ok, detail: `${version} is not supported: run Node.js 24 (or 22.13 or later 22.x)` };
}
