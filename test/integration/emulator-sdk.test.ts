import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { startEmulator } from '../helpers/emulator.js';
import { emulatorHttpService, GraphAnswerError, metaSdk as sdk, type SdkExchange, type SdkServerEvent } from '../helpers/meta-sdk.js';

/**
 * The emulator stands in for Meta for Meta's own Node SDK too: requests built and serialized by
 * facebook-nodejs-business-sdk (which sends every unset option, `test_event_code` included, as null) are
 * accepted, strict or lenient, and what Graph rejects is still rejected.
 */
const PIXEL = '7770001';
const TOKEN = 'EAAsdk-test-token';
/** The emulator's clock: 2026-09-15T12:00:00Z. */
const NOW_MS = Date.UTC(2026, 8, 15, 12, 0, 0);
const NOW_S = NOW_MS / 1000;
const DAY_S = 86_400;

/** Every customer field the SDK's UserData has a setter for; the SDK normalizes and hashes what Meta wants hashed. */
function fullUserData() {
  return new sdk.UserData()
    .setEmails(['Jane.Doe@Example.com', 'jane@example.org'])
    .setPhones(['+1 (650) 555-1212'])
    .setGenders(['f'])
    .setDatesOfBirth(['19900215'])
    .setLastNames(['Doe'])
    .setFirstNames(['Jane'])
    .setCities(['Menlo Park'])
    .setStates(['CA'])
    .setZips(['94025'])
    .setCountries(['US'])
    .setExternalIds(['customer-42'])
    .setClientIpAddress('203.0.113.9')
    .setClientUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)')
    .setFbc('fb.1.1554763741205.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk')
    .setFbp('fb.1.1596403881668.1116446470')
    .setSubscriptionId('sub_1N2x3y')
    .setFbLoginId('1234567890')
    .setLeadId('987654321012345')
    .setF5First('janed')
    .setF5Last('doeja')
    .setFi('j')
    .setDobd('15')
    .setDobm('02')
    .setDoby('1990')
    .setMadid('38400000-8cf0-11bd-b23e-10b96e40000d')
    .setAnonId('anon-7f3a')
    .setAppUserId('app-user-42')
    .setCtwaClid('ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a')
    .setPageId('112233445566');
}

function item(id: string, quantity: number, price: number) {
  return new sdk.Content().setId(id).setQuantity(quantity).setItemPrice(price).setTitle(`Item ${id}`).setDescription('Stoneware').setBrand('Acme').setCategory('Kitchen').setDeliveryCategory('home_delivery');
}

function event(name: string, actionSource: string, id: string, ageSec = 60): SdkServerEvent {
  const e = new sdk.ServerEvent().setEventName(name).setEventTime(NOW_S - ageSec).setEventId(id).setActionSource(actionSource).setUserData(fullUserData());
  return actionSource === 'website' ? e.setEventSourceUrl('https://shop.example.com/p/mug') : e;
}

function appData() {
  const device = new sdk.ExtendedDeviceInfo()
    .setExtInfoVersion('i2').setAppPackageName('com.example.shop').setShortVersion('4.2').setLongVersion('4.2.1')
    .setOsVersion('17.4').setDeviceModelName('iPhone15,2').setLocale('en_US').setTimezoneAbbreviation('PDT').setCarrier('T-Mobile')
    .setScreenWidth(1179).setScreenHeight(2556).setScreenDensity('3.0').setCpuCoreCount(6).setTotalDiskSpaceGb(256).setFreeDiskSpaceGb(97)
    .setDeviceTimeZone('America/Los_Angeles');
  return new sdk.AppData().setApplicationTrackingEnabled(true).setAdvertiserTrackingEnabled(true).setInstallerPackage('com.apple.appstore').setUrlSchemes(['exampleshop']).setExtinfo(device);
}

