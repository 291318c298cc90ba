/**
 * Meta's acceptance window for `event_time` (meta-capi.md §2 "Time windows").
 */
const DAY_MS = 86_400_000;
/** M-SE: "If any event_time in data is greater than 7 days in the past, we return an error for the entire request". */
export const WEB_WINDOW_MS = 7 * DAY_MS;
/** M-API/M-OFF: physical_store events may be uploaded "within 62 days of the conversion". */
export const PHYSICAL_STORE_WINDOW_MS = 62 * DAY_MS;
// The request takes time and clocks drift; an event on the edge would make Meta reject the whole batch
// (forcing a bisection), so stop one minute early.
const SAFETY_MARGIN_MS = 60_000;

/** True when Meta would reject the event as too old if sent at `nowMs`. */
export function isTooOld(eventTimeSec: number, actionSource: string | undefined, nowMs: number): boolean {
  const windowMs = actionSource === 'physical_store' ? PHYSICAL_STORE_WINDOW_MS : WEB_WINDOW_MS;
  return nowMs - eventTimeSec * 1000 > windowMs - SAFETY_MARGIN_MS;
}
