/**
 * Page URLs that carry the customer: thank-you pages and e-mail campaign links often put the e-mail address, the
 * phone number or the name in the query string (`/thanks?email=jane@example.com`). Meta's terms forbid sending
 * such data unhashed, Events Manager flags it, and the relay would store it in clear with the event. So before an
 * event_source_url or referrer_url is kept, a query parameter goes when its value holds an e-mail address or its
 * name says it is one of those fields. The rest of the URL is kept as it was. Pure.
 */
import { decodeQueryPart } from '../core/uri-decode.js';

/** Parameter names (lowercase, `-` and `_` dropped) that hold a person's contact or name. */
const PERSONAL_NAMES = new Set([
  'email', 'mail', 'emailaddress', 'useremail', 'customeremail',
  'phone', 'phonenumber', 'tel', 'telephone', 'mobile', 'mobilephone',
  'name', 'firstname', 'lastname', 'fname', 'lname', 'fullname', 'customername',
  'address', 'street', 'streetaddress', 'birthday', 'birthdate', 'dob', 'dateofbirth',
]);

const EMAIL_ADDRESS = /[^\s@&=?#/]+@[^\s@&=?#/]+\.[a-z]{2,}/i;

function isPersonal(name: string, value: string): boolean {
  return PERSONAL_NAMES.has(decodeQueryPart(name).toLowerCase().replace(/[-_\s]/g, '')) || EMAIL_ADDRESS.test(decodeQueryPart(value));
}

/**
 * The URL without the query parameters that hold personal data, and how many went. Works on the text (not on a
 * parsed URL), so what stays keeps its exact spelling and order; a URL with nothing to remove comes back as is.
 */
export function withoutPersonalData(url: string): { url: string; removed: number } {
  const hash = url.indexOf('#');
  const q = url.indexOf('?');
  // A '?' after the '#' is the fragment's: there is no query.
  if (q < 0 || (hash >= 0 && q > hash)) return { url, removed: 0 };
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const kept: string[] = [];
  let removed = 0;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (part !== '' && isPersonal(name, value)) removed++;
    else kept.push(part);
  }
  if (removed === 0) return { url, removed: 0 };
  const rest = kept.filter((p) => p !== '').join('&');
  return { url: `${url.slice(0, q)}${rest === '' ? '' : `?${rest}`}${hash < 0 ? '' : url.slice(hash)}`, removed };
}
