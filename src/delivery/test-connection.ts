import type { ConnectionReport } from '../core/admin-api.js';
import { graphErrorOf, type GraphClient } from './graph-client.js';

export type { ConnectionReport };

/**
 * Asks Meta for the pixel (`GET /{pixel}?fields=id,name`) and says "verified" or exactly what is wrong.
 * `version` is the pixel's own Graph API version (the client's default when omitted).
 */
export async function testConnection(graph: GraphClient, pixelId: string, token: string, version?: string | null): Promise<ConnectionReport> {
  const r = await graph.getPixel(pixelId, token, version);
  if ('networkError' in r) return { ok: false, problem: 'network', message: `Meta could not be reached: ${r.networkError}` };
  if (r.status === 200 && r.body && typeof r.body === 'object' && 'id' in r.body) {
    const name = String((r.body as { name?: unknown }).name ?? '');
    return { ok: true, pixelId, name, message: `verified: ${name}` };
  }
  const e = graphErrorOf(r.body);
  const detail = e.message ? ` (Meta: ${e.message})` : '';
  switch (e.problem) {
    case 'token':
      return { ok: false, problem: 'token', message: `the access token is invalid or expired: generate a new one in Events Manager${detail}` };
    case 'unknown_object':
      return { ok: false, problem: 'pixel', message: `pixel ${pixelId} does not exist or this token cannot see it${detail}` };
    case 'permission':
      return { ok: false, problem: 'permission', message: `the token lacks permission on pixel ${pixelId}${detail}` };
    case 'other':
      return { ok: false, problem: 'unknown', message: `unexpected answer HTTP ${r.status}${detail}` };
  }
}
