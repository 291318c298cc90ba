/**
 * Splits a list for multi-row statements and `IN (…)` lists, so one statement's bound parameters stay under
 * SQLite's and PostgreSQL's limits.
 */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
