import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/processes.js';

/**
 * `capi-relay emulator` as a user runs it: a spawned CLI process, its pixels given by repeated `--pixel` flags,
 * probed over HTTP through the Graph routes and the `/_emulator/*` inspection routes.
 */
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

interface EmulatorProcess {
  url: string;
  exited: Promise<number | string | null>;
  stop(): Promise<number | string | null>;
}

const running: EmulatorProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

/** Starts the emulator CLI on a free port and resolves with its URL once it prints the "listening" line. */
async function startEmulatorCli(args: string[]): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [...CLI, 'emulator', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}`)), 30_000);
    child.stdout.on('data', () => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited (${String(code)}) before listening: ${out}`));
    });
  });
  const proc = { url, exited, stop };
  running.push(proc);
  return proc;
}

const nowSec = () => Math.floor(Date.now() / 1000);
const lead = (id: string) => ({
  event_name: 'Lead',
  event_time: nowSec() - 5,
  event_id: id,
  action_source: 'system_generated',
  user_data: { em: ['a'.repeat(64)] },
});

async function sendEvents(url: string, pixelId: string, token: string, events: unknown[]) {
  const res = await fetch(`${url}/v24.0/${pixelId}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ data: events }),
  });
  return { status: res.status, body: (await res.json()) as { events_received?: number; error?: { code: number; error_subcode?: number } } };
}

describe('capi-relay emulator --pixel', () => {
  it('takes the flag repeatedly: each pixel knows its own tokens and name, and no other pixel is known', async () => {
    const emu = await startEmulatorCli(['--pixel', '1110001:tok-a:Shop A: EU', '--pixel', '2220002:tok-b', '--pixel', '1110001:tok-a2']);

    const pixels = (await (await fetch(`${emu.url}/_emulator/pixels`)).json()) as { pixels: { id: string; name: string; tokens: string[] }[] };
    expect(pixels.pixels).toEqual([
      { id: '1110001', name: 'Shop A: EU', tokens: ['tok-a', 'tok-a2'] },
      { id: '2220002', name: 'Pixel 2220002', tokens: ['tok-b'] },
    ]);

    expect(await sendEvents(emu.url, '1110001', 'tok-a', [lead('a1')])).toMatchObject({ status: 200, body: { events_received: 1 } });
    expect(await sendEvents(emu.url, '1110001', 'tok-a2', [lead('a2')])).toMatchObject({ status: 200, body: { events_received: 1 } });
    expect(await sendEvents(emu.url, '2220002', 'tok-b', [lead('b1')])).toMatchObject({ status: 200, body: { events_received: 1 } });
    // Another pixel's token, an unknown token, an unknown pixel: Graph's own answers (rules 2 and 3).
    expect(await sendEvents(emu.url, '2220002', 'tok-a', [lead('x1')])).toMatchObject({ status: 400, body: { error: { code: 100, error_subcode: 33 } } });
    expect(await sendEvents(emu.url, '1110001', 'nope', [lead('x2')])).toMatchObject({ status: 401, body: { error: { code: 190 } } });
    expect(await sendEvents(emu.url, '3330003', 'tok-a', [lead('x3')])).toMatchObject({ status: 400, body: { error: { code: 100, error_subcode: 33 } } });

    const probe = await fetch(`${emu.url}/v24.0/1110001?fields=id,name`, { headers: { authorization: 'Bearer tok-a' } });
    expect(await probe.json()).toEqual({ id: '1110001', name: 'Shop A: EU' });

    const received = (await (await fetch(`${emu.url}/_emulator/events?pixel_id=1110001`)).json()) as { count: number; events: { event: { event_id: string } }[] };
    expect(received.events.map((e) => e.event.event_id)).toEqual(['a1', 'a2']);
    const rejections = (await (await fetch(`${emu.url}/_emulator/rejections`)).json()) as { rejections: unknown[] };
    expect(rejections.rejections).toHaveLength(3);

    expect(await emu.stop()).toBe(0);
  });

  it('without --pixel accepts any numeric pixel id with any token', async () => {
    const emu = await startEmulatorCli([]);
    expect(await sendEvents(emu.url, '4440004', 'any-token', [lead('c1')])).toMatchObject({ status: 200, body: { events_received: 1 } });
  });

  it.each([['nocolon'], ['abc:tok']])('refuses --pixel %j with a usage error naming the flag', async (spec) => {
    const res = await runCli(process.env, ['emulator', '--port', '0', '--pixel', spec]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('--pixel');
    expect(res.stderr).toContain('id:token[:name]');
    expect(res.stdout).not.toContain('listening');
  });

  it('refuses a port that is not a number', async () => {
    const res = await runCli(process.env, ['emulator', '--port', 'http']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('--port');
  });
});
