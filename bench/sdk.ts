/**
 * The baseline: Meta's own Node SDK (facebook-nodejs-business-sdk) building and posting the same events.
 * It has no type declarations, so the few classes used are typed here by hand.
 */
import { createRequire } from 'node:module';
import { request } from 'undici';

interface UserData {
  setEmails(v: string[]): UserData;
  setPhones(v: string[]): UserData;
  setClientIpAddress(v: string): UserData;
  setClientUserAgent(v: string): UserData;
  setFbp(v: string): UserData;
}
interface CustomData {
  setCurrency(v: string): CustomData;
  setValue(v: number): CustomData;
  setOrderId(v: string): CustomData;
}
interface ServerEvent {
  setEventName(v: string): ServerEvent;
  setEventTime(v: number): ServerEvent;
  setEventId(v: string): ServerEvent;
  setActionSource(v: string): ServerEvent;
  setEventSourceUrl(v: string): ServerEvent;
  setUserData(v: UserData): ServerEvent;
  setCustomData(v: CustomData): ServerEvent;
  normalize(): object;
}
interface HttpService {
  executeRequest(url: string, method: string, headers: Record<string, string>, params: object): Promise<unknown>;
}
interface EventRequest {
  setEvents(v: ServerEvent[]): EventRequest;
  setHttpService(v: HttpService): EventRequest;
  execute(): Promise<unknown>;
}
interface SdkModule {
  FacebookAdsApi: { init(token: string): unknown; GRAPH: string; VERSION: string };
  ServerEvent: new () => ServerEvent;
  UserData: new () => UserData;
  CustomData: new () => CustomData;
  EventRequest: new (token: string, pixelId: string) => EventRequest;
}

const sdk = createRequire(import.meta.url)('facebook-nodejs-business-sdk') as SdkModule;

/** What the bench sends through both paths. */
export interface BenchEvent { id: string; email: string; phone: string; value: number; timeSec: number }

/** Builds one SDK ServerEvent (UserData + CustomData), as a store integrating the SDK would. */
export function sdkServerEvent(e: BenchEvent): ServerEvent {
  const user = new sdk.UserData()
    .setEmails([e.email])
    .setPhones([e.phone])
    .setClientIpAddress('203.0.113.9')
    .setClientUserAgent('Mozilla/5.0')
    .setFbp('fb.1.1596403881668.1116446470');
  const custom = new sdk.CustomData().setCurrency('usd').setValue(e.value).setOrderId(e.id);
  return new sdk.ServerEvent()
    .setEventName('Purchase')
    .setEventTime(e.timeSec)
    .setEventId(e.id)
    .setActionSource('website')
    .setEventSourceUrl('https://shop.example.com/thanks')
    .setUserData(user)
    .setCustomData(custom);
}

/**
 * The SDK builds its URL from the hard-wired FacebookAdsApi.GRAPH; its documented hook for another transport
 * is EventRequest.setHttpService, so requests are re-pointed at the emulator there (keep-alive undici, like the relay).
 */
function emulatorHttpService(graphUrl: string): HttpService {
  return {
    async executeRequest(url: string, method: string, headers: Record<string, string>, params: object): Promise<unknown> {
      const target = url.replace(sdk.FacebookAdsApi.GRAPH, graphUrl);
      // Serialized as the SDK's own transport (axios) does: unset options (test_event_code, partner_agent, …) stay null.
      const res = await request(target, { method: method as 'POST', headers, body: JSON.stringify(params) });
      const body = (await res.body.json()) as { events_received?: number };
      if (res.statusCode !== 200) throw new Error(`SDK request answered ${res.statusCode}: ${JSON.stringify(body).slice(0, 200)}`);
      return body;
    },
  };
}

/** Sends `events` through the SDK in batches of 1000 with `clients` concurrent requests; resolves when all are answered. */
export async function sdkSend(graphUrl: string, pixelId: string, token: string, events: BenchEvent[], clients: number): Promise<void> {
  sdk.FacebookAdsApi.init(token);
  const service = emulatorHttpService(graphUrl);
  let next = 0;
  const worker = async () => {
    while (next < events.length) {
      const batch = events.slice(next, next + 1000);
      next += 1000;
      await new sdk.EventRequest(token, pixelId).setEvents(batch.map(sdkServerEvent)).setHttpService(service).execute();
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
}

/** SDK build + normalize + serialize only (no network), for the transform comparison. */
export function sdkBuildAll(events: BenchEvent[]): number {
  let bytes = 0;
  for (const e of events) bytes += JSON.stringify(sdkServerEvent(e).normalize()).length;
  return bytes;
}
