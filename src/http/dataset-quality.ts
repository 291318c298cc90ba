/**
 * Meta's own Event Match Quality for the match-quality report (meta-capi.md §7, emulator rule 35), asked
 * through the Graph client. Never throws: every failure becomes "unavailable" with the reason a person can act on.
 */
import { graphErrorOf, type GraphClient } from '../delivery/graph-client.js';
import type { MetaDatasetQuality } from '../reports/index.js';

export type DatasetQualityAnswer =
  | { status: 'available'; datasetId: string; answer: MetaDatasetQuality }
  | { status: 'unavailable'; datasetId: string | null; reason: string };

/** Says why Meta refused, in the terms of what to fix (token, permission, dataset). */
function reasonFor(status: number, body: unknown): string {
  const e = graphErrorOf(body);
  const detail = e.message ? ` (Meta: ${e.message})` : '';
  switch (e.problem) {
    case 'token':
      return `the access token is invalid or expired${detail}`;
    case 'permission':
      return `the token may not read dataset quality: it needs ads_read and ads_management or business_management${detail}`;
    case 'unknown_object':
      return `this token cannot see the dataset${detail}`;
    case 'other':
      return `Meta answered HTTP ${status}${detail}`;
  }
}

function isDatasetQuality(body: unknown): body is MetaDatasetQuality {
  return !!body && typeof body === 'object' && Array.isArray((body as { web?: unknown }).web);
}

/** Asks Meta for a dataset's quality with the pixel's token and Graph API version (the client's default when omitted). */
export async function fetchDatasetQuality(graph: GraphClient, datasetId: string, token: string, version?: string | null): Promise<DatasetQualityAnswer> {
  const r = await graph.getDatasetQuality(datasetId, token, version);
  // The client has already replaced the token in a network error's text.
  if ('networkError' in r) return { status: 'unavailable', datasetId, reason: `Meta could not be reached: ${r.networkError}` };
  if (r.status === 200 && isDatasetQuality(r.body)) return { status: 'available', datasetId, answer: r.body };
  return { status: 'unavailable', datasetId, reason: reasonFor(r.status, r.body) };
}
