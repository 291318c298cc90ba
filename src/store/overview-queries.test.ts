import { describe, expect, it } from 'vitest';
import { newRowId } from './ids.js';
import { rowIdLowerBound } from './overview-queries.js';

describe('rowIdLowerBound', () => {
  it('is at most every id created at or after the time, and above every id created before it', () => {
    const at = 1_796_000_000_123;
    for (let i = 0; i < 200; i++) {
      expect(newRowId(at) >= rowIdLowerBound(at)).toBe(true);
      expect(newRowId(at + 1 + i) >= rowIdLowerBound(at)).toBe(true);
      expect(newRowId(at - 1 - i) < rowIdLowerBound(at)).toBe(true);
    }
  });
});
