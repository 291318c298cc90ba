/**
 * The baseline of (e): a bare route on the project's own Fastify, in its own process like the relay. It parses
 * the JSON body (Fastify's parser, the relay's body limit) and answers 202 with a one-result body of the relay's
 * shape: the least any HTTP ingest endpoint of this stack does per request. Prints its URL as one JSON line.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.post('/v1/events', async (req, reply) => {
  const body = req.body as { events?: { event_id?: unknown }[] } | null;
  const id = body?.events?.[0]?.event_id ?? null;
  return reply.status(202).send({ results: [{ event_id: id, status: 'accepted' }] });
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
