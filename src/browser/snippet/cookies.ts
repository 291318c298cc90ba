/** First-party cookies of the snippet: read, write on the registrable domain, and remove everywhere. */
import { decodeOrKeep } from '../../core/uri-decode.js';


export function readCookie(name: string): string | null {
  const parts = document.cookie ? document.cookie.split('; ') : [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (part.slice(0, eq) === name) return decodeOrKeep(part.slice(eq + 1));
  }
  return null;
}

function setCookie(name: string, value: string, maxAge: number, domain: string): void {
  document.cookie = name + '=' + encodeURIComponent(value) + '; max-age=' + maxAge + '; path=/; SameSite=Lax' +
    (domain ? '; domain=' + domain : '') + (location.protocol === 'https:' ? '; Secure' : '');
}

/**
 * Cookies on the registrable domain, found as Meta's Pixel finds it: the top-most parent domain that takes a
 * cookie (browsers refuse one on a public suffix such as com or co.uk), so www. and shop. share one _fbp with no
 * suffix list. The tenant's cookieDomain wins when the page is on it; IPs and one-label hosts get host-only cookies.
 */
export function createCookieJar(wantedDomain: string | null) {
  let domainFound: string | null = null;

  function cookieDomain(): string {
    if (domainFound !== null) return domainFound;
    const host = location.hostname;
    domainFound = '';
    if (wantedDomain && (host === wantedDomain || host.slice(-wantedDomain.length - 1) === '.' + wantedDomain)) return (domainFound = wantedDomain);
    if (/^[\d.]+$/.test(host) || host.indexOf(':') >= 0 || host.indexOf('.') < 0) return domainFound;
    const labels = host.split('.');
    for (let i = labels.length - 2; i >= 0; i--) {
      const candidate = labels.slice(i).join('.');
      const probe = 'p' + Math.random();
      setCookie('_cr_probe', probe, 60, candidate);
      const took = readCookie('_cr_probe') === probe;
      setCookie('_cr_probe', '', 0, candidate);
      if (took) return (domainFound = candidate);
    }
    return domainFound;
  }

  return {
    write(name: string, value: string, days: number): void {
      setCookie(name, value, Math.round(days * 86400), cookieDomain());
    },
    /** Expired on the host and on every parent domain: wherever it was written (another page, another cookieDomain), it goes. */
    remove(name: string): void {
      const labels = location.hostname.split('.');
      setCookie(name, '', 0, '');
      for (let i = 0; i < labels.length - 1; i++) setCookie(name, '', 0, labels.slice(i).join('.'));
    },
  };
}
