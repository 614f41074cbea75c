/** Protocol params → query objects, for the GET routes whose input travels in the query string. */
import type { FileRecallParams, ListParams } from '../schemas.js';
import type { QueryValue } from './endpoint.js';
import type { LIST_QUERY } from './routes.js';

const str = (n: number | undefined): string | undefined => (n === undefined ? undefined : String(n));

/** GET /v1/memories: the filter's lists become repeated `tag` and `source` parameters. */
export function listQuery(p: ListParams): Record<(typeof LIST_QUERY)[number], QueryValue> {
  const f = p.filter;
  return {
    space: p.space,
    limit: str(p.limit),
    cursor: p.cursor,
    tag: f?.tags,
    source: f?.sourceKinds,
    since: f?.since,
    until: f?.until,
    repo: f?.repo,
    path: f?.path,
    stale: f?.stale === undefined ? undefined : String(f.stale),
  };
}

/** GET /v1/memories/for-file. */
export function forFileQuery(p: FileRecallParams): Record<keyof FileRecallParams, QueryValue> {
  return { path: p.path, repo: p.repo, space: p.space, limit: str(p.limit) };
}
