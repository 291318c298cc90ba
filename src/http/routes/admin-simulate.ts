/**
 * POST /api/v1/pixels/:id/simulate — "Simulate events": stores a realistic sample event marked
 * `simulated` and waits for Meta's answer for this pixel. Simulated events take the ordinary ingest and
 * delivery path, to the chosen pixel only, and the delivery engine sends them only with the pixel's Test
 * Event Code, in requests of their own (never mixed with live events). So a simulation can never count as
 * a real conversion, nor reach another pixel.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SimulateAnswer } from '../../core/admin-api.js';
import { SIMULATED_EVENT_NAMES, simulatedEvent } from '../../dashboard/simulated-events.js';
import type { AppDeps } from '../app.js';
import { HttpError } from '../errors.js';
import { describeRoute } from '../route-contract.js';

const simulateBody = z.object({ eventName: z.enum(SIMULATED_EVENT_NAMES, { message: `eventName must be one of ${SIMULATED_EVENT_NAMES.join(', ')}` }) }).strict();
const simulateRoute = describeRoute({
  summary: "Send a sample event to the pixel's Test Events",
  description: "Stored marked simulated and sent only with the pixel's Test Event Code, to this pixel only; waits up to 8 s for Meta's answer.",
  tags: ['Admin: events'],
  auth: 'admin',
  body: simulateBody,
  responses: {
    200: {
      description: "the event and Meta's answer (status sent, failed, dead, dropped, queued, not_sent or rejected)",
      schema: z.looseObject({ eventName: z.string(), eventId: z.string(), testEventCode: z.string(), status: z.string(), eventRowId: z.string().nullable().optional(), code: z.string().nullable().optional(), fbtraceId: z.string().nullable().optional(), eventsReceived: z.number().int().nullable().optional(), message: z.string().nullable() }),
    },
  },
  errors: ['not_found', 'no_test_event_code', 'pixel_not_active'],
});
/** Meta answers in well under a second; past this the page says "still queued" and the event log takes over. */
const ANSWER_WAIT_MS = 8000;
const SETTLED = new Set(['sent', 'failed', 'dead', 'dropped']);
/** How often the database is read again when no outcome of this process's engine woke the wait first. */
const FALLBACK_POLL_MS = 500;

export async function registerAdminSimulateRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.post('/pixels/:id/simulate', simulateRoute.options, async (req): Promise<SimulateAnswer> => {
    const { id } = req.params as { id: string };
    const { eventName } = simulateRoute.body(req);
    const pixel = await deps.tenants.getPixel(id);
    if (!pixel.testEventCode) throw new HttpError('no_test_event_code', `pixel ${pixel.pixelId} has no Test Event Code: copy one from Events Manager › Test Events and save it on the pixel first`);
    if (pixel.status !== 'active') throw new HttpError('pixel_not_active', `pixel ${pixel.pixelId} is ${pixel.status}${pixel.pauseReason ? ` (${pixel.pauseReason})` : ''}`);
    const tenant = await deps.tenants.getTenant(pixel.tenantId);
    const eventId = `sim-${randomUUID()}`;
    const [result] = await deps.ingest.ingest(tenant, [simulatedEvent(eventName, eventId, deps.ingest.now())], { source: 'simulate', simulated: true, onlyPixelRowId: pixel.id });
    const base = { eventName, eventId, testEventCode: pixel.testEventCode };
    if (!result || result.status === 'rejected') return { ...base, status: 'rejected', code: result?.code ?? null, message: result?.message ?? 'rejected' };
    const rowId = await deps.deliveryStatus.eventRowIdOf(tenant.id, eventId);
    // Stored but not queued: the policy dropped it, or a switch is off. Say why, as the event log will.
    if (result.status === 'skipped') return { ...base, eventRowId: rowId, status: 'not_sent', code: result.code, message: result.message ?? null };

    const deadline = Date.now() + ANSWER_WAIT_MS;
    for (;;) {
      // Listening before reading: an outcome recorded between the read and the wait still wakes it.
      const woken = deps.deliverySettled ? deps.deliverySettled.next(pixel.id, FALLBACK_POLL_MS) : sleep(FALLBACK_POLL_MS);
      const d = rowId ? await deps.deliveryStatus.deliveryOutcome(tenant.id, rowId, pixel.id) : null;
      if (d && SETTLED.has(d.status)) {
        const sent = d.status === 'sent';
        return { ...base, eventRowId: rowId, status: d.status, fbtraceId: d.fbtraceId, eventsReceived: d.eventsReceived, message: sent ? 'Meta received the event (Test Events)' : d.lastError };
      }
      if (Date.now() >= deadline) {
        return { ...base, eventRowId: rowId, status: d?.status ?? 'queued', fbtraceId: null, eventsReceived: null, message: 'no answer from Meta yet: watch the event log' };
      }
      // This process's engine wakes the wait as soon as it records an outcome for the pixel; the timeout reads
      // the database again, for a send by another node's engine.
      await woken;
    }
  });
}
