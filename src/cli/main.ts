#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 --heap-growing-percent=40
import { Command } from 'commander';
import { runCli } from './program.js';

const program: Command = runCli();
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`capi-relay: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
