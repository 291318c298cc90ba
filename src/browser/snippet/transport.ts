/** Posts one beacon to the relay's /v1/collect without ever throwing into the page. */
export function sendBeacon(endpoint: string, payload: object): void {
  const body = JSON.stringify(payload);
  const url = endpoint + '/v1/collect';
  // text/plain keeps the request "simple": no CORS preflight, and the beacon survives navigation.
  try {
    if (navigator.sendBeacon && navigator.sendBeacon(url, new Blob([body], { type: 'text/plain;charset=UTF-8' }))) return;
  } catch {
    // fall through to fetch
  }
  if (typeof fetch === 'function') {
    fetch(url, { method: 'POST', body, keepalive: true, credentials: 'omit', headers: { 'Content-Type': 'text/plain;charset=UTF-8' } })
      .catch(() => {
        // the relay is down: the Pixel copy still went
      });
  }
}
