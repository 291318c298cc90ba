import { describe, expect, it } from 'vitest';
import { EVENT_LOG_STATUSES } from '../../core/admin-api.js';
import { auditSentence, CHANNEL_CLASS_WORDS, channelWord, eventWord, FILTER_WORDS, HEALTH_WORDS, identifierWord, REFUSED_WORDS, statusWord, storeWords } from './words.js';

describe('status words', () => {
  it('says what happened to a delivery, not its code', () => {
    expect(statusWord('sent')).toBe('sent');
    expect(statusWord('failed')).toBe('waiting to retry');
    expect(statusWord('dead')).toBe('failed — will not retry');
    expect(statusWord('queued')).toBe('waiting to send');
    expect(statusWord('something_new')).toBe('something_new');
  });

  it('says why an event was not sent, from its code', () => {
    expect(eventWord('dropped', 'no_consent')).toBe('not sent: consent');
    expect(eventWord('dropped', 'send_condition')).toBe('not sent: too little customer data');
    expect(eventWord('dropped', null)).toBe('not sent: policy');
    expect(eventWord('skipped', 'event_switch_off')).toBe('not sent: switched off');
    expect(eventWord('skipped', 'no_active_pixel')).toBe('not sent: no active pixel');
    expect(eventWord('queued', null)).toBe('waiting to send');
  });

  it('has a filter entry for every status the API filters on', () => {
    expect(Object.keys(FILTER_WORDS).sort()).toEqual([...EVENT_LOG_STATUSES].sort());
    // The merge window's waiting events, in the words the log's merge column uses.
    expect(FILTER_WORDS.held).toBe('held, waiting for its partner');
  });
});

describe('other words', () => {
  it('names channels by where they came from', () => {
    expect(channelWord('browser')).toEqual({ kind: 'browser', text: 'browser' });
    expect(channelWord('webhook:shopify')).toEqual({ kind: 'server', text: 'server (shopify)' });
    expect(channelWord('api')).toEqual({ kind: 'server', text: 'server (api)' });
  });

  it('says store where the relay says tenant', () => {
    expect(storeWords('this tenant has no active pixel')).toBe('this store has no active pixel');
    expect(storeWords("pixel p1 is not one of this tenant's pixels; Tenants: 2")).toBe("pixel p1 is not one of this store's pixels; Stores: 2");
    expect(storeWords('tenant_id stays')).toBe('tenant_id stays');
  });

  it('names customer identifiers in full', () => {
    expect(['em', 'ph', 'zp', 'nope'].map(identifierWord)).toEqual(['Email', 'Phone', 'ZIP', 'nope']);
  });

  it('writes audit entries as sentences', () => {
    expect(auditSentence('dashboard operator (session ab12cd34)', 'POST /api/v1/tenants/:id/pixels')).toBe('The operator (session ab12cd34) added a pixel.');
    expect(auditSentence('dashboard tenant 0190 (session 99aa00bb)', 'sign in')).toBe('The store owner (session 99aa00bb) signed in.');
    expect(auditSentence('admin API token', 'PUT /api/v1/tenants/:id/policy')).toBe('The admin API token changed the policy.');
    expect(auditSentence('admin API token', 'PUT /api/v1/somewhere/new')).toBe('The admin API token changed /api/v1/somewhere/new.');
  });
});

describe('overview words', () => {
  it("names every pixel health, channel and refusal reason in words, with the failing health's chip red", () => {
    expect(Object.values(HEALTH_WORDS).every((w) => w.text.length > 0 && !w.text.includes('_'))).toBe(true);
    expect(HEALTH_WORDS.failing.chip).toBe('bad');
    expect(CHANNEL_CLASS_WORDS.both).toContain('Both');
    expect(REFUSED_WORDS.signature_refused).toBe('Webhook signatures refused');
  });
});
