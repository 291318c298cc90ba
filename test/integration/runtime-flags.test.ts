import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { SERVE_ENV, SERVE_ENV_PREFIX, SERVE_NODE_FLAGS } from '../helpers/processes.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

const SHEBANG = `#!/usr/bin/env -S ${SERVE_ENV_PREFIX} node ${SERVE_NODE_FLAGS.join(' ')}`;

describe('the relay runs with the same V8 flags and environment however it is started', () => {
  it('npm start, the capi-relay command and the benchmark agree', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toBe(`${SERVE_ENV_PREFIX} node ${SERVE_NODE_FLAGS.join(' ')} dist/cli/main.js serve`);
    expect(read('src/cli/main.ts').split('\n')[0]).toBe(SHEBANG);
  });

  it('env -S reads the shebang as variables, then node with its flags', () => {
    // What the kernel runs for `capi-relay …`: env with the rest of the line as one argument.
    const shown = execFileSync('/usr/bin/env', ['-S', `${SHEBANG.slice('#!/usr/bin/env -S '.length)} -e console.log(JSON.stringify([process.env.MALLOC_ARENA_MAX,process.execArgv]))`], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
    expect(JSON.parse(shown)).toEqual([SERVE_ENV.MALLOC_ARENA_MAX, [...SERVE_NODE_FLAGS, '-e', expect.any(String)]]);
  });
});
