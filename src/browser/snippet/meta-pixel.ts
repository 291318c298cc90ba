/** The Meta Pixel (`fbq`) as the page has it, or as the snippet loads it when the tenant asks (`loadPixel`). */

/** Meta's base-code function: calls made before fbevents.js arrives wait in `queue`. */
export interface Fbq {
  (...args: unknown[]): void;
  callMethod?: (...args: unknown[]) => void;
  queue: unknown[];
  push: Fbq;
  loaded: boolean;
  version: string;
}

export interface PixelWindow extends Window {
  fbq?: Fbq;
  _fbq?: Fbq;
}

/** Meta's standard base code, so a store does not paste two tags, then `fbq('init')` for each of the tenant's pixels. */
export function loadMetaPixel(w: PixelWindow, pixelIds: readonly string[]): void {
  if (!w.fbq) {
    const n = function (...args: unknown[]) {
      if (n.callMethod) n.callMethod.apply(n, args);
      else n.queue.push(args);
    } as Fbq;
    w.fbq = n;
    if (!w._fbq) w._fbq = n;
    n.push = n;
    n.loaded = true;
    n.version = '2.0';
    n.queue = [];
    const s = document.createElement('script');
    s.async = true;
    s.src = 'https://connect.facebook.net/en_US/fbevents.js';
    (document.head || document.documentElement).appendChild(s);
  }
  for (const id of pixelIds) w.fbq('init', id);
}
