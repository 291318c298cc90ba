/**
 * Control API under `/_emulator/` for tests and the sandbox: read/reset recorded events, arm/clear faults,
 * register pixels. Each route is a thin wrapper over an `EmulatorState` method.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { EmulatorState } from './state.js';

const count = z.number().int().min(0);
const faultSchema = z.strictObject({
  latencyMs: z.number().min(0).optional(),
  status5xx: z.union([count, z.strictObject({ count, status: z.union([z.literal(500), z.literal(503)]) })]).optional(),
  rateLimit: z
    .strictObject({ code: z.union([z.literal(4), z.literal(17), z.literal(32), z.literal(613)]), count })
    .optional(),
  timeout: z.union([count, z.strictObject({ count })]).optional(),
  expireToken: z.string().min(1).optional(),
  failProbability: z.number().min(0).max(1).optional(),
});
const pixelSchema = z.strictObject({ id: z.string().regex(/^\d+$/), name: z.string(), tokens: z.array(z.string().min(1)) });

/** Registers the `/_emulator/*` routes. */
export function registerControlRoutes(app: FastifyInstance, state: EmulatorState): void {
  app.get('/_emulator/events', (req) => {
    const q = req.query as { pixel_id?: string; test?: string };
    const test = q.test === 'true' || q.test === '1';
    const events = state.events({ ...(q.pixel_id ? { pixelId: q.pixel_id } : {}), test });
    return { events, count: events.length, accepted_total: state.acceptedTotal };
  });
  app.get('/_emulator/rejections', () => ({ rejections: state.rejections() }));
  app.get('/_emulator/lookups', () => ({ lookups: state.lookups() }));
  app.delete('/_emulator/events', () => {
    state.resetEvents();
    return { ok: true };
  });
  app.post('/_emulator/faults', async (req, reply) => {
    const parsed = faultSchema.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: { message: parsed.error.message } });
    return state.setFaults(parsed.data);
  });
  app.get('/_emulator/faults', () => ({ ...state.faults(), expiredTokens: [...state.expiredTokens] }));
  app.delete('/_emulator/faults', () => {
    state.clearFaults();
    return { ok: true };
  });
  app.post('/_emulator/pixels', async (req, reply) => {
    const parsed = pixelSchema.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: { message: parsed.error.message } });
    state.addPixel(parsed.data);
    return parsed.data;
  });
  app.get('/_emulator/pixels', () => ({
    pixels: [...state.pixels].map(([id, p]) => ({ id, name: p.name, tokens: [...p.tokens] })),
  }));
}
