/**
 * Graceful shutdown with keep-alive clients. `app.close()` stops listening, closes the idle connections and
 * waits for the others; a request arriving after that is answered 503 with `Connection: close` by Fastify.
 * A request already in flight at that moment, though, is answered with keep-alive, and its connection then
 * stays open, idle, for keepAliveTimeout (72 s): the process cannot exit, and a rolling deploy SIGKILLs it
 * mid-shutdown, before delivery has recorded what it was sending. So every answer sent once closing has begun
 * says `Connection: close`, and Node closes the connection after it.
 */
import type { FastifyInstance } from 'fastify';

export function registerCloseOnShutdown(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