/** A dozen representative events, each built only through the SDK's classes and setters. */
const representative: [string, () => SdkServerEvent][] = [
  ['Purchase (website, contents)', () => event('Purchase', 'website', 'order-1001').setCustomData(
    new sdk.CustomData().setValue(63.75).setCurrency('eur').setOrderId('1001').setContentType('product').setNumItems(3)
      .setContents([item('SKU-1', 2, 21.25), item('SKU-2', 1, 21.25)]).setDeliveryCategory('home_delivery').setNetRevenue(52.1),
  )],
  ['AddToCart', () => event('AddToCart', 'website', 'atc-1').setCustomData(new sdk.CustomData().setValue(42.5).setCurrency('EUR').setContentType('product').setContents([item('SKU-1', 2, 21.25)]))],
  ['ViewContent', () => event('ViewContent', 'website', 'vc-1').setCustomData(new sdk.CustomData().setValue(21.25).setCurrency('EUR').setContentIds(['SKU-1']).setContentName('Mug').setContentCategory('Kitchen').setContentType('product'))],
  ['InitiateCheckout', () => event('InitiateCheckout', 'website', 'ic-1').setCustomData(new sdk.CustomData().setValue(42.5).setCurrency('EUR').setNumItems(2).setContents([item('SKU-1', 2, 21.25)]))],
  ['AddPaymentInfo', () => event('AddPaymentInfo', 'website', 'api-1').setCustomData(new sdk.CustomData().setValue(42.5).setCurrency('EUR'))],
  ['Search', () => event('Search', 'website', 'search-1').setCustomData(new sdk.CustomData().setSearchString('stoneware mug').setContentIds(['SKU-1', 'SKU-2']))],
  ['Lead (CRM, system_generated)', () => event('Lead', 'system_generated', 'lead-1').setCustomData(new sdk.CustomData().setValue(10).setCurrency('USD').setStatus('qualified'))],
  ['CompleteRegistration (app, app_data)', () => event('CompleteRegistration', 'app', 'reg-1').setAppData(appData()).setCustomData(new sdk.CustomData().setStatus('registered'))],
  ['Subscribe', () => event('Subscribe', 'website', 'sub-1').setCustomData(new sdk.CustomData().setValue(9.99).setCurrency('USD').setPredictedLtv(119.88))],
  ['a custom event (email)', () => event('GiftCardRedeemed', 'email', 'gift-1').setCustomData(new sdk.CustomData().setValue(25).setCurrency('GBP').setCustomProperties({ campaign: 'spring', code_length: 12 }))],
  ['Purchase (physical_store, 30 days old, LDU)', () => event('Purchase', 'physical_store', 'store-77', 30 * DAY_S)
    .setDataProcessingOptions(['LDU']).setDataProcessingOptionsCountry(1).setDataProcessingOptionsState(1000)
    .setCustomData(new sdk.CustomData().setValue(120).setCurrency('USD').setOrderId('POS-77').setContents([item('SKU-9', 1, 120).setDeliveryCategory('in_store')]).setDeliveryCategory('in_store'))],
  ['Contact (phone_call, opted out)', () => event('Contact', 'phone_call', 'call-1').setOptOut(true)],
];

/** What the SDK puts on the wire for an event: its normalize(), through JSON. */
const wire = (e: SdkServerEvent): unknown => JSON.parse(JSON.stringify(e.normalize()));

interface Recorded { event: Record<string, unknown>; warnings: string[]; testEventCode: string | null }

