/**
 * What a new user reads first must stay true: the README's configuration table names every setting the code reads,
 * with its variable, flag and default, and nothing the code no longer reads; every `capi-relay …` command the
 * README and docs/ quote is a real command with real options; and every relative link reaches a file of this
 * repository (and a heading of it), never a path beside the checkout.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { configSchema, ENV_NAMES, FLAG_SETTINGS } from '../../src/config/config.js';
import { runCli } from '../../src/cli/program.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const pages = ['README.md', ...readdirSync(new URL('../../docs/', import.meta.url)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface Row { setting: string; flag: string; env: string; defaultCell: string }

/** The rows of the README's configuration table: | `setting` | flag | environment | default | meaning |. */
function configTable(): Row[] {
  const rows: Row[] = [];
  for (const line of read('README.md').split('\n')) {
    const m = /^\| `([a-zA-Z]+)` \|([^|]*)\| `(CAPI_RELAY_[A-Z_]+)` \|([^|]*)\|/.exec(line);
    if (m) rows.push({ setting: m[1]!, flag: m[2]!.trim(), env: m[3]!, defaultCell: m[4]!.trim() });
  }
  return rows;
}

describe('README configuration table', () => {
  const rows = configTable();
  const defaults = configSchema.parse({}) as Record<string, unknown>;

  it('has one row per setting, and no row for a setting the code does not read', () => {
    expect(rows.map((r) => r.setting).sort()).toEqual(Object.keys(ENV_NAMES).sort());
  });

  it('names each setting’s environment variable and flag as the code reads them', () => {
    for (const row of rows) {
      expect(row.env, row.setting).toBe(ENV_NAMES[row.setting as keyof typeof ENV_NAMES]);
      const flag = `--${row.setting.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      expect(row.flag, row.setting).toBe(FLAG_SETTINGS.has(row.setting) ? `\`${flag}\`` : '');
    }
  });

  it('gives each setting the default the schema applies', () => {
    for (const row of rows) {
      const value = defaults[row.setting];
      if (value === undefined) expect(row.defaultCell, row.setting).toMatch(/^(unset|generated)\b/);
      else if (Array.isArray(value) && value.length === 0) expect(row.defaultCell, row.setting).toBe('none');
      else expect(row.defaultCell, row.setting).toBe(`\`${String(value)}\``);
    }
  });
});

/** Every command path (`tenants create`, `serve` …) with the long options it takes, help included. */
function commands(): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const walk = (cmd: Command, path: string[]) => {
    for (const sub of cmd.commands) {
      const names = [...path, sub.name()];
      found.set(names.join(' '), new Set([...sub.options.map((o) => o.long ?? ''), '--help']));
      walk(sub, names);
    }
  };
  walk(runCli(), []);
  return found;
}

/** The code a page quotes, line by line: whole lines of fenced blocks (without `# comments`), inline code spans elsewhere. */
function quotedCode(page: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  let fenced = false;
  read(page).split('\n').forEach((text, i) => {
    if (text.startsWith('```')) { fenced = !fenced; return; }
    if (fenced) out.push({ line: i + 1, code: text.replace(/\s#\s.*$/, '') });
    else for (const m of text.matchAll(/`([^`]+)`/g)) out.push({ line: i + 1, code: m[1]! });
  });
  return out;
}

describe('capi-relay commands quoted in the README and docs/', () => {
  const known = commands();
  const groups = new Set([...known.keys()].filter((k) => k.includes(' ')).map((k) => k.split(' ')[0]!));
  const quoted = pages.flatMap((page) => quotedCode(page).map((q) => ({ ...q, page }))).filter((q) => /\bcapi-relay [a-z]/.test(q.code));

  it('are real commands, with real options', () => {
    const wrong: string[] = [];
    for (const { page, line, code } of quoted) {
      for (const m of code.matchAll(/\bcapi-relay ([a-z][a-z-]*)((?:(?!\bcapi-relay ).)*)/g)) {
        const [, cmd = '', rest = ''] = m;
        // A table cell lists siblings as `pixels list [--tenant ID] \| enable \| disable --pixel ID`: each part after
        // a `|` that starts with a subcommand of the group takes that subcommand's options.
        let path = cmd;
        for (const [n, part] of rest.split(/\\?\|/).entries()) {
          const word = /^\s*([a-z][a-z-]*)/.exec(part)?.[1];
          let flags = part;
          if (groups.has(cmd) && word && known.has(`${cmd} ${word}`) && (n === 0 ? part.startsWith(' ') : true)) {
            path = `${cmd} ${word}`;
            flags = part.slice(part.indexOf(word) + word.length);
          } else if (n === 0 && groups.has(cmd)) path = cmd;
          const options = known.get(path);
          if (!options) { wrong.push(`${page}:${line}: no command "capi-relay ${path}${word && n === 0 ? ` ${word}` : ''}"`); break; }
          for (const flag of flags.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)) {
            if (!options.has(flag[0])) wrong.push(`${page}:${line}: "capi-relay ${path}" has no ${flag[0]}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('sees the commands it checks (the pattern still matches the pages)', () => {
    expect(new Set(quoted.flatMap((q) => [...q.code.matchAll(/\bcapi-relay ([a-z][a-z-]*)/g)].map((m) => m[1]))).size).toBeGreaterThan(15);
  });
});

/** GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces as `-`, repeats numbered. */
function anchors(page: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of read(page).split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^#{1,6} (.*)$/.exec(line);
    if (!m) continue;
    const slug = m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug);
    seen.set(slug, (n ?? -1) + 1);
    found.add(n === undefined ? slug : `${slug}-${n + 1}`);
  }
  return found;
}

describe('links in the README and docs/', () => {
  it('reach files of the repository and headings that exist', () => {
    const wrong: string[] = [];
    for (const page of pages) {
      read(page).split('\n').forEach((line, i) => {
        for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
          const href = m[1]!;
          if (/^[a-z]+:/i.test(href)) continue;
          const [path = '', fragment] = href.split('#');
          const target = path === '' ? page : join(dirname(page), path);
          if (relative(root, join(root, target)).startsWith('..')) wrong.push(`${page}:${i + 1}: ${href} is outside the repository`);
          else if (!existsSync(join(root, target))) wrong.push(`${page}:${i + 1}: ${href}: no such file`);
          else if (fragment && target.endsWith('.md') && !anchors(target).has(fragment)) wrong.push(`${page}:${i + 1}: ${href}: no such heading`);
        }
      });
    }
    expect(wrong).toEqual([]);
  });

  it('name no folder beside the checkout', () => {
    const outside = pages.flatMap((page) => read(page).split('\n').flatMap((line, i) => (/\.\.\/shared\b|\/work\//.test(line) ? [`${page}:${i + 1}`] : [])));
    expect(outside).toEqual([]);
  });
});
