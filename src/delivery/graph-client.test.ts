import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { MetaServerEvent } from '../core/meta-event.js';
import { createBodyBuffers, createGraphClient, graphErrorOf, requestBody, type GraphClient } from './graph-client.js';

interface Seen {
  method: string | undefined;
  url: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

const TOKEN = 'EAAB-secret-token';
const event: MetaServerEvent = { event_name: 'Purchase', event_time: 1_700_000_000, event_id: 'o1', action_source: 'website', user_data: { em: ['a'.repeat(64)] } };

let server: Server | null = null;
let client: GraphClient | null = null;

afterEach(async () => {
  await client?.close();
  client = null;
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

async function start(handler: (req: IncomingMessage, body: string) => { status: number; body: string; headers?: Record<string, string> } | null): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
      const out = handler(req, body);
      if (!out) return; // never answer: simulates a hung Graph API
      res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
      res.end(out.body);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen };
}

describe('graph client', () => {
  it('sends several events, non-ASCII text and a test event code as one exact JSON body', async () => {
    const { url, seen } = await start(() => ({ status: 200, body: JSON.stringify({ events_received: 3 }) }));
    client = createGraphClient({ baseUrl: url, version: 'v24.0' });
    const events = [event, { ...event, event_id: 'é-2', user_data: { ...event.user_data, client_user_agent: 'Mozilla/5.0 (Ünïcode; 日本)' } }, { ...event, event_id: 'e3' }];
    await client.sendEvents('1234', TOKEN, events.map((e) => JSON.stringify(e)), 'TEST123');
    expect(seen[0]?.body).toBe(JSON.stringify({ data: events, test_event_code: 'TEST123' }));
    expect(requestBody([], '').toString()).toBe('{"data":[]}');
  });

  it('sends each body exactly when bodies reuse the memory of earlier ones, after a success or an error answer', async () => {
    let status = 200;
    const { url, seen } = await start(() => ({ status, body: JSON.stringify({ events_received: 1 }) }));
    client = createGraphClient({ baseUrl: url, version: 'v24.0' });
    const long = Array.from({ length: 50 }, (_, i) => ({ ...event, event_id: `long-${i}` }));
    const sends: MetaServerEvent[][] = [long, [{ ...event, event_id: 'short' }], long.slice(0, 7), [{ ...event, event_id: 'after-error' }], long];
    for (const [i, events] of sends.entries()) {
      status = i === 2 ? 400 : 200;
      await client.sendEvents('1234', TOKEN, events.map((e) => JSON.stringify(e)));
      expect(seen[i]?.body).toBe(JSON.stringify({ data: events }));
    }
  });

  it('sends the token only in the Authorization header and the events as JSON', async () => {
    const { url, seen } = await start(() => ({ status: 200, body: JSON.stringify({ events_received: 1, messages: [], fbtrace_id: 'AT1' }) }));
    client = createGraphClient({ baseUrl: url + '/', version: 'v24.0' });
    const res = await client.sendEvents('1234', TOKEN, [JSON.stringify(event)]);
    expect(res).toEqual({ status: 200, body: { events_received: 1, messages: [], fbtrace_id: 'AT1' } });
    const req = seen[0];
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/v24.0/1234/events');
    expect(req?.url).not.toContain(TOKEN);
    expect(req?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req?.contentType).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual({ data: [event] });
    expect(req?.body).not.toContain(TOKEN);
  });

  it('adds test_event_code only when given', async () => {
    const { url, seen } = await start(() => ({ status: 200, body: '{"events_received":1}' }));
    client = createGraphClient({ baseUrl: url, version: 'v24.0' });
    await client.sendEvents('1', TOKEN, [JSON.stringify(event)], 'TEST123');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ data: [event], test_event_code: 'TEST123' });
  });

  it('returns error bodies and Retry-After without throwing', async () => {
    const { url } = await start(() => ({ status: 429, body: '{"error":{"code":4}}', headers: { 'retry-after': '7' } }));
    client = createGraphClient({ baseUrl: url, version: 'v24.0' });
    expect(await client.sendEvents('1', TOKEN, [JSON.stringify(event)])).toEqual({ status: 429, body: { error: { code: 4 } }, retryAfterMs: 7000 });
  });

  it('keeps a non-JSON body as text', async () => {
    const { url } = await start(() => ({ status: 502, body: '<html>Bad Gateway</html>' }));
    client = createGraphClient({ baseUrl: url, version: 'v24.0' });
    expect(await client.sendEvents('1', TOKEN, [JSON.stringify(event)])).toEqual({ status: 502, body: '<html>Bad Gateway</html>' });
  });

