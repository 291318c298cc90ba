import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HTTP_ERRORS } from './errors.js';

describe('error registry', () => {
  it('is documented code for code, status for status, in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Map<string, number>();
    for (const m of doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)) documented.set(m[1] as string, Number(m[2]));
    expect([...documented.keys()].sort()).toEqual(Object.keys(HTTP_ERRORS).sort());
    for (const [code, { status }] of Object.entries(HTTP_ERRORS)) expect(documented.get(code)).toBe(status);
  });
});
