/**
 * A real HTTP server on loopback that answers the Qdrant REST calls Kairos makes, with Qdrant's
 * envelopes and status codes, over an in-memory model of collections, aliases and points. No
 * Qdrant runs on this machine; the contract suite (QDRANT_URL) covers the real server.
 *
 * What it holds the client to:
 * - every request is checked against the REST API of the version it reports (qdrantSchema.ts):
 *   a problem is recorded in `violations` and answered 400, as Qdrant answers a malformed body;
 * - strict mode as on Qdrant Cloud: a filter (or order_by) on a field without a payload index is
 *   a 400 "Index required but not found";
 * - ties in a search come back in random order (Qdrant's order among equal scores is unstable).
 *
 * Emulated: match value/any/except, range, has_id, nested must/should/must_not; dense cosine
 * and sparse dot product with IDF (ln((N - n + 0.5) / (n + 0.5) + 1), over the collection or
 * `params.idf.corpus`); upsert `update_filter` / `update_mode`. No prefetch, no fusion.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { qdrantRequestCheck, type QDRANT_SPEC_VERSIONS } from './qdrantSchema.js';

type Payload = Record<string, unknown>;
type Sparse = { indices: number[]; values: number[] };
type Vectors = Record<string, number[] | Sparse>;
type Filter = { must?: Cond | Cond[]; should?: Cond | Cond[]; must_not?: Cond | Cond[]; min_should?: unknown };
type Cond = Filter & {
  key?: string;
  match?: { value?: unknown; any?: unknown[]; except?: unknown[] };
  range?: { gt?: number; gte?: number; lt?: number; lte?: number };
  has_id?: Array<string | number>;
};

export interface QdrantPoint {
  id: string;
  payload: Payload;
  vector: Vectors;
}

export interface QdrantCollection {
  name: string;
  vectors: unknown;
  sparse: unknown;
  metadata: Payload;
  indexes: Map<string, unknown>;
  points: Map<string, QdrantPoint>;
}

export interface RecordedCall {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  body: any;
  status: number;
  /** The error message answered, if any. */
  error?: string;
}

/** Runs before the model answers; returning a value answers with it instead. */
export type Interceptor = (call: RecordedCall) => void | { status: number; error: string } | Promise<void | { status: number; error: string }>;

export interface FakeQdrant {
  url: string;
  version: string;
  calls: RecordedCall[];
  /** Requests the targeted API version would not accept, with what is wrong. */
  violations: string[];
  collections: Map<string, QdrantCollection>;
  aliases: Map<string, string>;
  /** Interceptors run in order for every request (remove one with the function returned). */
  intercept(fn: Interceptor): () => void;
  /** The collection a name (or alias) points at. */
  collection(name: string): QdrantCollection | undefined;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const normId = (id: unknown): string => String(id).toLowerCase();

function requireIndexes(c: QdrantCollection, filter: Filter | undefined | null): void {
  if (!filter) return;
  for (const cond of [...list(filter.must), ...list(filter.should), ...list(filter.must_not)]) {
    if (cond.key !== undefined) {
      if (!c.indexes.has(cond.key)) {
        throw new HttpError(
          400,
          `Bad request: Index required but not found for "${cond.key}" of one of the following types: [keyword, integer]. Help: Create an index for this key or use a different filter.`,
        );
      }
    } else if (!cond.has_id) requireIndexes(c, cond);
  }
}

/** Values at a dotted key, as Qdrant reads nested payload: objects are walked, arrays flattened. */
function payloadValues(payload: Payload, key: string): unknown[] {
  let current: unknown[] = [payload];
  for (const part of key.split('.')) {
    current = current.flatMap((v) => (v && typeof v === 'object' && !Array.isArray(v) ? [(v as Record<string, unknown>)[part]] : []));
    current = current.flatMap((v) => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]));
  }
  return current;
}

function condMatches(p: QdrantPoint, cond: Cond): boolean {
  if (cond.has_id) return cond.has_id.map(normId).includes(p.id);
  if (cond.key === undefined) return filterMatches(p, cond);
  const values = payloadValues(p.payload, cond.key);
  if (cond.match) {
    const m = cond.match;
    if ('value' in m) return values.some((v) => v === m.value);
    if (m.any) return values.some((v) => m.any!.includes(v));
    if (m.except) return values.length > 0 && values.every((v) => !m.except!.includes(v));
  }
  if (cond.range) {
    const r = cond.range;
    return values.some(
      (v) =>
        typeof v === 'number' &&
        (r.gt === undefined || v > r.gt) &&
        (r.gte === undefined || v >= r.gte) &&
        (r.lt === undefined || v < r.lt) &&
        (r.lte === undefined || v <= r.lte),
    );
  }
  throw new HttpError(400, `fake Qdrant: condition not emulated: ${JSON.stringify(cond)}`);
}

