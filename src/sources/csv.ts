/**
 * CSV import of offline conversions: a column → field mapping, a pure row → commerce event mapper
 * with line-numbered errors, and a streaming reader so large files run in constant memory.
 */
import { hash } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import { parse } from 'csv-parse';
import type { CommerceEvent, CommerceUser } from './commerce-event.js';
import { toUnixSeconds } from './util.js';

/** Fields a CSV column can feed. */
export const CSV_FIELDS = [
  'email', 'phone', 'first_name', 'last_name', 'city', 'state', 'zip', 'country',
  'event_name', 'event_time', 'value', 'currency', 'order_id', 'event_id', 'external_id',
] as const;
/** One field a CSV column can feed. */
export type CsvField = (typeof CSV_FIELDS)[number];
/** Column header (lower-cased, trimmed) → field. */
export type CsvMapping = Record<string, CsvField>;

/** Result of mapping one CSV row. */
export type CsvRowResult = { ok: true; event: CommerceEvent } | { ok: false; line: number; reason: string };

/** Options for mapping rows; `now` is in ms, as everywhere else in sources. */
export interface CsvRowOptions {
  actionSource?: string;
  now: number;
  /** Currency for rows with a value but no currency column. */
  currency?: string;
}

/** Options for {@link csvEventStream}. */
export interface CsvStreamOptions extends CsvRowOptions {
  mapping?: CsvMapping;
  delimiter?: string;
}

/** The default mapping: each field is read from the column of the same name. */
export const DEFAULT_CSV_MAPPING: Readonly<CsvMapping> = Object.freeze(Object.fromEntries(CSV_FIELDS.map((f) => [f, f])) as CsvMapping);

/** Apply `col=field` overrides to a mapping; throws on a malformed override or unknown field. */
export function parseCsvMapping(overrides: string[], base: Readonly<CsvMapping> = DEFAULT_CSV_MAPPING): CsvMapping {
  const mapping: CsvMapping = { ...base };
  for (const o of overrides) {
    const eq = o.lastIndexOf('=');
    const col = o.slice(0, eq).trim().toLowerCase();
    const field = o.slice(eq + 1).trim().toLowerCase();
    if (eq <= 0 || !col) throw new Error(`mapping "${o}" must look like column=field`);
    if (!(CSV_FIELDS as readonly string[]).includes(field)) throw new Error(`mapping "${o}": unknown field "${field}" (known: ${CSV_FIELDS.join(', ')})`);
    // The override replaces the default column for that field, so two columns never compete.
    for (const [c, f] of Object.entries(mapping)) if (f === field) delete mapping[c];
    mapping[col] = field as CsvField;
  }
  return mapping;
}

/** Meta and GA4 spellings (normalized: lower case, no separators) → commerce event names. */
const EVENT_NAMES: Record<string, string> = {
  purchase: 'purchase',
  lead: 'generate_lead', generatelead: 'generate_lead',
  completeregistration: 'sign_up', signup: 'sign_up',
  addtocart: 'add_to_cart',
  initiatecheckout: 'begin_checkout', begincheckout: 'begin_checkout',
  subscribe: 'subscribe',
  viewcontent: 'view_item', viewitem: 'view_item',
};

function eventTime(raw: string, nowMs: number): number | string {
  let t: number | undefined;
  if (/^\d{9,10}$/.test(raw)) t = Number(raw);
  else if (/^\d{12,13}$/.test(raw)) t = Math.floor(Number(raw) / 1000); // milliseconds, as many exports write
  else if (/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(raw)) t = toUnixSeconds(raw);
  if (t === undefined) return 'event_time is neither unix seconds nor an ISO / YYYY-MM-DD HH:MM date';
  if (t > nowMs / 1000 + 300) return 'event_time is in the future';
  return t;
}

function amount(raw: string): number | undefined {
  // Accept a decimal comma ("12,50") from spreadsheets, but never guess at thousands separators.
  const s = /^\d+,\d{1,2}$/.test(raw) ? raw.replace(',', '.') : raw;
  return /^\d+(\.\d+)?$/.test(s) ? Number(s) : undefined;
}

