/**
 * The dashboard's DOM helpers, free of page state so they can be unit-tested under a DOM library. Elements are
 * built with text nodes only, so data from the store can never become markup.
 */

/** What h() and setView() accept as children: nothing (null, undefined, false) is skipped, never written as text. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];
type Handler = (e: Event) => unknown;
/** Attributes; `on…` become listeners, `text` the text content, true an empty attribute, null/undefined/false none. */
export type Attrs = Record<string, string | number | boolean | null | undefined | Handler>;

/** The children to append, flattened, with the empty ones dropped and numbers written as text. */
export function nodes(children: readonly Child[]): (Node | string)[] {
  const out: (Node | string)[] = [];
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) out.push(...nodes(c as readonly Child[]));
    else out.push(typeof c === 'number' ? String(c) : (c as Node | string));
  }
  return out;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') {
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    } else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  el.append(...nodes(children));
  return el;
}

/** "1 event", "3 events". */
export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** A time as the browser's locale writes it. */
export const time = (ms: number): string => new Date(ms).toLocaleString();

/** A status as a coloured chip: `status` picks the colour (a CSS class), `label` is what a person reads. */
export const statusChip = (status: string, label?: string): HTMLSpanElement => h('span', { class: `status ${status}`, title: label === undefined || label === status ? null : `status: ${status}` }, label ?? status);

/** A pixel row id as people know it (the Meta pixel id), from a tenant's pixel list. */
export const pixelNameIn = (pixels: readonly { id: string; pixelId: string }[], rowId: string): string => pixels.find((x) => x.id === rowId)?.pixelId ?? rowId;

/** A table with a hidden caption and column headers; opt lists the column indexes hidden on phones. */
export function table(caption: string, columns: readonly string[], rows: Child, opt: readonly number[] = []): HTMLDivElement {
  return h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map((c, i) => h('th', { scope: 'col', class: opt.includes(i) ? 'opt' : null }, c)))),
    h('tbody', {}, rows)));
}

/** The element with this id, which the page's own markup guarantees. */
export function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el;
}
