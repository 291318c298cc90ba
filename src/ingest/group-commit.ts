/**
 * Group commit: concurrent writes are gathered for up to `maxWaitMs` (or until they hold `maxSize` events) and run
 * in one shared transaction, so many one-event requests pay for one commit. Each caller is answered only after
 * the commit that holds its write, so the durability promise is the same as with a transaction of its own.
 *
 * When a shared transaction fails, nothing in it was committed: every write of the group is then run again in a
 * transaction of its own (unless `retryAlone` says the failure is not the writes' doing, such as storage being
 * down, when each caller gets the error), so one bad write fails its own caller and no other.
 */

export interface GroupCommitOptions<W, R> {
  /**
   * Runs `writes` in one transaction and resolves with one result per write, in order, once it is committed;
   * rejects if anything in it failed (then nothing of it may be committed).
   */
  run(writes: readonly W[]): Promise<R[]>;
  /** Events in a write: a group closes once it holds `maxSize`. */
  sizeOf(write: W): number;
  /** How long the first write of a group waits for others (0: until the current turn of the event loop ends). */
  maxWaitMs: number;
  maxSize: number;
  /** Groups committing at once (1 on SQLite, which has one writer; more on PostgreSQL's pooled connections). */
  maxInFlight?: number;
  /** Whether a failed shared transaction is retried write by write (default: always). */
  retryAlone?: (err: unknown) => boolean;
  /** After each committed transaction: how many writes and events it held, and whether it was a retry alone. */
  onCommit?: (info: { writes: number; events: number; retry: boolean }) => void;
}

export interface GroupCommitter<W, R> {
  /** Resolves with the write's result once the transaction holding it has committed. */
  submit(write: W): Promise<R>;
  /** Commits what is gathered now and resolves once every submitted write is answered. */
  drain(): Promise<void>;
}

interface Pending<W, R> {
  write: W;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

export function createGroupCommitter<W, R>(opts: GroupCommitOptions<W, R>): GroupCommitter<W, R> {
  const maxInFlight = opts.maxInFlight ?? 1;
  let gathering: Pending<W, R>[] = [];
  let gatheredEvents = 0;
  /** The gathering group may leave: its wait is over (or it is full) but `maxInFlight` groups were committing. */
  let due = false;
  let timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  let inFlight = 0;
  const idle: (() => void)[] = [];

  function clearTimer(): void {
    if (timer === null) return;
    if (opts.maxWaitMs > 0) clearTimeout(timer as NodeJS.Timeout);
    else clearImmediate(timer as NodeJS.Immediate);
    timer = null;
  }

  function startTimer(): void {
    const fire = () => {
      timer = null;
      due = true;
      leave();
    };
    timer = opts.maxWaitMs > 0 ? setTimeout(fire, opts.maxWaitMs) : setImmediate(fire);
  }

  /** Sends the gathering group to commit if it is due and a slot is free. */
  function leave(): void {
    if (gathering.length === 0) due = false;
    if (!due || gathering.length === 0 || inFlight >= maxInFlight) return;
    const group = gathering;
    gathering = [];
    gatheredEvents = 0;
    due = false;
    clearTimer();
    inFlight++;
    void commit(group).finally(() => {
      inFlight--;
      leave();
      if (inFlight === 0 && gathering.length === 0) idle.splice(0).forEach((f) => f());
    });
  }

  async function commit(group: Pending<W, R>[]): Promise<void> {
    const writes = group.map((p) => p.write);
    try {
      const results = await opts.run(writes);
      opts.onCommit?.({ writes: group.length, events: eventsOf(writes), retry: false });
      group.forEach((p, i) => p.resolve(results[i] as R));
    } catch (err) {
      if (group.length === 1 || !(opts.retryAlone?.(err) ?? true)) {
        for (const p of group) p.reject(err);
        return;
      }
      // Nothing of the group was committed: each write alone, in the order they came, so a bad one fails only its caller.
      for (const p of group) {
        try {
          const [result] = await opts.run([p.write]);
          opts.onCommit?.({ writes: 1, events: opts.sizeOf(p.write), retry: true });
          p.resolve(result as R);
        } catch (alone) {
          p.reject(alone);
        }
      }
    }
  }

  function eventsOf(writes: readonly W[]): number {
    let n = 0;
    for (const w of writes) n += opts.sizeOf(w);
    return n;
  }

  return {
    submit(write) {
      return new Promise<R>((resolve, reject) => {
        const size = opts.sizeOf(write);
        // A write that would overfill the group starts the next one: the gathered group leaves as it is.
        if (gathering.length > 0 && gatheredEvents + size > opts.maxSize) {
          due = true;
          leave();
          // Still waiting for a free slot: it stays open and this write joins it (only the size bound is passed).
        }
        gathering.push({ write, resolve, reject });
        gatheredEvents += size;
        if (gatheredEvents >= opts.maxSize) {
          due = true;
          leave();
        } else if (timer === null && !due) startTimer();
      });
    },
    drain() {
      if (gathering.length === 0 && inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        idle.push(resolve);
        due = true;
        leave();
      });
    },
  };
}