function filterMatches(p: QdrantPoint, f: Filter | undefined | null): boolean {
  if (!f) return true;
  const should = list(f.should);
  return (
    list(f.must).every((c) => condMatches(p, c)) &&
    list(f.must_not).every((c) => !condMatches(p, c)) &&
    (should.length === 0 || should.some((c) => condMatches(p, c)))
  );
}

function selectPayload(payload: Payload, sel: unknown): Payload | null {
  if (sel === false || sel === undefined || sel === null) return null;
  if (sel === true) return structuredClone(payload);
  const pick = (keys: string[]): Payload => Object.fromEntries(Object.entries(payload).filter(([k]) => keys.includes(k)));
  if (Array.isArray(sel)) return structuredClone(pick(sel as string[]));
  const s = sel as { include?: string[]; exclude?: string[] };
  if (s.include) return structuredClone(pick(s.include));
  if (s.exclude) return structuredClone(Object.fromEntries(Object.entries(payload).filter(([k]) => !s.exclude!.includes(k))));
  return structuredClone(payload);
}

function selectVector(v: Vectors, sel: unknown): Vectors | undefined {
  if (!sel) return undefined;
  if (sel === true) return structuredClone(v);
  return structuredClone(Object.fromEntries(Object.entries(v).filter(([k]) => (sel as string[]).includes(k))));
}

