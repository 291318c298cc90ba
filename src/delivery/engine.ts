/**
 * The delivery worker: per pixel, claim due deliveries, send them in batches of ≤1000 (Meta's limit),
 * classify the answer and record one outcome per delivery: one poison event never holds back the good ones.
 */
import { nextRetryDelayMs } from './backoff.js';
import { classifyGraphResponse, type Outcome } from './classify.js';
import type { DeliveryEngine, DeliveryEngineOptions, DeliveryOutcomeEvent, EngineLogger, LateAckAction } from './engine-types.js';
import { isTooOld } from './event-window.js';
import type { AckResult, ClaimedDelivery, DeliveryQueue, HeldDelivery, PixelTarget } from './queue.js';

export type { DeliveryEngine, DeliveryEngineOptions, DeliveryOutcomeEvent, EngineLogger, GraphSender, LateAck } from './engine-types.js';

type GroupResult =
  | { kind: 'continue' }
  | { kind: 'paused' }
  | { kind: 'throttled'; outcome: Extract<Outcome, { kind: 'rate_limited' }> };

const silentLogger: EngineLogger = { info() {}, warn() {}, error() {} };

const ids = (items: readonly HeldDelivery[]): string[] => items.map((i) => i.deliveryId);

/**
 * Waits before trying again to record a batch Meta accepted, after the store failed to (a database blink). Meta
 * has the events: if the record is never written, the whole batch goes again once its lease lapses. The claim's
 * lease is renewed meanwhile, and the record is lease-checked, so trying again cannot overwrite another claim.
 */
const SENT_RECORD_RETRY_MS = [250, 1000, 4000] as const;

