/**
 * What the emulator remembers: known pixels and tokens, accepted events (live and test kept apart, rule 19),
 * the 48 h dedup index (rule 18) and the faults armed for the next requests (rules 31–32).
 */
import type { GraphErrorBody, RateLimitCode } from './errors.js';

/** An accepted event as recorded, with the request facts a test may assert on. */
export interface RecordedEvent {
  pixelId: string;
  version: string;
  receivedAt: number;
  fbtraceId: string;
  testEventCode: string | null;
  /** Same event_name + event_id already received for this pixel within 48 h (rule 18). */
  deduplicated: boolean;
  warnings: string[];
  event: Record<string, unknown>;
}

export interface Faults {
  latencyMs: number;
  /** Next N Graph requests fail; 500 and 503 alternate unless `status5xxStatus` is set. */
  status5xx: number;
  status5xxStatus: 500 | 503 | null;
  rateLimit: { code: RateLimitCode; count: number } | null;
  timeout: number;
  failProbability: number;
}

export interface FaultInput {
  latencyMs?: number;
  status5xx?: number | { count: number; status: 500 | 503 };
  rateLimit?: { code: RateLimitCode; count: number };
  timeout?: { count: number } | number;
  expireToken?: string;
  failProbability?: number;
}

/** A request the emulator answered with an error (auth, validation or injected fault). */
export interface RejectedRequest {
  method: string;
  url: string;
  receivedAt: number;
  status: number;
  error: GraphErrorBody['error'];
}

/** A successful read (rule 34 pixel probe, rule 35 dataset quality), with the version it was called with. */
export interface RecordedLookup {
  kind: 'pixel' | 'dataset_quality';
  objectId: string;
  version: string;
  receivedAt: number;
}

export interface PixelInfo {
  id: string;
  name: string;
  tokens: string[];
}

export interface EventFilter {
  pixelId?: string;
  /** true: only test events; false/undefined: only live events (test events are kept apart). */
  test?: boolean;
}

const DEDUP_WINDOW_MS = 48 * 3600_000;
const NO_FAULTS: Faults = { latencyMs: 0, status5xx: 0, status5xxStatus: null, rateLimit: null, timeout: 0, failProbability: 0 };

/** Token access as seen by the emulator: unknown, expired, or valid (with or without access to the pixel). */
export type TokenCheck = 'invalid' | 'expired' | 'no-access' | 'ok';

/** In-memory emulator state; every control-API operation is a method here. */
export class EmulatorState {
  readonly pixels = new Map<string, { name: string; tokens: Set<string> }>();
  readonly expiredTokens = new Set<string>();
  private live: RecordedEvent[] = [];
  private test: RecordedEvent[] = [];
  private dedup = new Map<string, number>();
  private rejectedList: RejectedRequest[] = [];
  private lookupList: RecordedLookup[] = [];
  private faultState: Faults = { ...NO_FAULTS };
  private fiveXxCounter = 0;
  /** Total events accepted since start/reset, including any trimmed from memory. */
  acceptedTotal = 0;

  constructor(
    readonly allowAnyPixel: boolean,
    private readonly maxEvents: number,
  ) {}

  /** Registers (or replaces) a pixel with its name and valid tokens. */
  addPixel(p: PixelInfo): void {
    this.pixels.set(p.id, { name: p.name, tokens: new Set(p.tokens) });
  }

  /** Rules 2–3: decides what a token may do on a pixel id. */
  checkToken(token: string | undefined, pixelId: string): TokenCheck {
    if (!token) return 'invalid';
    if (this.expiredTokens.has(token)) return 'expired';
    if (this.allowAnyPixel) return /^\d+$/.test(pixelId) || this.pixels.has(pixelId) ? 'ok' : 'no-access';
    let known = false;
    for (const [id, p] of this.pixels) {
      if (p.tokens.has(token)) {
        if (id === pixelId) return 'ok';
        known = true;
      }
    }
    return known ? 'no-access' : 'invalid';
  }

  /** Pixel name for the GET probe (allowAnyPixel pixels get a generated name). */
  pixelName(id: string): string {
    return this.pixels.get(id)?.name ?? `Emulated pixel ${id}`;
  }

  /** Records accepted events and marks duplicates (same pixel + event_name + event_id within 48 h). */
  record(events: Omit<RecordedEvent, 'deduplicated'>[]): void {
    for (const e of events) {
      const list = e.testEventCode === null ? this.live : this.test;
      let deduplicated = false;
      const id = e.event.event_id;
      if (typeof id === 'string' || typeof id === 'number') {
        const key = `${e.testEventCode === null ? 'L' : 'T'}|${e.pixelId}|${String(e.event.event_name)}|${id}`;
        const first = this.dedup.get(key);
        if (first !== undefined && e.receivedAt - first < DEDUP_WINDOW_MS) deduplicated = true;
        else {
          // Deleted first so the key moves to the end: the map stays in first-seen order, oldest first.
          this.dedup.delete(key);
          this.dedup.set(key, e.receivedAt);
        }
      }
      list.push({ ...e, deduplicated });
      this.acceptedTotal++;
      // Bound memory under benchmark load: drop the oldest tenth at once (amortised O(1)).
      if (list.length > this.maxEvents) list.splice(0, Math.ceil(this.maxEvents / 10));
    }
    if (this.dedup.size > this.maxEvents * 2) this.pruneDedup(events[events.length - 1]?.receivedAt ?? 0);
  }

