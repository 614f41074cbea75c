/**
 * REST client for the Kairos engine (local) or service (remote). The target (base URL + bearer)
 * is resolved per request, so a restarted engine or a refreshed session token is picked up
 * without rebuilding anything. Errors keep the server's code and message.
 */
import type { Memory, MemoryWithHistory, Page, RememberResult } from '../core/memory.js';
import type { AnchorCheck } from '../core/code.js';
import type { FileRecallItem, ImportSummary, SpaceSearchHit } from '../core/memoryService.js';
import { ApiError, errorBodyFields } from '../protocol/apiError.js';
import type { SettingsUpdate, SettingsView, SpaceInfo } from '../protocol/messages.js';
import type {
  DeleteParams,
  ExportParams,
  FileRecallParams,
  GetParams,
  ImportFormat,
  ListParams,
  RememberParams,
  RestoreParams,
  SearchParams,
  UpdateParams,
} from '../protocol/schemas.js';

export interface ApiTarget {
  baseUrl: string;
  token: string;
}

export type TargetProvider = () => Promise<ApiTarget>;
export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

/** An error answered by the server (`code` from its body) or raised reaching it. */
export { ApiError };

/** What "Delete All My Data" removed; the service does not count memories. */
export interface DeleteAllResult {
  memories?: number;
  spaces: string[];
}

type Query = Record<string, string | string[] | undefined>;

function queryString(q: Query | undefined): string {
  if (!q) return '';
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) sp.append(k, item);
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

export class KairosClient {
  constructor(
    private readonly target: TargetProvider,
    private readonly fetchFn: FetchFn = (i, init) => fetch(i, init),
  ) {}

  /** Sends one request and returns the raw Response after mapping error statuses to ApiError. */
  async send(method: string, path: string, opts: { query?: Query; json?: unknown; body?: string; contentType?: string } = {}): Promise<Response> {
    const { baseUrl, token } = await this.target();
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    let body: string | undefined;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'text/plain';
      body = opts.body;
    }
    let res: Response;
    try {
      res = await this.fetchFn(`${baseUrl}${path}${queryString(opts.query)}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    } catch (e) {
      throw new ApiError('unreachable', `Kairos at ${baseUrl} did not answer (${e instanceof Error ? e.message : String(e)}).`, 0);
    }
    if (!res.ok) throw await toApiError(res);
    return res;
  }

  async json<T>(method: string, path: string, opts: { query?: Query; json?: unknown; body?: string; contentType?: string } = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    return (await res.json()) as T;
  }

  search(p: SearchParams): Promise<Page<SpaceSearchHit>> {
    return this.json('POST', '/v1/search', { json: p });
  }

  list(p: ListParams): Promise<Page<Memory>> {
    return this.json('GET', '/v1/memories', {
      query: {
        space: p.space,
        limit: p.limit?.toString(),
        cursor: p.cursor,
        tag: p.filter?.tags,
        source: p.filter?.sourceKinds,
        since: p.filter?.since,
        until: p.filter?.until,
        repo: p.filter?.repo,
        path: p.filter?.path,
        stale: p.filter?.stale === undefined ? undefined : String(p.filter.stale),
      },
    });
  }

  /** Memories anchored or scoped to a repo-relative file, fresh first, then the repo's recent. */
  forFile(p: FileRecallParams): Promise<{ items: FileRecallItem[] }> {
    return this.json('GET', '/v1/memories/for-file', { query: { path: p.path, repo: p.repo, space: p.space, limit: p.limit?.toString() } });
  }

  /** Records what comparing a memory's anchor with the code found (moved, stale, fresh again). */
  recordAnchorCheck(p: GetParams & { check: AnchorCheck; commit?: string | undefined }): Promise<Memory> {
    return this.json('POST', `/v1/memories/${encodeURIComponent(p.id)}/anchor-check`, { query: { space: p.space }, json: { check: p.check, ...(p.commit ? { commit: p.commit } : {}) } });
  }

  /** "Still true" at a commit: clears the stale mark. */
  verify(p: GetParams & { commit?: string | undefined }): Promise<Memory> {
    return this.json('POST', `/v1/memories/${encodeURIComponent(p.id)}/verify`, { query: { space: p.space }, json: p.commit ? { commit: p.commit } : {} });
  }

  /** Points a memory's anchor at new lines (the code as it is now). */
  reanchor(p: GetParams & { to: { path: string; startLine: number; endLine: number; lines: string[]; commit?: string; repo?: string } }): Promise<Memory> {
    return this.json('POST', `/v1/memories/${encodeURIComponent(p.id)}/reanchor`, { query: { space: p.space }, json: p.to });
  }

  get(p: GetParams): Promise<MemoryWithHistory> {
    return this.json('GET', `/v1/memories/${encodeURIComponent(p.id)}`, { query: { space: p.space } });
  }

  create(p: RememberParams): Promise<RememberResult> {
    return this.json('POST', '/v1/memories', { json: p });
  }

  update(p: UpdateParams): Promise<Memory> {
    return this.json('PATCH', `/v1/memories/${encodeURIComponent(p.id)}`, { query: { space: p.space }, json: p.patch });
  }

  restore(p: RestoreParams): Promise<Memory> {
    return this.json('POST', `/v1/memories/${encodeURIComponent(p.id)}/restore`, { query: { space: p.space }, json: { version: p.version } });
  }

  delete(p: DeleteParams): Promise<{ id: string; space: string }> {
    return this.json('DELETE', `/v1/memories/${encodeURIComponent(p.id)}`, { query: { space: p.space } });
  }

  /** The whole export as NDJSON text (one ExportRecord per line). */
  async exportJsonl(p: ExportParams): Promise<string> {
    const res = await this.send('GET', '/v1/export', { query: { space: p.space } });
    return res.text();
  }

  import(content: string, format: ImportFormat, space?: string): Promise<ImportSummary> {
    return this.json('POST', '/v1/import', { query: { space, format }, body: content, contentType: 'application/x-ndjson' });
  }

  spaces(): Promise<SpaceInfo[]> {
    return this.json('GET', '/v1/spaces');
  }

  settings(): Promise<SettingsView> {
    return this.json('GET', '/v1/settings');
  }

  putSettings(update: SettingsUpdate): Promise<SettingsView> {
    return this.json('PUT', '/v1/settings', { json: update });
  }

  /**
   * "Delete All My Data" in one request: the local engine drops every space the user owns
   * (DELETE /v1/me/data); the shared service runs its GDPR delete of the account (DELETE /v1/me).
   */
  async deleteAllData(mode: 'local' | 'remote'): Promise<DeleteAllResult> {
    if (mode === 'local') {
      const r = await this.json<{ memories: number; spaces: Array<{ space: string }> }>('DELETE', '/v1/me/data');
      return { memories: r.memories, spaces: r.spaces.map((s) => s.space) };
    }
    const r = await this.json<{ deletedSpaces: string[] }>('DELETE', '/v1/me');
    return { spaces: r.deletedSpaces };
  }

  me(): Promise<{ principal: { uid: string; via: string; displayName?: string }; spaces: SpaceInfo[] }> {
    return this.json('GET', '/v1/me');
  }
}

async function toApiError(res: Response): Promise<ApiError> {
  let code = res.status === 401 ? 'unauthorized' : res.status === 404 ? 'not_found' : 'http_error';
  let message = `Kairos answered ${res.status} ${res.statusText}.`;
  try {
    const err = errorBodyFields(await res.json());
    code = err.code ?? code;
    message = err.message ?? message;
  } catch {
    // Not our JSON error body (a proxy page, say): the status line is all we have.
  }
  return new ApiError(code, message, res.status);
}
