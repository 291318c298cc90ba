import { describe, expect, it } from 'vitest';
import { nodeSupport } from './node-release.js';

describe('nodeSupport', () => {
  it('accepts 22.13+ and 24+, the releases package.json engines names', () => {
    for (const v of ['v22.13.0', 'v22.23.5', 'v24.0.0', 'v24.22.3', 'v25.2.1', 'v26.12.1', '24.1.0']) expect(nodeSupport(v), v).toEqual({ ok: true, detail: v });
  });

  it('refuses end-of-life and too-old releases, saying what to run instead', () => {
    for (const v of ['v20.20.2', 'v18.20.8', 'v22.12.0', 'v22.0.0', 'v23.11.1', 'v21.7.3']) {
      const r = nodeSupport(v);
      expect(r.ok, v).toBe(false);
      expect(r.detail).toBe(`${v} is not supported: run Node.js 24 (or 22.13 or later 22.x)`);
    }
  });

  it('refuses a version it cannot read', () => {
    expect(nodeSupport('node').ok).toBe(false);
    expect(nodeSupport('').ok).toBe(false);
  });
});