  /**
   * Forgets the oldest dedup keys: those past the window, then, while more than maxEvents remain, the oldest
   * within it (a bound on memory, as for the recorded events). The map is in first-seen order, so this stops at
   * the first key it keeps. It used to walk every key on every request once the map was full, which under a
   * million-event benchmark made the emulator, not the relay, the slow side.
   */
  private pruneDedup(now: number): void {
    for (const [k, t] of this.dedup) {
      if (now - t < DEDUP_WINDOW_MS && this.dedup.size <= this.maxEvents) break;
      this.dedup.delete(k);
    }
  }

  /** How many dedup keys are remembered (for tests of the memory bound). */
  get dedupKeys(): number {
    return this.dedup.size;
  }

  /** Recorded events, live by default; `test: true` returns only events sent with a test_event_code. */
  events(filter: EventFilter = {}): RecordedEvent[] {
    const list = filter.test === true ? this.test : this.live;
    return filter.pixelId === undefined ? [...list] : list.filter((e) => e.pixelId === filter.pixelId);
  }

  /** Logs an error answer (kept to the last 1000) so tests can see why nothing was recorded. */
  recordRejection(r: RejectedRequest): void {
    this.rejectedList.push(r);
    if (this.rejectedList.length > 1000) this.rejectedList.splice(0, 100);
  }

  /** Error answers given since start/reset, oldest first. */
  rejections(): RejectedRequest[] {
    return [...this.rejectedList];
  }

  /** Logs an answered read (kept to the last 1000) so tests can see which version was asked. */
  recordLookup(l: RecordedLookup): void {
    this.lookupList.push(l);
    if (this.lookupList.length > 1000) this.lookupList.splice(0, 100);
  }

  /** Reads answered since start/reset, oldest first. */
  lookups(): RecordedLookup[] {
    return [...this.lookupList];
  }

  /** Forgets every recorded event, read, rejection and the dedup index. */
  resetEvents(): void {
    this.live = [];
    this.test = [];
    this.lookupList = [];
    this.rejectedList = [];
    this.dedup.clear();
    this.acceptedTotal = 0;
  }

  /** Arms faults; counts replace the previous ones, `expireToken` adds to the expired set. */
  setFaults(input: FaultInput): Faults {
    const f = this.faultState;
    if (input.latencyMs !== undefined) f.latencyMs = input.latencyMs;
    if (input.status5xx !== undefined) {
      if (typeof input.status5xx === 'number') { f.status5xx = input.status5xx; f.status5xxStatus = null; }
      else { f.status5xx = input.status5xx.count; f.status5xxStatus = input.status5xx.status; }
      this.fiveXxCounter = 0;
    }
    if (input.rateLimit !== undefined) f.rateLimit = { ...input.rateLimit };
    if (input.timeout !== undefined) f.timeout = typeof input.timeout === 'number' ? input.timeout : input.timeout.count;
    if (input.failProbability !== undefined) f.failProbability = input.failProbability;
    if (input.expireToken !== undefined) this.expiredTokens.add(input.expireToken);
    return this.faults();
  }

  /** Clears all faults, including expired tokens. */
  clearFaults(): void {
    this.faultState = { ...NO_FAULTS };
    this.expiredTokens.clear();
    this.fiveXxCounter = 0;
  }

  /** A copy of the armed faults. */
  faults(): Faults {
    return { ...this.faultState, rateLimit: this.faultState.rateLimit && { ...this.faultState.rateLimit } };
  }

  /** Consumes one armed fault for a Graph request, in a fixed order: timeout, 5xx, rate limit, random failure. */
  takeFault(random: () => number): { kind: 'timeout' } | { kind: '5xx'; status: 500 | 503 } | { kind: 'rate'; code: RateLimitCode } | null {
    const f = this.faultState;
    if (f.timeout > 0) { f.timeout--; return { kind: 'timeout' }; }
    if (f.status5xx > 0) {
      f.status5xx--;
      const status = f.status5xxStatus ?? (this.fiveXxCounter++ % 2 === 0 ? 500 : 503);
      return { kind: '5xx', status };
    }
    if (f.rateLimit && f.rateLimit.count > 0) {
      const code = f.rateLimit.code;
      if (--f.rateLimit.count === 0) f.rateLimit = null;
      return { kind: 'rate', code };
    }
    if (f.failProbability > 0 && random() < f.failProbability) return { kind: '5xx', status: 500 };
    return null;
  }
}
