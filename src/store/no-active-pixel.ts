/**
 * Why an event that would go to no pixel is stored `skipped`: at ingest (writeEvents) and when a held event is
 * released alone (releaseDueHolds) while the store has no enabled pixel.
 */
export const NO_ACTIVE_PIXEL = {
  code: 'no_active_pixel',
  message: 'the store has no enabled pixel: logged, not forwarded (a pixel added later does not resend it)',
} as const;

/** Whether an event reaches a pixel: any enabled one, or, for an event meant for one pixel only, that one enabled. */
export function reachesAPixel(onlyPixelRowId: string | null | undefined, enabledPixelIds: readonly string[]): boolean {
  return onlyPixelRowId === null || onlyPixelRowId === undefined ? enabledPixelIds.length > 0 : enabledPixelIds.includes(onlyPixelRowId);
}
