/**
 * Percent-decoding of text the relay and its browser programs did not write (a landing URL, another script's
 * cookie, a page URL sent in an event): a "%" that is no escape makes decodeURIComponent throw, and one bad value
 * must not stop the snippet, drop an event or fail a check. Such a value is kept as it is.
 */
export function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A query-string name or value as a form encodes it: "+" is a space; what cannot be decoded is kept as it is. */
export function decodeQueryPart(text: string): string {
  return decodeOrKeep(text.replace(/\+/g, ' '));
}
