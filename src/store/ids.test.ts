import { describe, expect, it } from 'vitest';
import { newRowId } from './ids.js';

describe('newRowId', () => {
  it('is a version 7, RFC 9562 variant UUID carrying the time', () => {
    const id = newRowId(0x0193_5f1c_2a3b);
    expect(id).toMatch(/^01935f1c-2a3b-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sorts by time across milliseconds, and never repeats', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => newRowId(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 10_000 }, () => newRowId(1)))).toHaveProperty('size', 10_000);
  });
});
