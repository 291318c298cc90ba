/**
 * A request answered before its body was read (401 on the headers, 404 for an unknown webhook source,
 * 413 on Content-Length) must not keep its connection: the client could hold it with the rest of a
 * 5 MiB body, or never finish. Destroying the socket at once would make the kernel reset it while
 * unread body bytes are queued, and a reset can discard the answer before the client reads it. So the
 * relay half-closes (FIN after the answer), discards what still arrives for a short linger, then closes.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** How long an early-answered connection may still send (discarded) before it is destroyed. */
export const EARLY_CLOSE_LINGER_MS = 2000;

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
