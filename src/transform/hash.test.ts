import { describe, expect, it } from 'vitest';
import { canonicalHashed, isAlreadyHashed, sha256Hex } from './hash.js';

const H64 = sha256Hex('x');
const H32 = '5d41402abc4b2a76b9719d911017c592';

describe('sha256Hex', () => {
  it("matches Meta's documented example", () => {
    expect(sha256Hex('john_smith@gmail.com')).toBe('62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f');
  });
});

describe('isAlreadyHashed', () => {
  it.each([
    ['64 hex', H64],
    ['64 hex uppercase', H64.toUpperCase()],
    ['32 hex (MD5)', H32],
    ['PB appendix', `${H64}.ABcDEFGh`],
    ['PB appendix with _ and -', `${H64}.Ab_-EF12`],
    ['legacy token', `${H64}.AQ`],
    ['legacy token Bg', `${H64}.Bg`],
  ])('accepts %s', (_n, v) => expect(isAlreadyHashed(v)).toBe(true));

  it.each([
    ['63 hex', H64.slice(1)],
    ['65 hex', H64 + 'a'],
    ['48 hex', H64.slice(0, 48)],
    ['non-hex char', 'g' + H64.slice(1)],
    ['appendix of 7', `${H64}.ABcDEFG`],
    ['appendix of 9', `${H64}.ABcDEFGhi`],
    ['unknown 2-char token', `${H64}.ZZ`],
    ['appendix with bad char', `${H64}.ABcDEF+h`],
    ['leading space', ' ' + H64],
    ['missing dot', `${H64}ABcDEFGh`],
    ['empty', ''],
    ['an email', 'a@b.co'],
  ])('rejects %s', (_n, v) => expect(isAlreadyHashed(v)).toBe(false));
});

describe('canonicalHashed', () => {
  it('lowercases the hex and keeps the appendix case', () => {
    expect(canonicalHashed(`${H64.toUpperCase()}.ABcDEFGh`)).toBe(`${H64}.ABcDEFGh`);
    expect(canonicalHashed(H32.toUpperCase())).toBe(H32);
    expect(canonicalHashed(`${H32.toUpperCase()}.AQ`)).toBe(`${H32}.AQ`);
  });
});