describe.each([
  { mode: 'strict', strict: true },
  { mode: 'lenient', strict: false },
])('the $mode emulator and requests built by Meta’s Node SDK', ({ strict }) => {
  let emulator: Emulator;
  let graphUrl: string;
  const exchanges: SdkExchange[] = [];

  beforeAll(async () => {
    ({ emulator, graphUrl } = await startEmulator({ strict, now: () => NOW_MS, pixels: { [PIXEL]: { name: 'SDK pixel', tokens: [TOKEN] } } }));
  });
  afterAll(async () => emulator?.close());

  const send = (events: SdkServerEvent[], testEventCode?: string) => {
    const req = new sdk.EventRequest(TOKEN, PIXEL).setEvents(events).setHttpService(emulatorHttpService(graphUrl, exchanges));
    return (testEventCode === undefined ? req : req.setTestEventCode(testEventCode)).execute();
  };
  const received = async (query: string): Promise<{ count: number; events: Recorded[] }> =>
    (await fetch(`${graphUrl}/_emulator/events?${query}`)).json() as Promise<{ count: number; events: Recorded[] }>;

  it.each(representative)('accepts %s', async (_name, build) => {
    const e = build();
    const answer = await send([e]);
    expect(answer).toMatchObject({ events_received: 1, messages: [] });
    const exchange = exchanges.at(-1);
    // The request as the SDK builds it: every unset option present and null, the version the SDK pins.
    expect(exchange?.url).toBe(`${graphUrl}/${sdk.FacebookAdsApi.VERSION}/${PIXEL}/events`);
    expect(exchange?.sent).toMatchObject({ test_event_code: null, partner_agent: null, namespace_id: null, upload_id: null, upload_tag: null, upload_source: null, access_token: TOKEN });
    const last = (await received(`pixel_id=${PIXEL}`)).events.at(-1);
    expect(last?.event).toEqual(wire(e));
    // Nothing for Meta to warn about either: the SDK sends every field in the shape Graph documents.
    expect(last?.warnings).toEqual([]);
    expect(last?.testEventCode).toBeNull();
  });

  it('sent every user_data field the SDK has a setter for', async () => {
    const { events } = await received(`pixel_id=${PIXEL}`);
    expect(events).toHaveLength(representative.length);
    const keys = Object.keys(events[0]?.event.user_data as object).sort();
    expect(keys).toEqual(['anon_id', 'app_user_id', 'client_ip_address', 'client_user_agent', 'country', 'ct', 'ctwa_clid', 'db', 'dobd', 'dobm', 'doby', 'em', 'external_id', 'f5first', 'f5last', 'fb_login_id', 'fbc', 'fbp', 'fi', 'fn', 'ge', 'lead_id', 'ln', 'madid', 'page_id', 'ph', 'st', 'subscription_id', 'zp']);
  });

  it('accepts the dozen in one request with a test_event_code, recorded as test events', async () => {
    const answer = await send(representative.map(([, build], i) => build().setEventId(`batch-${i}`)), 'TEST4242');
    expect(answer).toMatchObject({ events_received: representative.length });
    const test = await received(`pixel_id=${PIXEL}&test=1`);
    expect(test.count).toBe(representative.length);
    expect(test.events.every((e) => e.testEventCode === 'TEST4242')).toBe(true);
  });

  it('still rejects an SDK request Graph rejects: advertiser_tracking_enabled on the event itself (rule 9)', async () => {
    const e = event('Purchase', 'app', 'ate-1').setAdvertiserTrackingEnabled(true).setCustomData(new sdk.CustomData().setValue(1).setCurrency('USD'));
    const err = await send([e]).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(GraphAnswerError);
    expect((err as GraphAnswerError).exchange).toMatchObject({ status: 400, answer: { error: { code: 100, message: expect.stringContaining('Unexpected key "advertiser_tracking_enabled"') } } });
  });

  it('still rejects an SDK request Graph rejects: an event older than 7 days (rule 10)', async () => {
    const err = await send([event('Lead', 'website', 'old-1', 8 * DAY_S)]).catch((x: unknown) => x);
    expect((err as GraphAnswerError).exchange).toMatchObject({ status: 400, answer: { error: { code: 100, error_subcode: 2804003 } } });
  });

  it(`${strict ? 'rejects' : 'accepts with a warning'} an SDK-built Purchase without currency (rule 26, strict only)`, async () => {
    const e = event('Purchase', 'website', 'nocur-1').setCustomData(new sdk.CustomData().setValue(5));
    if (strict) {
      const err = await send([e]).catch((x: unknown) => x);
      expect((err as GraphAnswerError).exchange).toMatchObject({ status: 400, answer: { error: { code: 100, message: expect.stringContaining('currency') } } });
    } else {
      await expect(send([e])).resolves.toMatchObject({ events_received: 1 });
      expect((await received(`pixel_id=${PIXEL}`)).events.at(-1)?.warnings.join('\n')).toContain('currency');
    }
  });
});
