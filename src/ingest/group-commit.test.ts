import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGroupCommitter, type GroupCommitOptions } from './group-commit.js';

/** A write: its name, its event count, and whether the store refuses it. */
interface W {
  name: string;
  size?: number;
  bad?: boolean;
}

/**
 * A stand-in for the store's transaction: records each transaction's writes; one with a bad write fails whole
 * (nothing of it is kept), as a rolled-back transaction does. Committed writes answer `stored:<name>`.
 */
function fakeStore(opts: { fault?: unknown; slow?: boolean } = {}) {
  const transactions: string[][] = [];
  const committed: string[] = [];
  let release: (() => void) | null = null;
  const run = async (writes: readonly W[]): Promise<string[]> => {
    transactions.push(writes.map((w) => w.name));
    if (opts.slow) await new Promise<void>((r) => (release = r));
    if (opts.fault) throw opts.fault;
    const bad = writes.find((w) => w.bad);
    if (bad) throw new Error(`constraint failed for ${bad.name}`);
    committed.push(...writes.map((w) => w.name));
    return writes.map((w) => `stored:${w.name}`);
  };
  return { run, transactions, committed, release: () => release?.() };
}

function committer(run: GroupCommitOptions<W, string>['run'], extra: Partial<GroupCommitOptions<W, string>> = {}) {
  const commits: { writes: number; events: number; retry: boolean }[] = [];
  const c = createGroupCommitter<W, string>({
    run,
    sizeOf: (w) => w.size ?? 1,
    maxWaitMs: 2,
    maxSize: 1000,
    onCommit: (info) => commits.push(info),
    ...extra,
  });
  return { c, commits };
}

