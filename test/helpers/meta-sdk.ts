/**
 * Meta's own Node SDK (facebook-nodejs-business-sdk, a devDependency) for tests that check what it sends. It has
 * no type declarations, so the classes used are typed here by hand (setters return the object, as the SDK's do).
 */
import { createRequire } from 'node:module';
import { request } from 'undici';

export interface SdkUserData {
  setEmails(v: string[]): SdkUserData;
  setPhones(v: string[]): SdkUserData;
  setGenders(v: string[]): SdkUserData;
  setDatesOfBirth(v: string[]): SdkUserData;
  setLastNames(v: string[]): SdkUserData;
  setFirstNames(v: string[]): SdkUserData;
  setCities(v: string[]): SdkUserData;
  setStates(v: string[]): SdkUserData;
  setZips(v: string[]): SdkUserData;
  setCountries(v: string[]): SdkUserData;
  setExternalIds(v: string[]): SdkUserData;
  setClientIpAddress(v: string): SdkUserData;
  setClientUserAgent(v: string): SdkUserData;
  setFbc(v: string): SdkUserData;
  setFbp(v: string): SdkUserData;
  setSubscriptionId(v: string): SdkUserData;
  setFbLoginId(v: string): SdkUserData;
  setLeadId(v: string): SdkUserData;
  setF5First(v: string): SdkUserData;
  setF5Last(v: string): SdkUserData;
  setFi(v: string): SdkUserData;
  setDobd(v: string): SdkUserData;
  setDobm(v: string): SdkUserData;
  setDoby(v: string): SdkUserData;
  setMadid(v: string): SdkUserData;
  setAnonId(v: string): SdkUserData;
  setAppUserId(v: string): SdkUserData;
  setCtwaClid(v: string): SdkUserData;
  setPageId(v: string): SdkUserData;
}

export interface SdkContent {
  setId(v: string): SdkContent;
  setQuantity(v: number): SdkContent;
  setItemPrice(v: number): SdkContent;
  setTitle(v: string): SdkContent;
  setDescription(v: string): SdkContent;
  setBrand(v: string): SdkContent;
  setCategory(v: string): SdkContent;
  setDeliveryCategory(v: string): SdkContent;
}

export interface SdkCustomData {
  setValue(v: number): SdkCustomData;
  setNetRevenue(v: number): SdkCustomData;
  setCurrency(v: string): SdkCustomData;
  setContentName(v: string): SdkCustomData;
  setContentCategory(v: string): SdkCustomData;
  setContentIds(v: string[]): SdkCustomData;
  setContents(v: SdkContent[]): SdkCustomData;
  setContentType(v: string): SdkCustomData;
  setOrderId(v: string): SdkCustomData;
  setPredictedLtv(v: number): SdkCustomData;
  setNumItems(v: number): SdkCustomData;
  setSearchString(v: string): SdkCustomData;
  setStatus(v: string): SdkCustomData;
  setDeliveryCategory(v: string): SdkCustomData;
  setCustomProperties(v: Record<string, unknown>): SdkCustomData;
}

export interface SdkExtendedDeviceInfo {
  setExtInfoVersion(v: string): SdkExtendedDeviceInfo;
  setAppPackageName(v: string): SdkExtendedDeviceInfo;
  setShortVersion(v: string): SdkExtendedDeviceInfo;
  setLongVersion(v: string): SdkExtendedDeviceInfo;
  setOsVersion(v: string): SdkExtendedDeviceInfo;
  setDeviceModelName(v: string): SdkExtendedDeviceInfo;
  setLocale(v: string): SdkExtendedDeviceInfo;
  setTimezoneAbbreviation(v: string): SdkExtendedDeviceInfo;
  setCarrier(v: string): SdkExtendedDeviceInfo;
  setScreenWidth(v: number): SdkExtendedDeviceInfo;
  setScreenHeight(v: number): SdkExtendedDeviceInfo;
  setScreenDensity(v: string): SdkExtendedDeviceInfo;
  setCpuCoreCount(v: number): SdkExtendedDeviceInfo;
  setTotalDiskSpaceGb(v: number): SdkExtendedDeviceInfo;
  setFreeDiskSpaceGb(v: number): SdkExtendedDeviceInfo;
  setDeviceTimeZone(v: string): SdkExtendedDeviceInfo;
}

