/**
 * Commerce (GA4 / Commanders Act style) event names → Meta standard events [M-PIX], and commerce
 * properties → Meta `custom_data` [M-STD].
 */
import type { Decision, MetaCustomData } from '../core/meta-event.js';
import { EVENT_MAP } from './event-map.js';

export { EVENT_MAP };

/** Maps a commerce event name to a Meta event name: tenant overrides first, then the table, else the name itself. */
export function mapEventName(name: string, overrides: Readonly<Record<string, string>>): string {
  if (Object.hasOwn(overrides, name)) return overrides[name]!;
  if (Object.hasOwn(EVENT_MAP, name)) return EVENT_MAP[name]!;
  return name;
}

/** A commerce item as accepted on input. */
export interface CommerceItem {
  id?: string | number;
  quantity?: number;
  price?: number;
  name?: string;
  category?: string;
}

/** Commerce properties that become custom_data. */
export interface CommerceProps {
  value?: number;
  amount?: number;
  currency?: string;
  order_id?: string | number;
  items?: CommerceItem[];
  content_name?: string;
  content_category?: string;
  content_type?: string;
  status?: string | boolean;
  search_string?: string;
}

/**
 * Builds Meta `custom_data` from commerce properties (items → contents, content_ids, num_items). Meta
 * refuses a `contents` item without an id [M-PIX], so such an item is left out of `contents` (recorded in
 * `decisions`) but still counted in `num_items`; `num_items` is set only when the quantities add up to an
 * integer (Meta's type for it [M-STD]).
 */
export function buildCustomData(p: CommerceProps, decisions: Decision[] = []): MetaCustomData {
  const cd: MetaCustomData = {};
  const value = p.value ?? p.amount;
  if (value !== undefined) cd.value = value;
  if (p.currency !== undefined) cd.currency = p.currency;
  if (p.order_id !== undefined) cd.order_id = String(p.order_id); // "as a string" [M-STD]
  const items = p.items;
  if (items && items.length > 0) {
    const contents: Record<string, unknown>[] = [];
    const ids: string[] = [];
    let count = 0;
    let withoutId = 0;
    for (const it of items) {
      // "id and quantity are the required fields" [M-PIX]: default quantity 1.
      const q = it.quantity ?? 1;
      count += q;
      const id = it.id === undefined ? '' : String(it.id).trim();
      if (id === '') {
        withoutId++;
        continue;
      }
      const c: Record<string, unknown> = { id, quantity: q };
      ids.push(id);
      if (it.price !== undefined) c.item_price = it.price;
      contents.push(c);
    }
    if (withoutId > 0) decisions.push({ code: 'item_without_id', message: `${withoutId} item(s) without an id left out of contents (Meta requires one)`, field: 'items' });
    if (contents.length > 0) cd.contents = contents;
    if (ids.length > 0) cd.content_ids = ids;
    if (Number.isInteger(count)) cd.num_items = count;
    cd.content_type = p.content_type ?? 'product';
    const first = items[0]!;
    if (p.content_name === undefined && items.length === 1 && first.name !== undefined) cd.content_name = first.name;
    if (p.content_category === undefined && items.length === 1 && first.category !== undefined) cd.content_category = first.category;
  } else if (p.content_type !== undefined) {
    cd.content_type = p.content_type;
  }
  if (p.content_name !== undefined) cd.content_name = p.content_name;
  if (p.content_category !== undefined) cd.content_category = p.content_category;
  if (p.status !== undefined) cd.status = p.status;
  if (p.search_string !== undefined) cd.search_string = p.search_string;
  return cd;
}
