import { describe, expect, it } from 'vitest';
import { parseChannels } from './channels.js';
import { shownStatus } from './event-log.js';

describe('event log display rules', () => {
  it('shows a queued or retrying delivery of a paused pixel as paused, and nothing else', () => {
    expect(shownStatus('queued', 'paused')).toBe('paused');
    expect(shownStatus('failed', 'paused')).toBe('paused');
    expect(shownStatus('sent', 'paused')).toBe('sent');
    expect(shownStatus('dead', 'paused')).toBe('dead');
    expect(shownStatus('queued', 'active')).toBe('queued');
    expect(shownStatus('queued', null)).toBe('queued');
  });

  it('reads the channels column, falling back to the event source when it is empty or malformed', () => {
    expect(parseChannels('["browser","webhook:shopify"]', 'browser')).toEqual(['browser', 'webhook:shopify']);
    expect(parseChannels('[]', 'api')).toEqual(['api']);
    expect(parseChannels('not json', 'csv')).toEqual(['csv']);
    expect(parseChannels(null, 'api')).toEqual(['api']);
  });
});
