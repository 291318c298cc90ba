import { describe, expect, it } from 'vitest';
import { createClientIpResolver, createTrustedProxyCheck } from '../../src/browser/client-ip.js';
import { mapCollectBody, parseFbc } from '../../src/browser/collect-event.js';
import { createRateLimiter } from '../../src/browser/rate-limit.js';
import { renderSdk } from '../../src/browser/sdk-source.js';
import { normalizeOrigin } from '../../src/store/origins.js';

describe('client IP', () => {
  it('ignores X-Forwarded-For from an untrusted peer and walks past trusted proxies', () => {
    const none = createClientIpResolver(createTrustedProxyCheck([]));
    expect(none('::ffff:10.0.0.1', '198.51.100.7')).toBe('10.0.0.1');
    const lb = createClientIpResolver(createTrustedProxyCheck(['10.0.0.0/8', '192.0.2.1']));
    expect(lb('10.1.2.3', '198.51.100.7, 192.0.2.1')).toBe('198.51.100.7');
    expect(lb('10.1.2.3', 'junk')).toBe('10.1.2.3');
    expect(lb('203.0.113.5', '198.51.100.7')).toBe('203.0.113.5');
  });
});

describe('rate limiter', () => {
  it('allows the burst, refuses the next, refills with time', () => {
    let now = 0;
    const rl = createRateLimiter({ perMinute: 2, clock: () => now });
    expect([rl.take('a'), rl.take('a'), rl.take('a'), rl.take('b')]).toEqual([true, true, false, true]);
    now += 30_000;
    expect(rl.take('a')).toBe(true);
  });
});

describe('collect body mapping', () => {
  const ctx = { ip: '203.0.113.9', userAgent: 'UA', consentCategory: null, now: 1_700_000_100_000 };
  it('maps a Meta name, takes IP/UA from the request and leaves a purchase\'s id to the store\'s template', () => {
    const m = mapCollectBody({ key: 'k', event: 'Purchase', order_id: 77, fbp: 'fb.1.1.2', user: { email: 'a@b.c', ip: '1.1.1.1' }, gclid: 'G1', gclid_at: 1_700_000_000_000 }, ctx);
    // No event_id: the transform names it from the store's Purchase template, as it names the webhook's.
    expect(m.event.event_id).toBeUndefined();
    expect(m.event).toMatchObject({ event: 'Purchase', order_id: 77, integrations: { facebook: { event_name: 'Purchase' } }, user: { email: 'a@b.c', ip: '203.0.113.9', user_agent: 'UA', fbp: 'fb.1.1.2' } });
    expect(m.clicks).toEqual({ fbp: 'fb.1.1.2', gclid: { id: 'G1', firstSeenAt: 1_700_000_000_000 }, orderId: '77' });
  });
  it('parses _fbc keeping the fbclid case', () => {
    expect(parseFbc('fb.1.1700000000000.AbC.123')).toEqual({ id: 'AbC.123', firstSeenAt: 1_700_000_000_000 });
    expect(parseFbc('nonsense')).toBeUndefined();
  });
});

describe('sdk rendering and origins', () => {
  it('embeds the config safely and normalizes origins', async () => {
    const js = await renderSdk({ key: '</script>', endpoint: 'http://x', pixelIds: [], loadPixel: false, requireConsent: false, autoPageView: true, purchaseIdParts: ['purchase:', ''], cookieDomain: null });
    expect(js).not.toContain('</script>');
    expect(() => new Function(js)).not.toThrow();
    expect(normalizeOrigin('https://Shop.Example:443/a?b')).toBe('https://shop.example');
    expect(() => normalizeOrigin('ftp://x')).toThrow();
    expect(() => normalizeOrigin('https://*.shop.example')).toThrow(/wildcards/);
  });
});
