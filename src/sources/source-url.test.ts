import { describe, expect, it } from 'vitest';
import { eventSourceUrl, pageUrl, siteFromHost } from './source-url.js';

describe('pageUrl', () => {
  it('keeps origin and path, drops query and fragment (access keys, customer data)', () => {
    expect(pageUrl('https://jsmith.myshopify.com/548380009/orders/123456abcd/authenticate?key=abcdefg')).toBe('https://jsmith.myshopify.com/548380009/orders/123456abcd/authenticate');
    expect(pageUrl('https://shop.example.com/thanks?session_id={CHECKOUT_SESSION_ID}#top')).toBe('https://shop.example.com/thanks');
    expect(pageUrl('http://shop.example.com')).toBe('http://shop.example.com/');
  });
  it('resolves a path against a base, and refuses what is not an http(s) URL', () => {
    expect(pageUrl('/products/x?fbclid=IwAR1', 'https://shop.example.com/')).toBe('https://shop.example.com/products/x');
    expect(pageUrl('/products/x')).toBeUndefined();
    expect(pageUrl('javascript:alert(1)')).toBeUndefined();
    expect(pageUrl('ftp://shop.example.com/')).toBeUndefined();
    expect(pageUrl('')).toBeUndefined();
    expect(pageUrl(undefined)).toBeUndefined();
  });
});

describe('siteFromHost', () => {
  it('turns a bare host name into a site URL and refuses anything else', () => {
    expect(siteFromHost('SnowDevil.myshopify.com')).toBe('https://snowdevil.myshopify.com/');
    expect(siteFromHost('evil.com/path')).toBeUndefined();
    expect(siteFromHost('localhost')).toBeUndefined();
    expect(siteFromHost('a b.com')).toBeUndefined();
    expect(siteFromHost(undefined)).toBeUndefined();
  });
});

describe('eventSourceUrl', () => {
  it('prefers a page of the event, then the configured site, then the platform site', () => {
    const platformSite = 'https://example.com/';
    expect(eventSourceUrl({ siteUrl: 'https://shop.example.com/' }, { pages: [undefined, 'https://shop.example.com/thanks?k=1'], platformSite })).toBe('https://shop.example.com/thanks');
    expect(eventSourceUrl({ siteUrl: 'https://shop.example.com/' }, { pages: ['not a url'], platformSite })).toBe('https://shop.example.com/');
    expect(eventSourceUrl({}, { platformSite })).toBe('https://example.com/');
    expect(eventSourceUrl({}, {})).toBeUndefined();
  });
});
