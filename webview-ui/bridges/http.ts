/**
 * The console's bridge: each protocol request becomes a call to the /v1 REST API, with the
 * session cookie (sent by the browser) and the CSRF header on state-changing requests.
 * Host events arrive over Server-Sent Events from /v1/events; when the stream breaks, the bridge
 * reopens it with back-off and the last event id, so the server replays what was missed.
 */
import type { MemoryFilter } from '../../src/core/memory.js';
import {
  assertNever,
  BridgeError,
  type Bridge,
  type HostEvent,
  type RequestMap,
  type RequestType,
} from '../../src/protocol/messages.js';

/** A frame as EventSource hands it over: `lastEventId` is the id of the latest frame that had one. */
export interface EventFrame {
  data: string;
  lastEventId?: string;
}

/** The part of EventSource the bridge uses; Node tests pass their own implementation. */
export interface EventSourceLike {
  onmessage: ((e: EventFrame) => void) | null;
  onopen?: (() => void) | null;
  onerror?: (() => void) | null;
  addEventListener(type: string, listener: (e: EventFrame) => void): void;
  close(): void;
}

/** Reconnection delays: doubled after each failed try, back to the minimum once a stream opens. */
export const EVENT_RETRY = { minMs: 500, maxMs: 15_000 };

export interface HttpBridgeOptions {
  /** Origin (and optional prefix) of the server; default: the page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Opens the event stream; default: the browser's EventSource. */
  openEvents?: (url: string) => EventSourceLike;
  /** Where `pagehide` is heard, to commit held deletes when the page is left; default: window. */
  lifecycle?: Pick<Window, 'addEventListener'>;
  /** Schedules a reconnection; default: setTimeout. */
  schedule?: (run: () => void, ms: number) => void;
}

interface HttpCall {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: URLSearchParams;
  json?: unknown;
  /** Sent as-is (import files). */
  raw?: string;
  /** The answer is a body of text, not JSON (export). */
  text?: boolean;
}

const EVENT_TYPES: ReadonlyArray<HostEvent['type']> = ['memoryChanged', 'authChanged', 'embedderChanged', 'focusSearch', 'showMemory'];

function spaceQuery(space: string | undefined): URLSearchParams {
  const q = new URLSearchParams();
  if (space) q.set('space', space);
  return q;
}

function filterQuery(q: URLSearchParams, filter: MemoryFilter | undefined): URLSearchParams {
  for (const t of filter?.tags ?? []) q.append('tag', t);
  for (const s of filter?.sourceKinds ?? []) q.append('source', s);
  if (filter?.since) q.set('since', filter.since);
  if (filter?.until) q.set('until', filter.until);
  if (filter?.repo) q.set('repo', filter.repo);
  if (filter?.path) q.set('path', filter.path);
  if (filter?.stale !== undefined) q.set('stale', String(filter.stale));
  return q;
}

const memoryPath = (id: string): string => `/v1/memories/${encodeURIComponent(id)}`;

/** Maps one protocol request to its REST route (docs/rest-api.md). */
export function toHttpCall<K extends RequestType>(type: K, params: RequestMap[K]['params']): HttpCall {
  const req = { type, params } as { [T in RequestType]: { type: T; params: RequestMap[T]['params'] } }[RequestType];
  switch (req.type) {
    case 'search':
      return { method: 'POST', path: '/v1/search', json: req.params };
    case 'list': {
      const q = filterQuery(spaceQuery(req.params.space), req.params.filter);
      if (req.params.limit !== undefined) q.set('limit', String(req.params.limit));
      if (req.params.cursor) q.set('cursor', req.params.cursor);
      return { method: 'GET', path: '/v1/memories', query: q };
    }
    case 'get':
      return { method: 'GET', path: memoryPath(req.params.id), query: spaceQuery(req.params.space) };
    case 'create':
      return { method: 'POST', path: '/v1/memories', json: req.params };
    case 'update':
      return { method: 'PATCH', path: memoryPath(req.params.id), query: spaceQuery(req.params.space), json: req.params.patch };
    case 'restore':
      return {
        method: 'POST',
        path: `${memoryPath(req.params.id)}/restore`,
        query: spaceQuery(req.params.space),
        json: { version: req.params.version },
      };
    case 'delete':
      return { method: 'DELETE', path: memoryPath(req.params.id), query: spaceQuery(req.params.space) };
    case 'export':
      return { method: 'GET', path: '/v1/export', query: spaceQuery(req.params.space), text: true };
    case 'import': {
      const q = spaceQuery(req.params.space);
      q.set('format', req.params.format);
      return { method: 'POST', path: '/v1/import', query: q, raw: req.params.content };
    }
    case 'spaces':
      return { method: 'GET', path: '/v1/spaces' };
    case 'settings.get':
      return { method: 'GET', path: '/v1/settings' };
    case 'settings.set':
      return { method: 'PUT', path: '/v1/settings', json: req.params };
    case 'pendingDeletes':
      throw new BridgeError('unsupported', 'Pending deletes are held by the bridge, not sent.');
    case 'openSource':
      throw new BridgeError('unsupported', 'The web console cannot open files. Open it from VS Code instead.');
    case 'forFile': {
      const q = spaceQuery(req.params.space);
      q.set('path', req.params.path);
      if (req.params.repo) q.set('repo', req.params.repo);
      if (req.params.limit !== undefined) q.set('limit', String(req.params.limit));
      return { method: 'GET', path: '/v1/memories/for-file', query: q };
    }
    case 'verify':
      return { method: 'POST', path: `${memoryPath(req.params.id)}/verify`, query: spaceQuery(req.params.space), json: {} };
    case 'reanchor':
    case 'showChange':
      throw new BridgeError('unsupported', 'The web console cannot read your code. Use "Show change" and "Re-anchor" in VS Code.');
    case 'setupAction':
      throw new BridgeError('unsupported', 'The web console has no setup actions: it always talks to its own server.');
    default:
      return assertNever(req);
  }
}

