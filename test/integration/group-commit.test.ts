import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { allDeliveryStates } from '../helpers/delivery-states.js';
import { purchase } from '../helpers/processes.js';
import { addPixelViaApi, createTenantViaApi, startTestRelay, type TestRelay } from '../helpers/relay.js';

/** The value of one sample of the Prometheus text exposition (0 when absent). */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/**
 * Group commit through the real HTTP server: concurrent one-event requests are written in shared transactions
 * (fewer commits than requests on /metrics), and each is answered accepted and stored with its delivery.
 */
describe.each(dialects)('group commit of concurrent ingest requests on $name', (dialect) => {
  let t: TestRelay;
  let url: string;
  let tenant: { id: string; ingestKey: string };
  const N = 40;

  beforeAll(async () => {
    // Delivery off: the events stay queued, so the store shows exactly what ingest wrote. A 50 ms gathering
    // window makes sharing certain however slowly the machine runs the clients.
    t = await startTestRelay(dialect, { deliveryEnabled: false, ingestCommitWaitMs: 50 });
    url = await t.relay.listen();
    tenant = await createTenantViaApi(t, 'Group Store');
    await addPixelViaApi(t, tenant.id, { pixelId: '123456789012345', accessToken: 'EAAB-group-commit-token' });
  });
  afterAll(async () => t?.close());

  async function metrics(): Promise<string> {
    return (await fetch(`${url}/metrics`)).text();
  }

  const postOne = (body: unknown) =>
    fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('writes concurrent one-event requests in shared commits, each answered accepted once stored', async () => {
    const before = await metrics();
    const ids = Array.from({ length: N }, (_, i) => `group-${i}`);
    const answers = await Promise.all(ids.map((id) => postOne(purchase(id))));
    expect(answers.map((r) => r.status)).toEqual(ids.map(() => 202));
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as { results: { event_id: string; status: string }[] }[];
    expect(bodies.map((b) => b.results)).toEqual(ids.map((id) => [{ event_id: id, status: 'accepted' }]));

    const after = await metrics();
    const commits = sample(after, 'capi_relay_ingest_commits_total', '{kind="group"}') - sample(before, 'capi_relay_ingest_commits_total', '{kind="group"}');
    const events = sample(after, 'capi_relay_ingest_events_per_commit_sum') - sample(before, 'capi_relay_ingest_events_per_commit_sum');
    const calls = sample(after, 'capi_relay_ingest_calls_per_commit_sum') - sample(before, 'capi_relay_ingest_calls_per_commit_sum');
    expect(events).toBe(N);
    expect(calls).toBe(N);
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThan(N);
    expect(sample(after, 'capi_relay_ingest_commits_total', '{kind="retry_alone"}')).toBe(0);

    // Every event is stored once, queued, with one delivery still to send.
    const rows = await t.relay.store.db.selectFrom('events').select(['id', 'event_id', 'status']).where('tenant_id', '=', tenant.id).where('event_id', 'in', ids).execute();
    expect(rows.map((r) => r.event_id).sort()).toEqual([...ids].sort());
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['queued']));
    const deliveries = (await allDeliveryStates(t.relay.store, tenant.id)).filter((d) => rows.some((r) => r.id === d.eventRowId));
    expect(deliveries.map((d) => d.status)).toEqual(rows.map(() => 'queued'));
  });

  it('answers concurrent repeats of one event in one group: one accepted, the others duplicate, one row', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => postOne(purchase('group-repeat'))));
    const statuses = (await Promise.all(answers.map(async (r) => ((await r.json()) as { results: { status: string }[] }).results[0]?.status))).sort();
    expect(statuses).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    const rows = await t.relay.store.db.selectFrom('events').select('id').where('tenant_id', '=', tenant.id).where('event_id', '=', 'group-repeat').execute();
    expect(rows).toHaveLength(1);
  });

  it('keeps a bad request of a group to itself: the others are accepted', async () => {
    const answers = await Promise.all([postOne(purchase('group-good-1')), postOne({ events: [] }), postOne(purchase('group-good-2'))]);
    expect(answers.map((r) => r.status)).toEqual([202, 400, 202]);
  });
});