export interface SdkAppData {
  setApplicationTrackingEnabled(v: boolean): SdkAppData;
  setAdvertiserTrackingEnabled(v: boolean): SdkAppData;
  setInstallReferrer(v: string): SdkAppData;
  setInstallerPackage(v: string): SdkAppData;
  setUrlSchemes(v: string[]): SdkAppData;
  /** The SDK's AppData.normalize() requires it (it calls extinfo.normalize() unconditionally). */
  setExtinfo(v: SdkExtendedDeviceInfo): SdkAppData;
}

export interface SdkServerEvent {
  setEventName(v: string): SdkServerEvent;
  setEventTime(v: number): SdkServerEvent;
  setEventId(v: string): SdkServerEvent;
  setActionSource(v: string): SdkServerEvent;
  setEventSourceUrl(v: string): SdkServerEvent;
  setOptOut(v: boolean): SdkServerEvent;
  setUserData(v: SdkUserData): SdkServerEvent;
  setCustomData(v: SdkCustomData): SdkServerEvent;
  setAppData(v: SdkAppData): SdkServerEvent;
  setDataProcessingOptions(v: string[]): SdkServerEvent;
  setDataProcessingOptionsCountry(v: number): SdkServerEvent;
  setDataProcessingOptionsState(v: number): SdkServerEvent;
  /** Puts `advertiser_tracking_enabled` on the event itself, a key Graph rejects there (meta-capi.md rule 9). */
  setAdvertiserTrackingEnabled(v: boolean): SdkServerEvent;
  normalize(): Record<string, unknown>;
}

/** The SDK's documented transport seam (`HttpServiceInterface`): it hands over the URL and the request it built. */
export interface SdkHttpService {
  executeRequest(url: string, method: string, headers: Record<string, string>, params: Record<string, unknown>): Promise<unknown>;
}

export interface SdkEventRequest {
  setEvents(v: SdkServerEvent[]): SdkEventRequest;
  setTestEventCode(v: string): SdkEventRequest;
  setHttpService(v: SdkHttpService): SdkEventRequest;
  execute(): Promise<unknown>;
}

export interface MetaSdk {
  FacebookAdsApi: { GRAPH: string; VERSION: string };
  ServerEvent: new () => SdkServerEvent;
  UserData: new () => SdkUserData;
  CustomData: new () => SdkCustomData;
  Content: new () => SdkContent;
  AppData: new () => SdkAppData;
  ExtendedDeviceInfo: new () => SdkExtendedDeviceInfo;
  EventRequest: new (token: string, pixelId: string) => SdkEventRequest;
}

export const metaSdk = createRequire(import.meta.url)('facebook-nodejs-business-sdk') as MetaSdk;

/** One request the SDK made through `emulatorHttpService`, and Graph's (the emulator's) answer. */
export interface SdkExchange {
  url: string;
  /** The JSON body exactly as sent. */
  sent: Record<string, unknown>;
  status: number;
  answer: unknown;
}

/** A non-200 Graph answer, as the SDK's own transport rejects with one (FacebookRequestError). */
export class GraphAnswerError extends Error {
  constructor(readonly exchange: SdkExchange) {
    super(`Graph answered ${exchange.status}: ${JSON.stringify(exchange.answer).slice(0, 300)}`);
  }
}

/**
 * An HttpServiceInterface that points the SDK at the emulator. The SDK builds its URL from the hard-wired
 * FacebookAdsApi.GRAPH (https://graph.facebook.com), so only that prefix is replaced; the body is the SDK's own
 * request serialized as its default transport (axios) serializes it: JSON, unset options kept as `null`.
 */
export function emulatorHttpService(graphUrl: string, exchanges: SdkExchange[] = []): SdkHttpService {
  return {
    async executeRequest(url, method, headers, params) {
      if (!url.startsWith(`${metaSdk.FacebookAdsApi.GRAPH}/`)) throw new Error(`unexpected SDK URL ${url}`);
      const target = graphUrl + url.slice(metaSdk.FacebookAdsApi.GRAPH.length);
      const body = JSON.stringify(params);
      const res = await request(target, { method: method as 'POST', headers, body });
      const exchange: SdkExchange = { url: target, sent: JSON.parse(body) as Record<string, unknown>, status: res.statusCode, answer: await res.body.json() };
      exchanges.push(exchange);
      if (res.statusCode !== 200) throw new GraphAnswerError(exchange);
      return exchange.answer;
    },
  };
}
