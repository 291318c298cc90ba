/** Event id templates, so the browser thank-you page and the webhook derive the same Purchase id. */
import { DEFAULT_PURCHASE_EVENT_ID_TEMPLATE } from '../core/event-id-template.js';
import type { SourceSettings } from './types.js';

/** Default Purchase event id template (one definition for every channel). */
export const DEFAULT_PURCHASE_TEMPLATE = DEFAULT_PURCHASE_EVENT_ID_TEMPLATE;

/** Fill `{name}` placeholders from `vars`; throws on a placeholder with no value, since a partial id would collide. */
export function renderEventId(template: string, vars: Record<string, string | undefined>): string {
  return template.replace(/\{([a-z0-9_]+)\}/gi, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined || v === '') throw new Error(`event id template uses {${name}} but it has no value`);
    return v;
  });
}

/** The Purchase event id for an order, or an error message when the template cannot be filled. */
export function purchaseEventId(
  settings: SourceSettings,
  vars: Record<string, string | undefined>,
): { ok: true; id: string } | { ok: false; message: string } {
  try {
    return { ok: true, id: renderEventId(settings.eventIdTemplate ?? DEFAULT_PURCHASE_TEMPLATE, vars) };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}
