/**
 * Types of the delivery engine's public surface (options, collaborators, outcome reports).
 */
import type { GraphRawResponse, Outcome } from './classify.js';
import type { DeliveryQueue } from './queue.js';

/** The slice of the Graph client the engine needs; `version` is the pixel's own Graph API version, if any. */
export interface GraphSender {
  /** `events`: each event's JSON text, as the queue hands it over. */
  sendEvents(pixelId: string, token: string, events: readonly string[], testEventCode?: string, version?: string | null): Promise<GraphRawResponse>;
}

/** Minimal structured logger (pino-compatible). */
export interface EngineLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Reported once per Graph request or per drop, for metrics and the dashboard; `deliveryIds` are the rows it settled. */
export interface DeliveryOutcomeEvent {
  pixelRowId: string;
  deliveryIds: string[];
  simulated: boolean;
  outcome: Outcome | { kind: 'dropped'; code: string; reason: string } | { kind: 'dead'; reason: string };
}

/** Which record a late ack tried to make. */
export type LateAckAction = 'sent' | 'retry' | 'dead' | 'dropped' | 'release';

/** Deliveries this worker tried to settle after its lease lapsed and another claim took them over: left unchanged. */
export interface LateAck {
  pixelRowId: string;
  action: LateAckAction;
  count: number;
}

/** Collaborators and tuning of the delivery engine; times are milliseconds. */
export interface DeliveryEngineOptions {
  queue: DeliveryQueue;
  graph: GraphSender;
  clock: { now(): number };
  workerId: string;
  /** Meta: "You can send up to 1,000 events in data." */
  maxBatch?: number;
  /** After a wake(), wait this long so events ingested together leave in one request. */
  lingerMs?: number;
  leaseMs?: number;
  /** How often a batch in flight renews its lease (default a third of leaseMs): a live worker keeps its claim. */
  heartbeatMs?: number;
  /** Sends per delivery before it is marked dead. */
  maxAttempts?: number;
  concurrencyPerPixel?: number;
  pollIntervalMs?: number;
  logger?: EngineLogger;
  onOutcome?: (e: DeliveryOutcomeEvent) => void;
  /** Called when an ack or release comes too late to count (for a metric; the engine also logs a warning). */
  onLateAck?: (e: LateAck) => void;
  /** Jitter source for backoff (tests inject a constant). */
  random?: () => number;
}

/** A running (or tickable) delivery worker. */
export interface DeliveryEngine {
  start(): void;
  /** Stops polling and waits for in-flight batches to be recorded. */
  stop(): Promise<void>;
  /** One pass over due pixels (one batch per free slot); resolves with the number of deliveries processed. */
  tick(): Promise<number>;
  /** Signals new work so an idle engine sends within ~lingerMs instead of the poll interval. */
  wake(): void;
}