function record(p: QdrantPoint, body: { with_payload?: unknown; with_vector?: unknown }, defaultPayload: unknown): Record<string, unknown> {
  const vector = selectVector(p.vector, body.with_vector);
  return { id: p.id, payload: selectPayload(p.payload, body.with_payload ?? defaultPayload), ...(vector ? { vector } : {}) };
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * (b[i] ?? 0);
    na += a[i]! * a[i]!;
    nb += (b[i] ?? 0) * (b[i] ?? 0);
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function shuffleTies<T extends { score: number }>(hits: T[]): T[] {
  const shuffled = hits.map((h) => ({ h, r: Math.random() }));
  shuffled.sort((a, b) => b.h.score - a.h.score || a.r - b.r);
  return shuffled.map((s) => s.h);
}

export function startFakeQdrant(
  opts: { version?: (typeof QDRANT_SPEC_VERSIONS)[number] | string; check?: (typeof QDRANT_SPEC_VERSIONS)[number] } = {},
): Promise<FakeQdrant> {
  const version = opts.version ?? '1.17.0';
  const check = qdrantRequestCheck(opts.check ?? (version === '1.19.0' ? '1.19.0' : '1.17.0'));
  const collections = new Map<string, QdrantCollection>();
  const aliases = new Map<string, string>();
  const calls: RecordedCall[] = [];
  const violations: string[] = [];
  const interceptors: Interceptor[] = [];

  const resolve = (name: string): QdrantCollection | undefined => collections.get(aliases.get(name) ?? name);
  const need = (name: string): QdrantCollection => {
    const c = resolve(name);
    if (!c) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return c;
  };
  const op = { operation_id: 1, status: 'completed' };

  function upsert(
    c: QdrantCollection,
    body: { points: Array<{ id: unknown; vector: Vectors; payload?: Payload }>; update_filter?: Filter; update_mode?: string },
  ): unknown {
    requireIndexes(c, body.update_filter);
    for (const pt of body.points) {
      const id = normId(pt.id);
      const existing = c.points.get(id);
      if (existing && body.update_mode === 'insert_only') continue;
      if (!existing && body.update_mode === 'update_only') continue;
      if (existing && body.update_filter && !filterMatches(existing, body.update_filter)) continue;
      c.points.set(id, { id, payload: structuredClone(pt.payload ?? {}), vector: structuredClone(pt.vector) });
    }
    return op;
  }

  function selected(c: QdrantCollection, body: { points?: unknown[]; filter?: Filter }): QdrantPoint[] {
    if (body.points) return body.points.map(normId).flatMap((id) => (c.points.has(id) ? [c.points.get(id)!] : []));
    requireIndexes(c, body.filter);
    return [...c.points.values()].filter((p) => filterMatches(p, body.filter));
  }

  function setPayload(c: QdrantCollection, body: { payload: Payload; points?: unknown[]; filter?: Filter }): unknown {
    for (const p of selected(c, body)) Object.assign(p.payload, structuredClone(body.payload));
    return op;
  }

  function del(c: QdrantCollection, body: { points?: unknown[]; filter?: Filter }): unknown {
    for (const p of selected(c, body)) c.points.delete(p.id);
    return op;
  }

  function query(c: QdrantCollection, q: any): { points: unknown[] } {
    if (q.prefetch) throw new HttpError(400, 'fake Qdrant: prefetch is not emulated');
    requireIndexes(c, q.filter);
    const using = q.using as string;
    const candidates = [...c.points.values()].filter((p) => filterMatches(p, q.filter) && p.vector[using] !== undefined);
    let scored: Array<{ p: QdrantPoint; score: number }>;
    if (Array.isArray(q.query)) {
      scored = candidates.map((p) => ({ p, score: cosine(q.query, p.vector[using] as number[]) }));
    } else {
      const corpusFilter = q.params?.idf?.corpus as Filter | undefined;
      requireIndexes(c, corpusFilter);
      const corpus = [...c.points.values()].filter((p) => p.vector[using] !== undefined && filterMatches(p, corpusFilter));
      const df = (i: number): number => corpus.filter((p) => (p.vector[using] as Sparse).indices.includes(i)).length;
      const idf = new Map<number, number>((q.query as Sparse).indices.map((i) => [i, Math.log((corpus.length - df(i) + 0.5) / (df(i) + 0.5) + 1)]));
      scored = candidates.flatMap((p) => {
        const v = p.vector[using] as Sparse;
        let score = 0;
        let any = false;
        (q.query as Sparse).indices.forEach((i, k) => {
          const at = v.indices.indexOf(i);
          if (at >= 0) {
            any = true;
            score += (q.query as Sparse).values[k]! * idf.get(i)! * v.values[at]!;
          }
        });
        return any ? [{ p, score }] : [];
      });
    }
    const offset = q.offset ?? 0;
    const page = shuffleTies(scored).slice(offset, offset + (q.limit ?? 10));
    return { points: page.map(({ p, score }) => ({ ...record(p, q, false), version: 1, score })) };
  }

  function scroll(c: QdrantCollection, body: any): unknown {
    requireIndexes(c, body.filter);
    let pts = [...c.points.values()].filter((p) => filterMatches(p, body.filter));
    const limit = body.limit ?? 10;
    const order = typeof body.order_by === 'string' ? { key: body.order_by, direction: 'asc' } : body.order_by;
    if (order) {
      if (!c.indexes.has(order.key))
        throw new HttpError(400, `Bad request: No range index for \`order_by\` key: \`${order.key}\`. Please create one to use \`order_by\`.`);
      const sign = order.direction === 'desc' ? -1 : 1;
      pts = shuffleTies(pts.map((p) => ({ p, score: 0 }))).map((x) => x.p);
      pts.sort((a, b) => sign * (((a.payload[order.key] as number) ?? 0) - ((b.payload[order.key] as number) ?? 0)));
      return { points: pts.slice(0, limit).map((p) => record(p, body, true)), next_page_offset: null };
    }
    pts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (body.offset !== undefined && body.offset !== null) pts = pts.filter((p) => p.id >= normId(body.offset));
    return { points: pts.slice(0, limit).map((p) => record(p, body, true)), next_page_offset: pts[limit]?.id ?? null };
  }

  function info(c: QdrantCollection): unknown {
    return {
      status: 'green',
      optimizer_status: 'ok',
      segments_count: 1,
      points_count: c.points.size,
      indexed_vectors_count: 0,
      config: {
        params: { vectors: c.vectors, sparse_vectors: c.sparse, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
        optimizer_config: {},
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
        ...(Object.keys(c.metadata).length ? { metadata: structuredClone(c.metadata) } : {}),
      },
      payload_schema: Object.fromEntries(
        [...c.indexes].map(([field, schema]) => [
          field,
          { data_type: typeof schema === 'string' ? schema : (schema as { type: string }).type, points: c.points.size },
        ]),
      ),
    };
  }

  function aliasActions(body: { actions: any[] }): unknown {
    const next = new Map(aliases);
    for (const a of body.actions) {
      if (a.create_alias) {
        const { collection_name, alias_name } = a.create_alias;
        if (!collections.has(collection_name)) throw new HttpError(404, `Not found: Collection \`${collection_name}\` doesn't exist!`);
        if (next.has(alias_name) || collections.has(alias_name)) throw new HttpError(409, `Wrong input: Alias ${alias_name} already exists!`);
        next.set(alias_name, collection_name);
      } else if (a.delete_alias) {
        if (!next.delete(a.delete_alias.alias_name)) throw new HttpError(404, `Not found: Alias ${a.delete_alias.alias_name} doesn't exist!`);
      } else throw new HttpError(400, 'fake Qdrant: alias action not emulated');
    }
    aliases.clear();
    for (const [k, v] of next) aliases.set(k, v);
    return true;
  }

  function route(method: string, path: string, body: any): unknown {
    if (method === 'GET' && path === '/') return { title: 'qdrant - vector search engine', version, commit: 'fake' };
    if (method === 'GET' && path === '/collections') return { collections: [...collections.keys()].map((name) => ({ name })) };
    if (method === 'GET' && path === '/aliases') return { aliases: [...aliases].map(([alias_name, collection_name]) => ({ alias_name, collection_name })) };
    if (method === 'POST' && path === '/collections/aliases') return aliasActions(body);
    const m = /^\/collections\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) throw new HttpError(404, `fake Qdrant: no route ${method} ${path}`);
    const name = decodeURIComponent(m[1]!);
    const rest = m[2] ?? '';
    if (rest === '') {
      if (method === 'PUT') {
        if (collections.has(name) || aliases.has(name)) throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
        collections.set(name, {
          name,
          vectors: body.vectors,
          sparse: body.sparse_vectors,
          metadata: body.metadata ?? {},
          indexes: new Map(),
          points: new Map(),
        });
        return true;
      }
      if (method === 'GET') return info(need(name));
      if (method === 'PATCH') {
        Object.assign(need(name).metadata, body.metadata ?? {});
        return true;
      }
      if (method === 'DELETE') return collections.delete(name);
    }
    const c = need(name);
    if (method === 'PUT' && rest === '/index') {
      c.indexes.set(body.field_name, body.field_schema);
      return op;
    }
    if (method === 'PUT' && rest === '/points') return upsert(c, body);
    if (method === 'POST' && rest === '/points')
      return body.ids.map(normId).flatMap((id: string) => (c.points.has(id) ? [record(c.points.get(id)!, body, true)] : []));
    if (method === 'POST' && rest === '/points/delete') return del(c, body);
    if (method === 'POST' && rest === '/points/payload') return setPayload(c, body);
    if (method === 'POST' && rest === '/points/query') return query(c, body);
    if (method === 'POST' && rest === '/points/query/batch') return body.searches.map((q: unknown) => query(c, q));
    if (method === 'POST' && rest === '/points/scroll') return scroll(c, body);
    if (method === 'POST' && rest === '/points/count') {
      requireIndexes(c, body.filter);
      return { count: [...c.points.values()].filter((p) => filterMatches(p, body.filter)).length };
    }
    if (method === 'POST' && rest === '/points/batch') {
      return body.operations.map((o: any) => {
        if (o.upsert) return upsert(c, o.upsert);
        if (o.delete) return del(c, o.delete);
        if (o.set_payload) return setPayload(c, o.set_payload);
        throw new HttpError(400, 'fake Qdrant: batch operation not emulated');
      });
    }
    throw new HttpError(404, `fake Qdrant: no route ${method} ${path}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const call: RecordedCall = { method, path: url.pathname, query: url.searchParams, body: raw ? JSON.parse(raw) : undefined, status: 200 };
    calls.push(call);
    const send = (status: number, payload: unknown): void => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    try {
      const problems = check(method, url.pathname, url.searchParams, call.body);
      if (problems.length > 0) {
        violations.push(...problems);
        throw new HttpError(400, `Format error in JSON body: ${problems.join('; ')}`);
      }
      for (const fn of [...interceptors]) {
        const out = await fn(call);
        if (out) throw new HttpError(out.status, out.error);
      }
      const result = route(method, url.pathname, call.body);
      if (method === 'GET' && url.pathname === '/') return send(200, result);
      send(200, { result, status: 'ok', time: 0.0001 });
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      call.error = e instanceof Error ? e.message : String(e);
      send(status, { status: { error: e instanceof Error ? e.message : String(e) }, time: 0.0001 });
    }
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        version,
        calls,
        violations,
        collections,
        aliases,
        intercept(fn) {
          interceptors.push(fn);
          return () => void interceptors.splice(interceptors.indexOf(fn), 1);
        },
        collection: resolve,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}
