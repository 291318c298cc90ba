/**
 * Builders shared by the emulator tests: valid hashed events and a ready emulator with one pixel.
 */
import { createHash } from 'node:crypto';
import { createEmulator, type Emulator, type EmulatorOptions } from './app.js';

export const PIXEL = '1234567890';
export const TOKEN = 'EAAtesttoken';
export const OTHER_PIXEL = '999000111';
export const OTHER_TOKEN = 'EAAothertoken';
/** Fixed clock: 2026-09-15T12:00:00Z. */
export const NOW_MS = Date.UTC(2026, 8, 15, 12, 0, 0);
export const NOW_S = NOW_MS / 1000;

/** SHA-256 lowercase hex of a string. */
export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** A valid website Purchase event; `over` replaces top-level keys. */
export function validEvent(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_name: 'Purchase',
    event_time: NOW_S - 60,
    event_id: 'order-1',
    action_source: 'website',
    event_source_url: 'https://shop.example.com/checkout',
    user_data: {
      em: [sha256('john_smith@gmail.com')],
      ph: [sha256('16505551212')],
      client_ip_address: '203.0.113.7',
      client_user_agent: 'Mozilla/5.0',
      fbc: 'fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890',
      fbp: 'fb.1.1596403881668.1116446470',
    },
    custom_data: { value: 42.5, currency: 'EUR', contents: [{ id: 'sku-1', quantity: 2 }] },
    ...over,
  };
}

/** An emulator with PIXEL/TOKEN and OTHER_PIXEL/OTHER_TOKEN registered and a settable clock. */
export function testEmulator(opts: EmulatorOptions = {}): Emulator & { clock: { ms: number } } {
  const clock = { ms: NOW_MS };
  const emu = createEmulator({
    now: () => clock.ms,
    pixels: { [PIXEL]: { name: 'Test pixel', tokens: [TOKEN] }, [OTHER_PIXEL]: { name: 'Other', tokens: [OTHER_TOKEN] } },
    ...opts,
  });
  return Object.assign(emu, { clock });
}