/** Creates the delivery worker loop over a DeliveryQueue and a Graph sender. */
export function createDeliveryEngine(opts: DeliveryEngineOptions): DeliveryEngine {
  const { queue, graph, clock, workerId } = opts;
  const maxBatch = Math.min(opts.maxBatch ?? 1000, 1000);
  const lingerMs = opts.lingerMs ?? 50;
  const leaseMs = opts.leaseMs ?? 15_000;
  const heartbeatMs = opts.heartbeatMs ?? Math.max(100, Math.floor(leaseMs / 3));
  const maxAttempts = opts.maxAttempts ?? 10;
  const concurrency = Math.max(1, opts.concurrencyPerPixel ?? 1);
  const pollIntervalMs = opts.pollIntervalMs ?? 250;
  const log = opts.logger ?? silentLogger;
  const random = opts.random ?? Math.random;

  const inFlightPerPixel = new Map<string, number>();
  const inFlight = new Set<Promise<number>>();
  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let wokenEarly = false;
  let skipLinger = false;

  function report(e: DeliveryOutcomeEvent): void {
    if (e.deliveryIds.length === 0) return;
    try {
      opts.onOutcome?.(e);
    } catch (err) {
      log.error({ err }, 'onOutcome callback threw');
    }
  }

  /**
   * Records an ack or release and answers the ids it settled. Rows this worker no longer holds (its lease lapsed
   * and another claim took them over) were left as they were: counted and logged, never retried from here.
   */
  async function settle(pixel: PixelTarget, action: LateAckAction, items: readonly HeldDelivery[], run: (held: readonly HeldDelivery[]) => Promise<AckResult>): Promise<string[]> {
    if (items.length === 0) return [];
    const result = await run(items);
    if (result.late.length === 0) return ids(items);
    // Counts and ids only: a late ack says nothing about the customer.
    log.warn({ pixelRowId: pixel.pixelRowId, action, count: result.late.length, workerId }, 'late ack: the lease lapsed and another claim holds these deliveries; left unchanged');
    try {
      opts.onLateAck?.({ pixelRowId: pixel.pixelRowId, action, count: result.late.length });
    } catch (err) {
      log.error({ err }, 'onLateAck callback threw');
    }
    const late = new Set(result.late);
    return ids(items).filter((id) => !late.has(id));
  }

  /** Records a batch as sent, trying again (SENT_RECORD_RETRY_MS) when the store fails: a repeat to Meta is the cost otherwise. */
  async function recordSent(pixel: PixelTarget, held: readonly HeldDelivery[], info: Parameters<DeliveryQueue['markSent']>[1]): Promise<AckResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await queue.markSent(held, info, clock.now());
      } catch (err) {
        const wait = SENT_RECORD_RETRY_MS[attempt];
        if (wait === undefined) throw err;
        log.warn({ err: String(err), pixelRowId: pixel.pixelRowId, count: held.length, attempt: attempt + 1 }, 'recording a sent batch failed; trying again');
        await sleep(wait, false);
      }
    }
  }

  /** Records a retry (or death at the attempt cap) for items that were just sent and failed transiently. */
  async function retry(pixel: PixelTarget, items: ClaimedDelivery[], outcome: Extract<Outcome, { kind: 'retryable' | 'rate_limited' }>, simulated: boolean): Promise<void> {
    const now = clock.now();
    const dead = items.filter((i) => i.attempts + 1 >= maxAttempts);
    if (dead.length > 0) {
      const reason = `max_attempts: ${outcome.reason}`;
      const settled = await settle(pixel, 'dead', dead, (held) => queue.markDead(held, { reason }, now));
      report({ pixelRowId: pixel.pixelRowId, deliveryIds: settled, simulated, outcome: { kind: 'dead', reason } });
    }
    // Items in one batch can have different attempt counts, so group by the delay they get.
    const byAttempt = new Map<number, ClaimedDelivery[]>();
    for (const i of items) {
      if (i.attempts + 1 >= maxAttempts) continue;
      const group = byAttempt.get(i.attempts) ?? [];
      group.push(i);
      byAttempt.set(i.attempts, group);
    }
    const retried: string[] = [];
    for (const [attempts, group] of byAttempt) {
      const backoff = nextRetryDelayMs(attempts + 1, outcome.kind, random);
      // Meta's Retry-After (if any) is a floor: retrying sooner only burns another attempt.
      const delay = Math.max(backoff, outcome.retryAfterMs ?? 0);
      retried.push(...(await settle(pixel, 'retry', group, (held) => queue.markRetry(held, { reason: outcome.reason, nextAttemptAt: now + delay }, now))));
    }
    report({ pixelRowId: pixel.pixelRowId, deliveryIds: retried, simulated, outcome });
  }

  /**
   * Sends one group and records its outcome; on `invalid` bisects, because Meta rejects the whole batch for
   * one bad event and does not say which one. The result tells the caller whether to keep sending.
   */
  async function sendGroup(pixel: PixelTarget, items: ClaimedDelivery[], testEventCode: string | undefined): Promise<GroupResult> {
    const simulated = testEventCode !== undefined;
    const raw = await graph.sendEvents(pixel.pixelId, pixel.accessToken, items.map((i) => i.eventJson), testEventCode, pixel.graphVersion);
    const outcome = classifyGraphResponse(raw, items.length);
    switch (outcome.kind) {
      case 'success': {
        const info = { fbtraceId: outcome.fbtraceId, eventsReceived: outcome.eventsReceived };
        const settled = await settle(pixel, 'sent', items, (held) => recordSent(pixel, held, info));
        report({ pixelRowId: pixel.pixelRowId, deliveryIds: settled, simulated, outcome });
        return { kind: 'continue' };
      }
      case 'retryable':
        log.warn({ pixelRowId: pixel.pixelRowId, count: items.length, reason: outcome.reason }, 'graph send failed, will retry');
        await retry(pixel, items, outcome, simulated);
        return { kind: 'continue' };
      case 'rate_limited':
        log.warn({ pixelRowId: pixel.pixelRowId, count: items.length, code: outcome.code, reason: outcome.reason }, 'graph rate limit, backing off');
        await retry(pixel, items, outcome, simulated);
        // Sending the rest of this claim now would only prolong Meta's throttling window (MK-RL).
        return { kind: 'throttled', outcome };
      case 'auth': {
        // No payload change fixes a bad token: stop the pixel and keep its events queued for when it is fixed.
        const now = clock.now();
        log.error({ pixelRowId: pixel.pixelRowId, code: outcome.code, subcode: outcome.subcode, reason: outcome.reason }, 'pixel credentials rejected, pausing pixel');
        await queue.pausePixel(pixel.pixelRowId, outcome.reason, now);
        const released = await settle(pixel, 'release', items, (held) => queue.release(held, now));
        report({ pixelRowId: pixel.pixelRowId, deliveryIds: released, simulated, outcome });
        return { kind: 'paused' };
      }
      case 'invalid': {
        if (items.length === 1) {
          const settled = await settle(pixel, 'dead', items, (held) => queue.markDead(held, { reason: outcome.reason }, clock.now()));
          report({ pixelRowId: pixel.pixelRowId, deliveryIds: settled, simulated, outcome });
          return { kind: 'continue' };
        }
        const mid = Math.ceil(items.length / 2);
        // Sequential halves: a second concurrent request would race the first for the same pixel's limits.
        const first = await sendGroup(pixel, items.slice(0, mid), testEventCode);
        const rest = items.slice(mid);
        if (first.kind === 'continue') return sendGroup(pixel, rest, testEventCode);
        await settleUnsent(pixel, rest, first, simulated);
        return first;
      }
    }
  }

  /** Records rows that were claimed but not sent because the pixel got paused or throttled meanwhile. */
  async function settleUnsent(pixel: PixelTarget, items: ClaimedDelivery[], why: Exclude<GroupResult, { kind: 'continue' }>, simulated: boolean): Promise<void> {
    if (items.length === 0) return;
    if (why.kind === 'paused') await settle(pixel, 'release', items, (held) => queue.release(held, clock.now()));
    else await retry(pixel, items, why.outcome, simulated);
  }

  /**
   * Claims one batch for a pixel and records an outcome for every claimed row. While it runs, the claim's lease
   * is renewed every heartbeatMs: the lease can stay short, so after a crash only what was in flight waits, and
   * only for about one lease, before another worker sends it.
   */
  async function runBatch(pixel: PixelTarget): Promise<number> {
    const claimed = await queue.claim(pixel.pixelRowId, maxBatch, clock.now(), leaseMs, workerId);
    if (claimed.length === 0) return 0;
    // A full claim says more is waiting: the running loop claims the next range now, into a free slot, so it
    // is read while this one is on the wire. A partial claim took everything there was, and a second claim
    // at the same time would only find nothing (tick() fills every slot itself).
    if (claimed.length >= maxBatch && running) track(launch(pixel));
    const lease = (claimed[0] as ClaimedDelivery).lease;
    const heartbeat = setInterval(() => {
      queue.renewLease(pixel.pixelRowId, lease, clock.now() + leaseMs).catch((err: unknown) => log.warn({ err: String(err), pixelRowId: pixel.pixelRowId }, 'renewing a lease failed'));
    }, heartbeatMs);
    heartbeat.unref();
    try {
      return await sendClaimed(pixel, claimed);
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function sendClaimed(pixel: PixelTarget, claimed: ClaimedDelivery[]): Promise<number> {
    const now = clock.now();
    // Checked at send time, not ingest time: a row may have waited in retries past Meta's window, and one
    // stale event would make Meta reject the entire request (M-SE).
    const stale = claimed.filter((c) => isTooOld(c.eventTime, c.actionSource, now));
    if (stale.length > 0) {
      const reason = "event_time is older than Meta's window (7 days; 62 for physical_store)";
      const dropped = await settle(pixel, 'dropped', stale, (held) => queue.markDropped(held, { code: 'event_too_old', reason }, now));
      report({ pixelRowId: pixel.pixelRowId, deliveryIds: dropped, simulated: false, outcome: { kind: 'dropped', code: 'event_too_old', reason } });
    }
    const staleSet = new Set(stale);
    const fresh = claimed.filter((c) => !staleSet.has(c));
    const live = fresh.filter((c) => !c.simulated);
    // A simulated event goes with its own Test Event Code (a Graph-API-compatible request's) or the pixel's,
    // one request per code.
    const codeOf = (c: ClaimedDelivery): string | null => c.testEventCode ?? pixel.testEventCode;
    const simulated = fresh.filter((c) => c.simulated);
    // test_event_code goes only on simulated events; without one, sending them would feed made-up
    // conversions into the live dataset (Meta: test events "are not dropped"), so drop them instead.
    const noCode = simulated.filter((c) => codeOf(c) === null);
    if (noCode.length > 0) {
      const reason = 'simulated event but the pixel has no test_event_code';
      const dropped = await settle(pixel, 'dropped', noCode, (held) => queue.markDropped(held, { code: 'no_test_event_code', reason }, now));
      report({ pixelRowId: pixel.pixelRowId, deliveryIds: dropped, simulated: true, outcome: { kind: 'dropped', code: 'no_test_event_code', reason } });
    }
    const byCode = new Map<string, ClaimedDelivery[]>();
    for (const c of simulated) {
      const code = codeOf(c);
      if (code !== null) byCode.set(code, [...(byCode.get(code) ?? []), c]);
    }
    let last: GroupResult = live.length > 0 ? await sendGroup(pixel, live, undefined) : { kind: 'continue' };
    for (const [code, group] of byCode) {
      if (last.kind === 'continue') last = await sendGroup(pixel, group, code);
      else await settleUnsent(pixel, group, last, true);
    }
    return claimed.length;
  }

  /** Runs one batch for a pixel if it has a free slot; never rejects (errors are logged, the lease expires). */
  function launch(pixel: PixelTarget): Promise<number> | null {
    const busy = inFlightPerPixel.get(pixel.pixelRowId) ?? 0;
    if (busy >= concurrency) return null;
    inFlightPerPixel.set(pixel.pixelRowId, busy + 1);
    const p = runBatch(pixel)
      .catch((err: unknown) => {
        // A store error mid-batch leaves rows claimed; their lease expires and they are retried.
        log.error({ err: String(err), pixelRowId: pixel.pixelRowId }, 'delivery batch failed');
        return 0;
      })
      .finally(() => {
        const n = (inFlightPerPixel.get(pixel.pixelRowId) ?? 1) - 1;
        if (n <= 0) inFlightPerPixel.delete(pixel.pixelRowId);
        else inFlightPerPixel.set(pixel.pixelRowId, n);
        inFlight.delete(p);
      });
    inFlight.add(p);
    return p;
  }

  /** Starts a batch per free slot of every pixel, or with `oneEach` one per pixel (runBatch adds more while claims come back full). */
  function launchAll(pixels: PixelTarget[], oneEach = false): Promise<number>[] {
    const started: Promise<number>[] = [];
    for (const pixel of pixels) {
      if (pixel.paused) continue;
      for (let slot = 0; slot < (oneEach ? 1 : concurrency); slot++) {
        const p = launch(pixel);
        if (!p) break;
        started.push(p);
      }
    }
    return started;
  }

  async function tick(): Promise<number> {
    const pixels = await queue.duePixels(clock.now());
    const counts = await Promise.all(launchAll(pixels));
    return counts.reduce((a, b) => a + b, 0);
  }

  function sleep(ms: number, interruptible: boolean): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        wakeUp = null;
        resolve(false);
      }, ms);
      if (interruptible) {
        wakeUp = () => {
          clearTimeout(timer);
          wakeUp = null;
          resolve(true);
        };
      }
    });
  }

  async function runLoop(): Promise<void> {
    // Consecutive failed scans (the database is down): the loop stays alive and backs off instead of
    // logging four errors a second, and says once when the store answers again.
    let failedScans = 0;
    while (running) {
      try {
        const pixels = await queue.duePixels(clock.now());
        if (failedScans > 0) log.info({ failedScans }, 'scanning due pixels works again');
        failedScans = 0;
        if (!running) break; // stop() was called during the scan: start nothing new.
        // Batches run detached: a pixel stuck in timeouts must not delay the next scan for other pixels.
        for (const p of launchAll(pixels, true)) track(p);
      } catch (err) {
        if (failedScans === 0) log.error({ err: String(err) }, 'scanning due pixels failed; backing off until the store answers');
        failedScans++;
      }
      if (!running) break;
      if (failedScans > 0) {
        await sleep(scanBackoffMs(failedScans), true);
        continue;
      }
      if (wokenEarly) {
        wokenEarly = false;
        continue;
      }
      const woken = await sleep(pollIntervalMs, true);
      if (woken && running && lingerMs > 0 && !skipLinger) await sleep(lingerMs, false);
      skipLinger = false;
    }
  }

  /** 0.5 s, 1 s, 2 s … capped at 10 s (not the injected clock: this is the loop's own pacing, as pollIntervalMs). */
  function scanBackoffMs(failures: number): number {
    return Math.min(10_000, pollIntervalMs * 2 ** Math.min(failures, 10));
  }

  /**
   * When a batch of the running loop is done, scan again at once for the slot it freed: events that came in
   * while it was on the wire have waited long enough. Lingering only helps fill a batch when the engine is
   * idle and events trickle in, which is what an ingest wake-up means.
   */
  function track(p: Promise<number> | null): void {
    void p?.then((n) => {
      if (n > 0) wakeNow();
    });
  }

  function wake(): void {
    if (wakeUp) wakeUp();
    else wokenEarly = true;
  }

  function wakeNow(): void {
    skipLinger = true;
    wake();
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = runLoop().catch((err: unknown) => {
        log.error({ err: String(err) }, 'delivery loop crashed');
      });
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
      loop = null;
      await Promise.allSettled([...inFlight]);
    },
    tick,
    wake,
  };
}
