/**
 * The report routes' answers (`/api/v1/tenants/{id}/reports/…`, src/http/routes/admin-reports.ts), which the
 * dashboard's report pages read with type-only imports: one definition for the server and the client.
 */
import type { AcceptanceSummary } from './acceptance-summary.js';
import type { ChainKey, ChainStep } from './acceptance.js';
import type { AttributedOrder, ChannelRevenue } from './attribution.js';
import type { EventMatchQuality, MatchQualityComparison } from './match-quality.js';
import type { EventRow, OrderRow } from './rows.js';
import type { DeliveryStatus } from '../core/admin-api.js';

interface PeriodAnswer {
  from: number;
  to: number;
}

/** Meta's side of the match-quality report: its comparison, or why it is not available. */
export type MetaQualitySide =
  | { status: 'available'; datasetId: string; comparison: MatchQualityComparison[] }
  | { status: 'unavailable'; datasetId: string | null; reason: string };

export interface MatchQualityAnswer extends PeriodAnswer {
  events: number;
  truncated: boolean;
  eventTypes: EventMatchQuality[];
  meta: MetaQualitySide;
}

/** What the acceptance table shows of an event: ids, channels, times, amounts and delivery per pixel (no user data). */
export type ChainEventView = Pick<EventRow, 'id' | 'eventId' | 'source' | 'eventTime' | 'receivedAt' | 'status' | 'value' | 'currency' | 'deliveries'> & { channels: NonNullable<EventRow['channels']> };

export interface AcceptanceAnswer {
  key: ChainKey;
  order: OrderRow | null;
  truncated: boolean;
  steps: (Omit<ChainStep, 'browserEvent' | 'serverEvent'> & { browserEvent: ChainEventView | null; serverEvent: ChainEventView | null })[];
}

export type AcceptanceSummaryAnswer = AcceptanceSummary & { truncated: boolean };

export interface AttributionAnswer extends PeriodAnswer {
  truncated: boolean;
  orders: AttributedOrder[];
  revenue: ChannelRevenue[];
}

/** Statuses counted per hour: each delivery's (per pixel), or the event's own when it has no delivery. */
export type HourlyStatus = DeliveryStatus | 'skipped';

/** One hour of the events-per-hour chart; `hour` is the hour's start (Unix ms). */
export type HourCounts = { hour: number } & Record<HourlyStatus, number>;

export interface EventsPerHourAnswer extends PeriodAnswer {
  hours: HourCounts[];
}
