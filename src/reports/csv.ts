/** Minimal RFC 4180 CSV writing shared by the exportable reports. */

// Spreadsheets run cells starting with these as formulas; click ids come from URLs, so they are untrusted.
const FORMULA_START = /^[=+\-@\t\r]/;

/** Quotes one CSV field when needed (comma, quote, CR/LF) and neutralizes spreadsheet formulas in text. */
export function csvField(value: string | number | null | undefined, text = true): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (text && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Joins rows of already-escaped fields into CSV text with CRLF line ends and a final line end. */
export function csvLines(rows: string[][]): string {
  return rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
}
