import { v7 } from 'uuid';

/**
 * Row ids for the high-volume tables (events, deliveries). UUIDv7 starts with the time, so ids of new rows sort
 * after old ones: each insert lands at the right edge of the primary-key index (and of every index on an id
 * column) instead of on a random page, which keeps a 1000-event transaction from dirtying a thousand pages.
 */
export const newRowId = (): string => v7();
