import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeSupport, SUPPORTED_NODE_RANGE } from '../../src/cli/node-release.js';
import { relayEnv, runCli, TEST_ENCRYPTION_KEY } from '../helpers/processes.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const ciVersion = (name: string) => {
  const m = new RegExp(`^${name}=(\\d+\\.\\d+\\.\\d+)$`, 'm').exec(read('.ci/run'));
  if (!m?.[1]) throw new Error(`.ci/run sets no ${name}`);
  return m[1];
};

describe('the supported Node.js releases are stated once and tested where they are stated', () => {
  it('engines, the lockfile, .nvmrc and the doctor check agree', () => {
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { engines?: { node: string } }> };
    expect(pkg.engines.node).toBe(SUPPORTED_NODE_RANGE);
    expect(lock.packages['']?.engines?.node).toBe(SUPPORTED_NODE_RANGE);
    expect(read('.nvmrc').trim()).toBe('24');
    // The types of the oldest supported release, so the code cannot call an API only 24 has without a type error.
    expect(pkg.devDependencies['@types/node']).toMatch(/^\^22\./);
  });

  it('CI runs the primary release (24) and the oldest supported one (22.13+)', () => {
    const primary = ciVersion('NODE_PRIMARY');
    const minimum = ciVersion('NODE_MINIMUM');
    expect(primary.split('.')[0]).toBe('24');
    expect(minimum.split('.')[0]).toBe('22');
    expect(nodeSupport(primary).ok).toBe(true);
    expect(nodeSupport(minimum).ok).toBe(true);
    expect(read('.ci/run')).toMatch(/^test_on "\$NODE_PRIMARY"$/m);
    expect(read('.ci/run')).toMatch(/^test_on "\$NODE_MINIMUM"$/m);
  });

  it('the README says which releases run it', () => {
    expect(read('README.md')).toMatch(/Node\.js 24[^\n]*22\.13/);
  });
});

describe('capi-relay doctor', () => {
  it('reports the Node.js release it runs on, and fails on an unsupported one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'capi-relay-doctor-'));
    try {
      const out = await runCli(relayEnv({ dataDir, encryptionKey: TEST_ENCRYPTION_KEY }), ['doctor', '--json']);
      const checks = JSON.parse(out.stdout) as { check: string; ok: boolean; detail: string }[];
      const expected = nodeSupport(process.version);
      expect(checks[0]).toEqual({ check: 'node', ...expected });
      expect(out.code, out.stderr).toBe(expected.ok ? 0 : 1);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('docs/benchmarks.md keeps a row per Node.js release', () => {
  const row = (node: string, transform: string) => ({ node, date: '2026-12-06 15:00', load: '2.0 (1.5–3.0)', cells: { '(d) transform events/s': transform } as const });

  it('a run adds its release beside the others, newest major first, and replaces only its own', async () => {
    const { releaseTable, renderDoc } = await import('../../bench/doc.js');
    const page = (releases: string) => renderDoc({ machine: '-', table: '-', releases, date: '-', sizes: { N: 1, STEADY_S: 1, BACKLOG: 1, TRANSFORM_N: 1, E_SECONDS: 1, E_ROUNDS: 1, WAL_REQUESTS: 1 } });
    const on22 = page(releaseTable('', row('v22.23.5', '200,000')));
    const both = releaseTable(on22, row('v24.22.3', '250,000'));
    const body = both.split('\n').slice(2);
    expect(body).toHaveLength(2);
    expect(body[0]).toMatch(/^\| v24\.22\.3 \| .* \| 250,000 \| — \|/);
    expect(body[1]).toMatch(/^\| v22\.23\.5 \| .* \| 200,000 \| — \|/);
    const again = releaseTable(page(both), row('v24.30.0', '260,000')).split('\n').slice(2);
    expect(again.map((l) => l.split(' | ')[0])).toEqual(['| v24.30.0', '| v22.23.5']);
  });

  it('a run of some parts keeps the other figures of its release, and a column added later reads — in older rows', async () => {
    const { releaseTable, renderDoc, RELEASE_COLUMNS } = await import('../../bench/doc.js');
    const page = (releases: string) => renderDoc({ machine: '-', table: '-', releases, date: '-', sizes: { N: 1, STEADY_S: 1, BACKLOG: 1, TRANSFORM_N: 1, E_SECONDS: 1, E_ROUNDS: 1, WAL_REQUESTS: 1 } });
    // A page written before the (e) column existed: its header and row stop at (d) transform / SDK.
    const old = '## By Node.js release\n| Node.js | run (UTC) | load (1 min) | (d) transform events/s |\n| --- | --- | --- | --- |\n| v22.23.5 | 2026-12-01 10:00 | 1.0 | 190,000 |\n\n## Machine\n';
    const first = releaseTable(old, { node: 'v24.22.3', date: '2026-12-06 15:00', load: '2.0', cells: { '(d) transform events/s': '250,000' } });
    const partial = releaseTable(page(first), { node: 'v24.22.3', date: '2026-12-06 16:00', load: '3.0', cells: { '(e) relay / bare': '0.61' } });
    const [on24, on22] = partial.split('\n').slice(2).map((l) => l.split(' | '));
    const at = (col: (typeof RELEASE_COLUMNS)[number]) => 3 + RELEASE_COLUMNS.indexOf(col);
    expect(on24?.[at('(d) transform events/s')]).toBe('250,000');
    expect(on24?.[at('(e) relay / bare')]).toBe('0.61');
    expect(on22?.[at('(d) transform events/s')]).toBe('190,000');
    expect(on22?.[at('(e) relay / bare')]).toBe('—');
  });
});