async function errorFrom(res: Response): Promise<BridgeError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const err = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (err && typeof err.code === 'string' && typeof err.message === 'string') return new BridgeError(err.code, err.message);
  if (res.status === 401) return new BridgeError('unauthorized', 'Your console session has ended. Open the URL printed by `kairos serve` again.');
  return new BridgeError(`http_${res.status}`, `The Kairos server answered ${res.status} ${res.statusText}.`.trim());
}

export function createHttpBridge(opts: HttpBridgeOptions = {}): Bridge {
  const base = (opts.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const openEvents = opts.openEvents ?? ((url: string) => new EventSource(url) as unknown as EventSourceLike);
  const listeners = new Set<(event: HostEvent) => void>();
  const schedule = opts.schedule ?? ((run: () => void, ms: number) => void setTimeout(run, ms));
  let source: EventSourceLike | undefined;
  let lastEventId: string | undefined;
  let backoff = EVENT_RETRY.minMs;
  let held: RequestMap['pendingDeletes']['params']['refs'] = [];
  // Leaving the page ends its undo timers: send what it held, with keepalive so the browser
  // finishes the requests after the page is gone.
  const lifecycle = opts.lifecycle ?? (typeof window !== 'undefined' ? window : undefined);
  lifecycle?.addEventListener('pagehide', () => {
    const refs = held;
    held = [];
    for (const ref of refs) {
      const call = toHttpCall('delete', ref);
      void doFetch(`${base}${call.path}?${call.query?.toString() ?? ''}`, {
        method: 'DELETE',
        headers: { 'X-Kairos-CSRF': '1', Accept: 'application/json' },
        credentials: 'same-origin',
        keepalive: true,
      }).catch(() => undefined);
    }
  });

  const deliver = (e: EventFrame): void => {
    if (e.lastEventId) lastEventId = e.lastEventId;
    let event: HostEvent;
    try {
      event = JSON.parse(e.data) as HostEvent;
    } catch {
      return; // keep-alive comments and malformed frames carry no event
    }
    if (typeof event !== 'object' || event === null || !EVENT_TYPES.includes(event.type)) return;
    for (const l of [...listeners]) l(event);
  };

  // The browser's own retry has no back-off and gives up for good on an error status, so the
  // bridge reopens the stream itself; the id in the query stands in for the Last-Event-ID header
  // a new EventSource cannot send.
  function connect(): void {
    const s = openEvents(`${base}/v1/events${lastEventId ? `?lastEventId=${encodeURIComponent(lastEventId)}` : ''}`);
    source = s;
    // Servers may send unnamed frames or frames named after the event type: take both.
    s.onmessage = deliver;
    for (const t of EVENT_TYPES) s.addEventListener(t, deliver);
    s.onopen = () => {
      backoff = EVENT_RETRY.minMs;
    };
    s.onerror = () => {
      s.close();
      if (source !== s) return;
      const delay = backoff;
      backoff = Math.min(backoff * 2, EVENT_RETRY.maxMs);
      schedule(() => {
        if (source === s && listeners.size > 0) connect();
      }, delay);
    };
  }

  return {
    host: 'console',
    async request(type, params) {
      if (type === 'pendingDeletes') {
        held = (params as RequestMap['pendingDeletes']['params']).refs;
        return { held: held.length } as RequestMap[typeof type]['result'];
      }
      const call = toHttpCall(type, params);
      const qs = call.query?.toString();
      const headers: Record<string, string> = { Accept: call.text ? 'application/x-ndjson' : 'application/json' };
      if (call.method !== 'GET') headers['X-Kairos-CSRF'] = '1';
      if (call.json !== undefined) headers['Content-Type'] = 'application/json';
      if (call.raw !== undefined) headers['Content-Type'] = 'application/octet-stream';
      let res: Response;
      try {
        res = await doFetch(`${base}${call.path}${qs ? `?${qs}` : ''}`, {
          method: call.method,
          headers,
          credentials: 'same-origin',
          ...(call.json !== undefined ? { body: JSON.stringify(call.json) } : call.raw !== undefined ? { body: call.raw } : {}),
        });
      } catch (e) {
        throw new BridgeError('network', `Cannot reach the Kairos server (${(e as Error).message}). Is \`kairos serve\` still running?`);
      }
      if (!res.ok) throw await errorFrom(res);
      if (call.text) {
        const space = (params as { space?: string }).space ?? 'personal';
        const filename = `kairos-${space}-${new Date().toISOString().slice(0, 10)}.jsonl`;
        return { filename, jsonl: await res.text() } as RequestMap[typeof type]['result'];
      }
      return (await res.json()) as RequestMap[typeof type]['result'];
    },
    onEvent(listener) {
      listeners.add(listener);
      if (!source) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = undefined;
        }
      };
    },
  };
}
