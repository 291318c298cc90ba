// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { h, nodes, plural, statusChip, table } from './dom.js';

describe('h', () => {
  it('skips null, undefined and false children instead of writing "null"', () => {
    const el = h('p', {}, 'a', null, undefined, false, ['b', [null, 'c']], 0);
    expect(el.textContent).toBe('abc0');
    expect(nodes([null, 'x', [false, undefined]])).toEqual(['x']);
  });

  it('writes store data as text, never as markup', () => {
    const el = h('td', { title: '<b>' }, '<img src=x onerror=alert(1)>');
    expect(el.children).toHaveLength(0);
    expect(el.textContent).toBe('<img src=x onerror=alert(1)>');
    expect(el.getAttribute('title')).toBe('<b>');
  });

  it('sets attributes, booleans and listeners', () => {
    let clicked = 0;
    const b = h('button', { type: 'button', 'aria-pressed': true, hidden: false, 'data-key': 7, onclick: () => { clicked++; } }, 'Go');
    expect(b.getAttribute('aria-pressed')).toBe('');
    expect(b.hasAttribute('hidden')).toBe(false);
    expect(b.getAttribute('data-key')).toBe('7');
    b.click();
    expect(clicked).toBe(1);
  });
});

describe('helpers', () => {
  it('counts in words', () => {
    expect(plural(1, 'event', 'events')).toBe('1 event');
    expect(plural(0, 'event', 'events')).toBe('0 events');
  });

  it('draws a status chip whose class is the code and whose text is the words', () => {
    const chip = statusChip('failed', 'waiting to retry');
    expect(chip.className).toBe('status failed');
    expect(chip.textContent).toBe('waiting to retry');
  });

  it('draws a table with a hidden caption and the phone-hidden columns marked', () => {
    const t = table('Events', ['Received', 'Event'], [h('tr', {}, h('td', {}, 'x'))], [0]);
    expect(t.querySelector('caption')?.textContent).toBe('Events');
    expect([...t.querySelectorAll('th')].map((th) => th.className)).toEqual(['opt', '']);
    expect(t.querySelectorAll('tbody tr')).toHaveLength(1);
  });
});
