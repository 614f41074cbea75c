/**
 * REST client for the Kairos engine (local) or service (remote). The target (base URL + bearer)
 * is resolved per request, so a restarted engine or a refreshed session token is picked up
 * without rebuilding anything. Routes, schemas and the error mapping come from the shared REST
 * contract (protocol/rest/, protocol/restClient.ts): this class only supplies target and fetch.
 */
import type { Memory, MemoryWithHistory, Page, RememberResult } from '../core/memory.js';
import type { AnchorCheck } from '../core/code.js';
import type { FileRecallItem, ImportSummary, SpaceSearchHit } from '../core/memoryService.js';
import { ApiError, errorFromAnswer, unreachableError } from '../protocol/apiError.js';
import { queryString, type EndpointAnswer, type EndpointInput, type Method, type QueryValue } from '../protocol/rest/endpoint.js';
import { rest } from '../protocol/rest/endpoints.js';
import { forFileQuery, listQuery } from '../protocol/rest/query.js';
import { callEndpoint, sendEndpoint, type JsonEndpoint, type RestTarget } from '../protocol/restClient.js';
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

type Query = Record<string, QueryValue>;

export class KairosClient {
  constructor(
    private readonly target: TargetProvider,
    private readonly fetchFn: FetchFn = (i, init) => fetch(i, init),
  ) {}

  private async restTarget(): Promise<RestTarget> {
    const { baseUrl, token } = await this.target();
    return { base: baseUrl, headers: { Authorization: `Bearer ${token}` } };
  }

  /** One call of the REST contract (protocol/rest/endpoints.ts), answer checked. */
  async call<E extends JsonEndpoint>(ep: E, input: EndpointInput<E>): Promise<EndpointAnswer<E>> {
    return callEndpoint(this.fetchFn, await this.restTarget(), ep, input);
  }

  /** Sends one request outside the table and returns the raw Response; failures map as every call's do. */
  async send(method: Method, path: string, opts: { query?: Query; json?: unknown; body?: string; contentType?: string } = {}): Promise<Response> {
    const target = await this.restTarget();
    const headers: Record<string, string> = { Accept: 'application/json', ...target.headers };
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
      res = await this.fetchFn(`${target.base}${path}${queryString(opts.query)}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    } catch (e) {
      throw unreachableError(target.base, e);
    }
    if (!res.ok) throw errorFromAnswer(res.status, res.statusText, await res.text().catch(() => ''));
    return res;
  }

  async json<T>(method: Method, path: string, opts: { query?: Query; json?: unknown; body?: string; contentType?: string } = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    return (await res.json()) as T;
  }

  search(p: SearchParams): Promise<Page<SpaceSearchHit>> {
    return this.call(rest.search, { body: p });
  }

  list(p: ListParams): Promise<Page<Memory>> {
    return this.call(rest.list, { query: listQuery(p) });
  }

  /** Memories anchored or scoped to a repo-relative file, fresh first, then the repo's recent. */
  forFile(p: FileRecallParams): Promise<{ items: FileRecallItem[] }> {
    return this.call(rest.forFile, { query: forFileQuery(p) });
  }

  /** Records what comparing a memory's anchor with the code found (moved, stale, fresh again). */
  recordAnchorCheck(p: GetParams & { check: AnchorCheck; commit?: string | undefined }): Promise<Memory> {
    return this.call(rest.anchorCheck, { path: { id: p.id }, query: { space: p.space }, body: { check: p.check, ...(p.commit ? { commit: p.commit } : {}) } });
  }

  /** "Still true" at a commit: clears the stale mark. */
  verify(p: GetParams & { commit?: string | undefined }): Promise<Memory> {
    return this.call(rest.verify, { path: { id: p.id }, query: { space: p.space }, body: p.commit ? { commit: p.commit } : {} });
  }

  /** Points a memory's anchor at new lines (the code as it is now). */
  reanchor(p: GetParams & { to: { path: string; startLine: number; endLine: number; lines: string[]; commit?: string; repo?: string } }): Promise<Memory> {
    return this.call(rest.reanchor, { path: { id: p.id }, query: { space: p.space }, body: p.to });
  }

  get(p: GetParams): Promise<MemoryWithHistory> {
    return this.call(rest.get, { path: { id: p.id }, query: { space: p.space } });
  }

  create(p: RememberParams): Promise<RememberResult> {
    return this.call(rest.create, { body: p });
  }

  update(p: UpdateParams): Promise<Memory> {
    return this.call(rest.update, { path: { id: p.id }, query: { space: p.space }, body: p.patch });
  }

  restore(p: RestoreParams): Promise<Memory> {
    return this.call(rest.restore, { path: { id: p.id }, query: { space: p.space }, body: { version: p.version } });
  }

  delete(p: DeleteParams): Promise<{ id: string; space: string }> {
    return this.call(rest.delete, { path: { id: p.id }, query: { space: p.space } });
  }

  /** The whole export as NDJSON text (one ExportRecord per line). */
  async exportJsonl(p: ExportParams): Promise<string> {
    const res = await sendEndpoint(this.fetchFn, await this.restTarget(), rest.export, { query: { space: p.space } });
    return res.text();
  }

  import(content: string, format: ImportFormat, space?: string): Promise<ImportSummary> {
    return this.call(rest.import, { query: { space, format }, raw: content });
  }

  spaces(): Promise<SpaceInfo[]> {
    return this.call(rest.spaces, {});
  }

  settings(): Promise<SettingsView> {
    return this.call(rest.settings, {});
  }

  putSettings(update: SettingsUpdate): Promise<SettingsView> {
    return this.call(rest.putSettings, { body: update });
  }

  /**
   * "Delete All My Data" in one request: the local engine drops every space the user owns
   * (DELETE /v1/me/data); the shared service runs its GDPR delete of the account (DELETE /v1/me).
   */
  async deleteAllData(mode: 'local' | 'remote'): Promise<DeleteAllResult> {
    if (mode === 'local') {
      const r = await this.call(rest.deleteLocalData, {});
      return { memories: r.memories, spaces: r.spaces.map((s) => s.space) };
    }
    const r = await this.call(rest.deleteAccount, {});
    return { spaces: r.deletedSpaces };
  }

  me(): Promise<{ principal: { uid: string; via: string; displayName?: string }; spaces: SpaceInfo[] }> {
    return this.call(rest.me, {});
  }
}