/** Lets every settled promise's callbacks run (no timer moves). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('group commit', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gathers the writes of the wait into one transaction and answers each caller after it commits', async () => {
    const store = fakeStore();
    const { c, commits } = committer(store.run);
    const answers = [c.submit({ name: 'a' }), c.submit({ name: 'b' }), c.submit({ name: 'c' })];
    let answered = 0;
    answers.forEach((p) => void p.then(() => answered++));
    await settle();
    // Nothing is written, and nobody answered, before the wait is over.
    expect(store.transactions).toEqual([]);
    expect(answered).toBe(0);
    await vi.advanceTimersByTimeAsync(2);
    expect(await Promise.all(answers)).toEqual(['stored:a', 'stored:b', 'stored:c']);
    expect(store.transactions).toEqual([['a', 'b', 'c']]);
    expect(commits).toEqual([{ writes: 3, events: 3, retry: false }]);
  });

  it('starts a new group for a write that comes after the last group left', async () => {
    const store = fakeStore();
    const { c } = committer(store.run);
    const first = c.submit({ name: 'a' });
    await vi.advanceTimersByTimeAsync(2);
    await first;
    const second = c.submit({ name: 'b' });
    await vi.advanceTimersByTimeAsync(2);
    await second;
    expect(store.transactions).toEqual([['a'], ['b']]);
  });

  it('commits a group as soon as it holds maxSize events, without waiting', async () => {
    const store = fakeStore();
    const { c, commits } = committer(store.run, { maxSize: 5, maxWaitMs: 60_000 });
    const full = [c.submit({ name: 'a', size: 2 }), c.submit({ name: 'b', size: 3 })];
    await settle();
    expect(await Promise.all(full)).toEqual(['stored:a', 'stored:b']);
    expect(commits).toEqual([{ writes: 2, events: 5, retry: false }]);
    // A write that would overfill the gathering group sends that group first and starts the next.
    const next = [c.submit({ name: 'c', size: 4 }), c.submit({ name: 'd', size: 4 })];
    await settle();
    expect(store.transactions).toEqual([['a', 'b'], ['c']]);
    await vi.advanceTimersByTimeAsync(60_000);
    await Promise.all(next);
    expect(store.transactions).toEqual([['a', 'b'], ['c'], ['d']]);
  });

  it('retries each write alone when the shared transaction fails: one bad write fails only its caller', async () => {
    const store = fakeStore();
    const { c, commits } = committer(store.run);
    const answers = [c.submit({ name: 'a' }), c.submit({ name: 'bad', bad: true }), c.submit({ name: 'c' })].map((p) =>
      p.then(
        (v) => ({ ok: v }),
        (err: Error) => ({ failed: err.message }),
      ),
    );
    await vi.advanceTimersByTimeAsync(2);
    expect(await Promise.all(answers)).toEqual([{ ok: 'stored:a' }, { failed: 'constraint failed for bad' }, { ok: 'stored:c' }]);
    // The failed group kept nothing; each good write was committed once, alone, in the order it came.
    expect(store.transactions).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
    expect(store.committed).toEqual(['a', 'c']);
    expect(commits).toEqual([
      { writes: 1, events: 1, retry: true },
      { writes: 1, events: 1, retry: true },
    ]);
  });

  it('fails every caller with the error, without retries, when retryAlone says the failure is not the writes', async () => {
    const fault = Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' });
    const store = fakeStore({ fault });
    const { c, commits } = committer(store.run, { retryAlone: (err) => (err as { code?: string }).code !== 'SQLITE_FULL' });
    const answers = [c.submit({ name: 'a' }), c.submit({ name: 'b' })].map((p) => p.then(() => 'accepted', (err: unknown) => err));
    await vi.advanceTimersByTimeAsync(2);
    expect(await Promise.all(answers)).toEqual([fault, fault]);
    expect(store.transactions).toEqual([['a', 'b']]);
    expect(commits).toEqual([]);
  });

  it('keeps submission order across groups: a group waits for the one committing before it', async () => {
    const store = fakeStore({ slow: true });
    const { c } = committer(store.run);
    const first = [c.submit({ name: 'a' }), c.submit({ name: 'b' })];
    await vi.advanceTimersByTimeAsync(2);
    expect(store.transactions).toEqual([['a', 'b']]);
    // While a and b commit, c and d gather; their wait passes, but one group commits at a time.
    const second = [c.submit({ name: 'c' }), c.submit({ name: 'd' })];
    await vi.advanceTimersByTimeAsync(10);
    expect(store.transactions).toEqual([['a', 'b']]);
    store.release();
    expect(await Promise.all(first)).toEqual(['stored:a', 'stored:b']);
    await settle();
    expect(store.transactions).toEqual([['a', 'b'], ['c', 'd']]);
    store.release();
    expect(await Promise.all(second)).toEqual(['stored:c', 'stored:d']);
    expect(store.committed).toEqual(['a', 'b', 'c', 'd']);
  });

  it('with maxInFlight 2, a second group commits while the first is still committing', async () => {
    const store = fakeStore({ slow: true });
    const { c } = committer(store.run, { maxInFlight: 2 });
    void c.submit({ name: 'a' });
    await vi.advanceTimersByTimeAsync(2);
    void c.submit({ name: 'b' });
    await vi.advanceTimersByTimeAsync(2);
    expect(store.transactions).toEqual([['a'], ['b']]);
  });

  it('with maxWaitMs 0, gathers what is submitted in the same turn of the event loop', async () => {
    vi.useRealTimers();
    const store = fakeStore();
    const { c } = committer(store.run, { maxWaitMs: 0 });
    const answers = [c.submit({ name: 'a' }), c.submit({ name: 'b' })];
    expect(await Promise.all(answers)).toEqual(['stored:a', 'stored:b']);
    expect(store.transactions).toEqual([['a', 'b']]);
  });

  it('drain commits what is gathered at once and resolves when every caller is answered', async () => {
    const store = fakeStore();
    const { c } = committer(store.run, { maxWaitMs: 60_000 });
    const answer = c.submit({ name: 'a' });
    await c.drain();
    expect(await answer).toBe('stored:a');
    await c.drain();
  });
});