  it('probes a pixel with GET, token in the header', async () => {
    const { url, seen } = await start(() => ({ status: 200, body: '{"id":"1","name":"Shop"}' }));
    client = createGraphClient({ baseUrl: url, version: 'v24.0' });
    expect(await client.getPixel('1', TOKEN)).toEqual({ status: 200, body: { id: '1', name: 'Shop' } });
    expect(seen[0]?.method).toBe('GET');
    expect(seen[0]?.url).toBe('/v24.0/1?fields=id,name');
    expect(seen[0]?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('asks dataset_quality with GET for the dataset and only the fields the report reads, token in the header', async () => {
    const answer = { web: [{ event_name: 'Purchase', event_match_quality: { composite_score: 7.5 } }] };
    const { url, seen } = await start(() => ({ status: 200, body: JSON.stringify(answer) }));
    client = createGraphClient({ baseUrl: url, version: 'v24.0' });
    expect(await client.getDatasetQuality('1234', TOKEN)).toEqual({ status: 200, body: answer });
    await client.getDatasetQuality('1234', TOKEN, 'v23.0');
    const [first, second] = seen;
    expect(first?.method).toBe('GET');
    const asked = new URL(first?.url ?? '', url);
    expect(asked.pathname).toBe('/v24.0/dataset_quality');
    expect(Object.fromEntries(asked.searchParams)).toEqual({
      dataset_id: '1234',
      fields: 'web{event_name,event_match_quality{composite_score,match_key_feedback{identifier,coverage{percentage}}}}',
    });
    expect(first?.url).not.toContain(TOKEN);
    expect(first?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(new URL(second?.url ?? '', url).pathname).toBe('/v23.0/dataset_quality');
  });

  it("uses a per-call version (a pixel's own) and falls back to the configured one", async () => {
    const { url, seen } = await start((req) => ({ status: 200, body: req.method === 'GET' ? '{"id":"1","name":"Shop"}' : '{"events_received":1}' }));
    client = createGraphClient({ baseUrl: url, version: 'v24.0' });
    await client.sendEvents('1234', TOKEN, [JSON.stringify(event)], undefined, 'v23.0');
    await client.sendEvents('1234', TOKEN, [JSON.stringify(event)], 'TEST1', 'v22.0');
    await client.getPixel('1234', TOKEN, 'v23.0');
    await client.sendEvents('1234', TOKEN, [JSON.stringify(event)]);
    await client.getPixel('1234', TOKEN);
    // Encoded like the pixel id: an odd value cannot change the path.
    await client.getPixel('1234', TOKEN, 'v1/../x');
    expect(seen.map((r) => `${r.method ?? ''} ${r.url ?? ''}`)).toEqual([
      'POST /v23.0/1234/events',
      'POST /v22.0/1234/events',
      'GET /v23.0/1234?fields=id,name',
      'POST /v24.0/1234/events',
      'GET /v24.0/1234?fields=id,name',
      'GET /v1%2F..%2Fx/1234?fields=id,name',
    ]);
    expect(JSON.parse(seen[1]?.body ?? '')).toEqual({ data: [event], test_event_code: 'TEST1' });
  });

  it('reports a hung server as timedOut', async () => {
    const { url } = await start(() => null);
    client = createGraphClient({ baseUrl: url, version: 'v24.0', timeoutMs: 200 });
    const res = await client.sendEvents('1', TOKEN, [JSON.stringify(event)]);
    expect(res).toMatchObject({ timedOut: true });
  });

  it('reports a refused connection as a network error, not a timeout', async () => {
    const { url } = await start(() => null);
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = null;
    client = createGraphClient({ baseUrl: url, version: 'v24.0', timeoutMs: 2000 });
    const res = await client.sendEvents('1', TOKEN, [JSON.stringify(event)]);
    expect(res).toMatchObject({ timedOut: false });
    expect('networkError' in res && res.networkError).not.toContain(TOKEN);
  });
});

describe('body buffers', () => {
  it('gives back memory it made, large enough, one request at a time', () => {
    const bodies = createBodyBuffers(2);
    const first = bodies.take(100_000);
    expect(first.length).toBe(100_000);
    const second = bodies.take(10);
    expect(second.buffer).not.toBe(first.buffer);
    bodies.give(first);
    const again = bodies.take(5_000);
    expect(again.buffer).toBe(first.buffer);
    expect(again.length).toBe(5_000);
    // Taken, so not handed out twice; a bigger body than any kept gets new memory.
    expect(bodies.take(5_000).buffer).not.toBe(first.buffer);
    bodies.give(again);
    expect(bodies.take(200_000).buffer).not.toBe(first.buffer);
  });

  it("never keeps a buffer it did not make (a small Buffer shares Node's pool)", () => {
    const bodies = createBodyBuffers();
    const foreign = Buffer.allocUnsafe(10);
    bodies.give(foreign);
    expect(bodies.take(10).buffer).not.toBe(foreign.buffer);
  });

  it('keeps at most the number it was given, the largest', () => {
    const bodies = createBodyBuffers(2);
    const [a, b, c] = [bodies.take(70_000), bodies.take(80_000), bodies.take(90_000)];
    for (const x of [a, b, c]) bodies.give(x);
    expect([bodies.take(1).buffer, bodies.take(1).buffer, bodies.take(1).buffer].filter((x) => x === a.buffer)).toEqual([]);
  });
});

describe('graphErrorOf', () => {
  it.each([
    [{ error: { code: 190, error_subcode: 463, message: 'Session has expired' } }, { problem: 'token', code: 190, subcode: 463, message: 'Session has expired' }],
    [{ error: { code: 102 } }, { problem: 'token', code: 102 }],
    [{ error: { code: 10, message: 'no permission' } }, { problem: 'permission', code: 10, message: 'no permission' }],
    [{ error: { code: 200 } }, { problem: 'permission', code: 200 }],
    [{ error: { code: 299 } }, { problem: 'permission', code: 299 }],
    [{ error: { code: 100, error_subcode: 33 } }, { problem: 'unknown_object', code: 100, subcode: 33 }],
    [{ error: { code: 100 } }, { problem: 'other', code: 100 }],
    [{ error: { code: 300 } }, { problem: 'other', code: 300 }],
    [{ error: { code: '190', message: 42 } }, { problem: 'other' }],
    [{ error: null }, { problem: 'other' }],
    ['<html>Bad Gateway</html>', { problem: 'other' }],
    [null, { problem: 'other' }],
  ])('reads %j as %j', (body, expected) => {
    expect(graphErrorOf(body)).toEqual(expected);
  });
});
