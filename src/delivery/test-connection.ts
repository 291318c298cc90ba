import type { GraphClient } from './graph-client.js';

export type ConnectionReport = { ok: true; pixelId: string; name: string; message: string } | { ok: false; problem: 'token' | 'pixel' | 'permission' | 'network' | 'unknown'; message: string };

function graphError(body: unknown): { code?: number; subcode?: number; message?: string } {
  if (body && typeof body === 'object' && 'error' in body) {
    const e = (body as { error: Record<string, unknown> }).error;
    const out: { code?: number; subcode?: number; message?: string } = {};
    if (typeof e.code === 'number') out.code = e.code;
    if (typeof e.error_subcode === 'number') out.subcode = e.error_subcode;
    if (typeof e.message === 'string') out.message = e.message;
    return out;
  }
  return {};
}

/**
 * Asks Meta for the pixel (`GET /{pixel}?fields=id,name`) and says "verified" or exactly what is wrong.
 * `version` is the pixel's own Graph API version (the client's default when omitted).
 */
export async function testConnection(graph: GraphClient, pixelId: string, token: string, version?: string): Promise<ConnectionReport> {
  const r = await graph.getPixel(pixelId, token, version);
  if ('networkError' in r) return { ok: false, problem: 'network', message: `Meta could not be reached: ${r.networkError}` };
  if (r.status === 200 && r.body && typeof r.body === 'object' && 'id' in r.body) {
    const name = String((r.body as { name?: unknown }).name ?? '');
    return { ok: true, pixelId, name, message: `verified: ${name}` };
  }
  const e = graphError(r.body);
  const detail = e.message ? ` (Meta: ${e.message})` : '';
  if (e.code === 190 || e.code === 102) return { ok: false, problem: 'token', message: `the access token is invalid or expired: generate a new one in Events Manager${detail}` };
  if (e.code === 100 && e.subcode === 33) return { ok: false, problem: 'pixel', message: `pixel ${pixelId} does not exist or this token cannot see it${detail}` };
  if (e.code === 10 || (e.code !== undefined && e.code >= 200 && e.code <= 299)) return { ok: false, problem: 'permission', message: `the token lacks permission on pixel ${pixelId}${detail}` };
  return { ok: false, problem: 'unknown', message: `unexpected answer HTTP ${r.status}${detail}` };
}
