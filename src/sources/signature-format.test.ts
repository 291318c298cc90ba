/**
 * Every platform accepts its signature only in the exact format: Node's hex and base64 decoders forgive
 * an extra trailing digit, base64url, missing padding and junk, and such spellings used to verify.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { commerce7 } from './commerce7.js';
import { generic, signGeneric } from './generic.js';
import { shopify } from './shopify.js';
import { stripe } from './stripe.js';
import type { WebhookRequest } from './types.js';
import { decodeBase64Exact, decodeHexExact } from './util.js';
import { woocommerce } from './woocommerce.js';

const SECRET = 'format-secret+/?>'; // a digest of this body under this secret has '+', '/' or '_' worth testing
const T = 1_700_000_000;
const body = Buffer.from(JSON.stringify({ event: 'purchase', order_id: '1', value: 1, currency: 'EUR' }));
const req = (headers: Record<string, string>): WebhookRequest => ({ headers, rawBody: body, now: T * 1000 });

/** A digest whose base64 has a '+' or '/' (so its base64url spelling differs), found by varying the body. */
function base64Case(): { raw: Buffer; b64: string } {
  for (let i = 0; ; i++) {
    const raw = Buffer.from(JSON.stringify({ event: 'purchase', order_id: String(i) }));
    const b64 = createHmac('sha256', SECRET).update(raw).digest('base64');
    if (/[+/]/.test(b64)) return { raw, b64 };
  }
}

describe('strict signature formats', () => {
  it('decodes hex only at the exact length and alphabet', () => {
    const hex = 'ab'.repeat(32);
    expect(decodeHexExact(hex, 32)?.length).toBe(32);
    expect(decodeHexExact(hex.toUpperCase(), 32)?.length).toBe(32);
    for (const bad of [`${hex}0`, hex.slice(1), `${hex.slice(2)}zz`, ` ${hex.slice(1)}`, '']) expect(decodeHexExact(bad, 32), bad).toBeNull();
  });

  it('decodes only canonical padded standard base64', () => {
    expect(decodeBase64Exact('YWJj')?.toString()).toBe('abc');
    expect(decodeBase64Exact('YQ==')?.toString()).toBe('a');
    // Unpadded, base64url, a non-zero padding bit ('YR==' also decodes to 'a'), junk, whitespace.
    for (const bad of ['YQ', 'Y-8_', 'YR==', 'YQ==YQ==', 'Y Q==', 'YQ=', '', 'YWJj!']) expect(decodeBase64Exact(bad), bad).toBeNull();
  });

  it.each([
    ['shopify', shopify, 'X-Shopify-Hmac-Sha256'],
    ['woocommerce', woocommerce, 'X-WC-Webhook-Signature'],
  ] as const)('%s: only the 44-character padded base64 digest verifies', (_name, def, name) => {
    const { raw, b64 } = base64Case();
    const r = (sig: string): WebhookRequest => ({ headers: { [name]: sig, 'X-WC-Webhook-Topic': 'order.created' }, rawBody: raw, now: T * 1000 });
    expect(def.verify(r(b64), [SECRET])).toEqual({ ok: true });
    const url = b64.replace(/\+/g, '-').replace(/\//g, '_');
    for (const bad of [url, url.replace(/=$/, ''), b64.replace(/=$/, ''), `${b64}A`, `${b64}==`, ` ${b64}`, b64.replace(/=$/, 'A=')]) {
      expect(def.verify(r(bad), [SECRET]), bad).toMatchObject({ ok: false, code: 'signature_malformed' });
    }
  });

  it('stripe: a v1 with an extra digit, one short, or base64 is malformed', () => {
    const v1 = createHmac('sha256', SECRET).update(`${T}.`).update(body).digest('hex');
    expect(stripe.verify(req({ 'Stripe-Signature': `t=${T},v1=${v1}` }), [SECRET])).toEqual({ ok: true });
    expect(stripe.verify(req({ 'Stripe-Signature': `t=${T},v1=${v1},v0=${v1}` }), [SECRET])).toEqual({ ok: true });
    for (const bad of [`t=${T},v1=${v1}0`, `t=${T},v1=${v1.slice(1)}`, `t=${T},v1=${Buffer.from(v1, 'hex').toString('base64')}`, `t=${T}x,v1=${v1}`]) {
      expect(stripe.verify(req({ 'Stripe-Signature': bad }), [SECRET]), bad).toMatchObject({ ok: false, code: 'signature_malformed' });
    }
  });

  it('generic: the same exact t=…,v1=… format', () => {
    const good = signGeneric(SECRET, body, T);
    expect(generic.verify(req({ 'X-Capi-Relay-Signature': good }), [SECRET])).toMatchObject({ ok: true });
    expect(generic.verify(req({ 'X-Capi-Relay-Signature': `${good}0` }), [SECRET])).toMatchObject({ ok: false, code: 'signature_malformed' });
  });

  it('commerce7: Basic credentials must be canonical base64', () => {
    const creds = 'webhook-user:webhook-pass';
    const b64 = Buffer.from(creds).toString('base64');
    expect(commerce7.verify(req({ authorization: `Basic ${b64}` }), [creds])).toEqual({ ok: true });
    // Unpadded, over-padded, a junk character, a non-zero padding bit ('…cw==' vs '…cx==' decode alike).
    for (const bad of [b64.replace(/=+$/, ''), `${b64}==`, `${b64.slice(0, -4)}!!==`, b64.replace(/w==$/, 'x==')]) {
      expect(bad).not.toBe(b64);
      expect(commerce7.verify(req({ authorization: `Basic ${bad}` }), [creds]), bad).toMatchObject({ ok: false, code: 'signature_malformed' });
    }
    expect(commerce7.verify(req({ authorization: `Basic ${b64.replace(/=+$/, '')}` }), [creds])).toMatchObject({ code: 'signature_malformed' });
  });
});
