import { describe, expect, it } from 'vitest';
import { channelClass, countByChannel, deliveryCounts, identifierNames, maskIp, pixelHealth } from './overview-rules.js';

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

describe('channelClass', () => {
  it('tells the snippet alone, server channels alone and a deduplicated pair apart', () => {
    expect(channelClass(['browser'])).toBe('browser');
    expect(channelClass(['api'])).toBe('server');
    expect(channelClass(['webhook:shopify', 'api:segment'])).toBe('server');
    expect(channelClass(['browser', 'webhook:shopify'])).toBe('both');
    expect(channelClass(['webhook:shopify', 'browser'])).toBe('both');
  });

  it('adds counts up by class', () => {
    expect(countByChannel([
      { channels: ['browser'], count: 3 },
      { channels: ['api'], count: 2 },
      { channels: ['csv'], count: 1 },
      { channels: ['browser', 'api'], count: 4 },
    ])).toEqual({ browser: 3, server: 3, both: 4, total: 10 });
    expect(countByChannel([])).toEqual({ browser: 0, server: 0, both: 0, total: 0 });
  });
});

describe('deliveryCounts and pixelHealth', () => {
  const counts = (o: Record<string, number>) => deliveryCounts(Object.entries(o).map(([status, count]) => ({ status, count })));

  it('counts failed deliveries as retrying and ignores unknown statuses', () => {
    expect(counts({ queued: 1, sending: 2, failed: 3, sent: 4, dropped: 5, dead: 6, other: 7 })).toEqual({ queued: 1, sending: 2, retrying: 3, sent: 4, dropped: 5, dead: 6 });
  });

  it('reads the pixel state first, then whether Meta accepted anything in the last hour', () => {
    expect(pixelHealth('paused', counts({ sent: 10 }), NOW, NOW)).toBe('paused');
    expect(pixelHealth('disabled', counts({}), null, NOW)).toBe('disabled');
    expect(pixelHealth('active', counts({}), null, NOW)).toBe('idle');
    expect(pixelHealth('active', counts({ sent: 10 }), NOW - 5 * HOUR, NOW)).toBe('healthy');
    // Retrying with nothing sent for an hour: failing; a dead one among recent sends: still sending.
    expect(pixelHealth('active', counts({ failed: 2, sent: 10 }), NOW - 2 * HOUR, NOW)).toBe('failing');
    expect(pixelHealth('active', counts({ failed: 2 }), null, NOW)).toBe('failing');
    expect(pixelHealth('active', counts({ dead: 1, sent: 10 }), NOW - 60_000, NOW)).toBe('healthy');
  });
});

describe('identifierNames', () => {
  it('names the identifiers present, in a fixed order, never a value', () => {
    const names = identifierNames({ fbp: 'fb.1.1.1', ph: ['a'.repeat(64)], em: ['b'.repeat(64)], client_ip_address: '203.0.113.9', zp: ['c'.repeat(64)], external_id: ['d'.repeat(64)] });
    expect(names).toEqual(['Email', 'Phone', 'ZIP code', 'External ID', 'IP address', 'Browser ID (fbp)']);
    expect(names.join(' ')).not.toContain('203.0.113.9');
  });

  it('leaves out empty values and shows a key it does not know as the key', () => {
    expect(identifierNames({ em: [], ph: '', fn: null, ln: ['e'.repeat(64)], new_key: 'x' })).toEqual(['Last name', 'new_key']);
  });
});

describe('maskIp', () => {
  it('drops the last IPv4 octet', () => {
    expect(maskIp('203.0.113.9')).toBe('203.0.113.x');
    expect(maskIp('::ffff:198.51.100.200')).toBe('198.51.100.x');
  });

  it('keeps the first 48 bits of an IPv6 address', () => {
    expect(maskIp('2001:db8:85a3::8a2e:370:7334')).toBe('2001:db8:85a3:x:x:x:x:x');
    expect(maskIp('2001:0DB8:0000:0001:0:0:0:1')).toBe('2001:db8:0:x:x:x:x:x');
    expect(maskIp('::1')).toBe('0:0:0:x:x:x:x:x');
    expect(maskIp('fe80::1%eth0')).toBe('fe80:0:0:x:x:x:x:x');
  });

  it('hides anything that is not an address', () => {
    for (const bad of ['', 'localhost', '1:2:3', '1::2::3', '12345::1', '1:2:3:4:5:6:7:8:9', '300.1.2']) expect(maskIp(bad)).toBe('(hidden)');
  });
});
