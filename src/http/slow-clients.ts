/**
 * Slow, stalled and unauthenticated clients. Credentials are checked on the headers (each route's
 * onRequest), so a request refused there never has its body buffered; what this module adds:
 * - deadlines: a request's headers and whole body must arrive within requestTimeoutMs (headers within
 *   10 s of it), else it is answered 408 and its connection closed;
 * - closing after an early answer: a request answered before its body was read (401, 404 for an unknown
 *   webhook source, 413 on Content-Length) does not keep its connection. Destroying the socket at once
 *   would make the kernel reset it while unread body bytes are queued, and a reset can discard the answer
 *   before the client reads it; so the relay half-closes (FIN after the answer), discards what still
 *   arrives for a short linger, then closes;
 * - malformed HTTP and timeouts answered in the registry's `{"error": {"code", "message"}}` shape.
 */
import type { ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { errorBody, HTTP_ERRORS, type HttpErrorCode } from './errors.js';

/** How long an early-answered connection may still send (discarded) before it is destroyed. */
export const EARLY_CLOSE_LINGER_MS = 2000;

/** The Fastify and http.Server options that put deadlines on every request. */
export function requestTimeouts(requestTimeoutMs: number): { requestTimeout: number; http: ServerOptions; clientErrorHandler: (err: Error & { code?: string }, socket: Socket) => void } {
  return {
    requestTimeout: requestTimeoutMs,
    http: {
      headersTimeout: Math.min(10_000, requestTimeoutMs),
      // Node checks the deadlines on this interval (default 30 s, which would let a 1 s timeout run 31 s).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(requestTimeoutMs / 4))),
    },
    clientErrorHandler,
  };
}

function lingeringClose(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end();
  const timer = setTimeout(() => socket.destroy(), EARLY_CLOSE_LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** Adds the root hook that closes every connection whose request was answered before its body arrived. */
export function registerEarlyClose(app: FastifyInstance): void {
  app.addHook('onResponse', (req, _reply, done) => {
    // light-my-request (inject) has no real socket to close.
    if (!req.raw.complete && typeof (req.raw.socket as Partial<Socket> | null)?.end === 'function') lingeringClose(req.raw.socket);
    done();
  });
}

/** Node's 'clientError' (a deadline passed, headers too large, not HTTP at all): answer in our shape, then close. */
function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code: HttpErrorCode = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'malformed_request';
  const status = HTTP_ERRORS[code].status;
  const body = JSON.stringify(errorBody(code));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  lingeringClose(socket);
}
