/** The dashboard session cookie's name and parsing (the sessions themselves live in src/store/sessions.ts). */
export const SESSION_COOKIE = 'capi_relay_session';

/** One cookie's value from a Cookie header (no dependency needed for a single name). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined; // a malformed escape is no session
      }
    }
  }
  return undefined;
}
