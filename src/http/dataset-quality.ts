/**
 * Meta's own Event Match Quality: `GET /{v}/dataset_quality?dataset_id=…` (meta-capi.md §7, emulator rule
 * 35). Never throws: every failure becomes "unavailable" with the reason a person can act on.
 */
import { request } from 'undici';
import type { MetaDatasetQuality } from '../reports/index.js';

export type DatasetQualityAnswer =
  | { status: 'available'; datasetId: string; answer: MetaDatasetQuality }
  | { status: 'unavailable'; datasetId: string | null; reason: string };

// Only the fields the match-quality report reads (Graph returns nothing else unasked).
const FIELDS = 'web{event_name,event_match_quality{composite_score,match_key_feedback{identifier,coverage{percentage}}}}';

function graphError(body: unknown): { code?: number; subcode?: number; message?: string } {
  if (!body || typeof body !== 'object' || !('error' in body)) return {};
  const e = (body as { error: Record<string, unknown> }).error;
  return {
    ...(typeof e.code === 'number' ? { code: e.code } : {}),
    ...(typeof e.error_subcode === 'number' ? { subcode: e.error_subcode } : {}),
    ...(typeof e.message === 'string' ? { message: e.message } : {}),
  };
}

/** Says why Meta refused, in the terms of what to fix (token, permission, dataset). */
function reasonFor(status: number, body: unknown): string {
  const e = graphError(body);
  const detail = e.message ? ` (Meta: ${e.message})` : '';
  if (e.code === 190 || e.code === 102) return `the access token is invalid or expired${detail}`;
  if (e.code === 10 || (e.code !== undefined && e.code >= 200 && e.code <= 299)) {
    return `the token may not read dataset quality: it needs ads_read and ads_management or business_management${detail}`;
  }
  if (e.code === 100 && e.subcode === 33) return `this token cannot see the dataset${detail}`;
  return `Meta answered HTTP ${status}${detail}`;
}

function isDatasetQuality(body: unknown): body is MetaDatasetQuality {
  return !!body && typeof body === 'object' && Array.isArray((body as { web?: unknown }).web);
}

/** Asks Meta for a dataset's quality with the pixel's token; the token travels only in `Authorization`. */
export async function fetchDatasetQuality(
  graph: { baseUrl: string; version: string },
  datasetId: string,
  token: string,
  timeoutMs = 10_000,
): Promise<DatasetQualityAnswer> {
  const url = new URL(`${graph.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(graph.version)}/dataset_quality`);
  url.searchParams.set('dataset_id', datasetId);
  url.searchParams.set('fields', FIELDS);
  try {
    const res = await request(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.body.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // A proxy's HTML error page: the status says enough.
    }
    if (res.statusCode === 200 && isDatasetQuality(body)) return { status: 'available', datasetId, answer: body };
    return { status: 'unavailable', datasetId, reason: reasonFor(res.statusCode, body) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { status: 'unavailable', datasetId, reason: `Meta could not be reached: ${message.split(token).join('[token]')}` };
  }
}
