/**
 * How an event's payload is kept in `events.payload` and turned back into the JSON sent to Meta, without
 * parsing it. IP address and user agent live in their own columns (erased once every pixel has settled), so
 * they must be put back into `user_data` at send time. Parsing 1000 payloads per batch and serializing them
 * again cost a third of the delivery's CPU and most of its short-lived heap; instead the payload is stored
 * with a fixed opening, `{"action_source":"…","user_data":{`, and the two fields are spliced in after it.
 * A payload without that opening (stored by an earlier version) takes the slow path: parse, add, serialize.
 */
import type { MetaServerEvent } from '../core/meta-event.js';

export interface StoredPayload {
  payload: string;
  clientIp: string | null;
  userAgent: string | null;
}

/** The event as stored: action_source and user_data first (IP and user agent taken out), then the rest. */
export function toStoredPayload(event: MetaServerEvent): StoredPayload {
  const { client_ip_address, client_user_agent, ...userData } = event.user_data;
  const { action_source, user_data: _dropped, ...rest } = event;
  return {
    payload: JSON.stringify({ action_source, user_data: userData, ...rest }),
    clientIp: typeof client_ip_address === 'string' ? client_ip_address : null,
    userAgent: typeof client_user_agent === 'string' ? client_user_agent : null,
  };
}

/** One event ready for a Graph request body, with what the engine decides on before sending. */
export interface WireEvent {
  json: string;
  actionSource: string | undefined;
}

// action_source values are a fixed vocabulary of lower-case words (the transform validates them).
const OPENING = /^\{"action_source":"([a-z_]+)","user_data":\{/;

/** The stored payload with IP and user agent put back into user_data, as the JSON text Meta receives. */
export function toWireEvent(payload: string, clientIp: string | null, userAgent: string | null): WireEvent {
  const opening = OPENING.exec(payload);
  if (!opening) return slowPath(payload, clientIp, userAgent);
  const clear: string[] = [];
  if (clientIp !== null) clear.push(`"client_ip_address":${JSON.stringify(clientIp)}`);
  if (userAgent !== null) clear.push(`"client_user_agent":${JSON.stringify(userAgent)}`);
  if (clear.length === 0) return { json: payload, actionSource: opening[1] };
  const at = opening[0].length;
  const emptyUserData = payload[at] === '}';
  return { json: `${payload.slice(0, at)}${clear.join(',')}${emptyUserData ? '' : ','}${payload.slice(at)}`, actionSource: opening[1] };
}

function slowPath(payload: string, clientIp: string | null, userAgent: string | null): WireEvent {
  const event = JSON.parse(payload) as MetaServerEvent;
  if (clientIp !== null) event.user_data.client_ip_address = clientIp;
  if (userAgent !== null) event.user_data.client_user_agent = userAgent;
  return { json: JSON.stringify(event), actionSource: event.action_source };
}