/** Map one CSV record (header → cell) to a commerce event, or say why the row at `lineNumber` cannot be. */
export function rowToEvent(record: Record<string, string>, lineNumber: number, mapping: Readonly<CsvMapping>, opts: CsvRowOptions): CsvRowResult {
  const fail = (reason: string): CsvRowResult => ({ ok: false, line: lineNumber, reason });
  const f: Partial<Record<CsvField, string>> = {};
  for (const [col, cell] of Object.entries(record)) {
    const field = mapping[col.trim().toLowerCase()];
    if (field && typeof cell === 'string' && cell.trim() !== '') f[field] = cell.trim();
  }

  const rawName = f.event_name ?? 'purchase'; // store imports are purchases unless said otherwise
  const known = EVENT_NAMES[rawName.toLowerCase().replace(/[\s_-]/g, '')];

  if (!f.event_time) return fail('event_time is empty');
  const timestamp = eventTime(f.event_time, opts.now);
  if (typeof timestamp === 'string') return fail(timestamp);

  let value: number | undefined;
  if (f.value !== undefined) {
    value = amount(f.value);
    if (value === undefined) return fail('value is not a non-negative number');
  }
  const currency = f.currency ?? opts.currency;
  if (currency !== undefined && !/^[a-z]{3}$/i.test(currency)) return fail('currency is not a 3-letter ISO code');
  if (value !== undefined && currency === undefined) return fail('value given without a currency');
  if (known === 'purchase' && value === undefined) return fail('a purchase needs a value');

  const user: CommerceUser = {};
  const userFields = { email: 'email', phone: 'phone', first_name: 'first_name', last_name: 'last_name', city: 'city', state: 'state', zip: 'zip', country: 'country', external_id: 'id' } as const;
  for (const [from, to] of Object.entries(userFields) as [keyof typeof userFields, keyof CommerceUser][]) if (f[from]) user[to] = f[from];
  // A row Meta cannot match to a person is wasted; say so at import time with its line number.
  if (!user.email && !user.phone && !user.id && !user.last_name) return fail('no customer identifier (email, phone, external_id or name)');

  const event: CommerceEvent = {
    event: known ?? rawName,
    timestamp,
    action_source: opts.actionSource ?? 'physical_store',
    user,
  };
  if (!known) event.integrations = { facebook: { event_name: rawName } };
  if (value !== undefined) event.value = value;
  if (currency !== undefined) event.currency = currency.toUpperCase();
  if (f.order_id) event.order_id = f.order_id;
  // Re-importing the same file must dedup: ids come from the order or from the row content. An order's Purchase
  // takes the store's Purchase template in the transform, so a store order the webhook already sent is a duplicate.
  if (f.event_id) event.event_id = f.event_id;
  else if (!(known === 'purchase' && f.order_id)) event.event_id = f.order_id ? `csv:${f.order_id}` : `csv:${rowHash(record)}`;
  return { ok: true, event };
}

function rowHash(record: Record<string, string>): string {
  const canonical = JSON.stringify(Object.entries(record).map(([k, v]) => [k.trim().toLowerCase(), v.trim()]).sort());
  return hash('sha256', canonical, 'hex').slice(0, 32);
}

/**
 * Why csv-parse stopped, without its excerpt of the input (it quotes the offending field, which may be a
 * customer's e-mail): the rule it names and the line. Null when `err` is not a csv-parse error.
 */
export function csvErrorMessage(err: unknown): string | null {
  if (!(err instanceof Error) || err.constructor.name !== 'CsvError') return null;
  const { code, lines } = err as Error & { code?: unknown; lines?: unknown };
  const rule = typeof code === 'string' ? code.replace(/^CSV_/, '').toLowerCase().replace(/_/g, ' ') : 'malformed CSV';
  return typeof lines === 'number' ? `${rule} at line ${lines}` : rule;
}

/**
 * Stream a CSV (header row first) and yield each data row's result with its line number (the line where
 * the record ends). Rows with the wrong number of cells are reported, not fatal; malformed CSV (e.g. an
 * unclosed quote) throws. Breaking out of the loop stops reading the input.
 */
export async function* csvEventStream(
  input: Readable | AsyncIterable<string | Buffer>,
  options: CsvStreamOptions,
): AsyncGenerator<{ line: number; result: CsvRowResult }> {
  const mapping = options.mapping ?? DEFAULT_CSV_MAPPING;
  const parser = parse({
    columns: (header: string[]) => header.map((h) => h.trim()),
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
    delimiter: options.delimiter ?? ',',
  });
  const source = input instanceof Readable ? input : Readable.from(input);
  // Errors reach us through the parser's iterator, which rejects when pipeline destroys it.
  pipeline(source, parser, () => undefined);
  for await (const chunk of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; error?: Error } }>) {
    const line = chunk.info.lines;
    if (chunk.info.error) yield { line, result: { ok: false, line, reason: csvErrorMessage(chunk.info.error) ?? 'the row could not be read' } };
    else yield { line, result: rowToEvent(chunk.record, line, mapping, options) };
  }
}
