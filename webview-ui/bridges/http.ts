/**
 * The console's bridge: each protocol request becomes a call of the REST contract
 * (src/protocol/rest/), sent by the shared client with the browser transport (session cookie,
 * CSRF header on state-changing requests); failures are ApiErrors, which are BridgeErrors.
 * Host events arrive over Server-Sent Events from /v1/events; when the stream breaks, the bridge
 * reopens it with back-off and the last event id, so the server replays what was missed.
 */
import { assertNever, BridgeError, type Bridge, type HostEvent, type RequestMap, type RequestType } from '../../src/protocol/messages.js';
import type { Endpoint, EndpointInput } from '../../src/protocol/rest/endpoint.js';
import { routes } from '../../src/protocol/rest/routes.js';
import { forFileQuery, listQuery } from '../../src/protocol/rest/query.js';
import { buildCall, callEndpoint, sendEndpoint, type JsonEndpoint, type RestTarget } from '../../src/protocol/restClient.js';
import { browserTransport } from '../browserTransport.js';

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

/** One protocol request as a call of the REST contract: its entry and its input. */
export interface HttpCall {
  ep: Endpoint;
  input: Record<string, unknown>;
}

const EVENT_TYPES: ReadonlyArray<HostEvent['type']> = ['memoryChanged', 'authChanged', 'embedderChanged', 'focusSearch', 'showMemory'];

const call = <E extends Endpoint>(ep: E, input: EndpointInput<E>): HttpCall => ({ ep, input: input as Record<string, unknown> });

/** Maps one protocol request to its REST route (docs/rest-api.md). */
export function toHttpCall<K extends RequestType>(type: K, params: RequestMap[K]['params']): HttpCall {
  const req = { type, params } as { [T in RequestType]: { type: T; params: RequestMap[T]['params'] } }[RequestType];
  switch (req.type) {
    case 'search':
      return call(routes.search, { body: req.params });
    case 'list':
      return call(routes.list, { query: listQuery(req.params) });
    case 'get':
      return call(routes.get, { path: { id: req.params.id }, query: { space: req.params.space } });
    case 'create':
      return call(routes.create, { body: req.params });
    case 'update':
      return call(routes.update, { path: { id: req.params.id }, query: { space: req.params.space }, body: req.params.patch });
    case 'restore':
      return call(routes.restore, { path: { id: req.params.id }, query: { space: req.params.space }, body: { version: req.params.version } });
    case 'delete':
      return call(routes.delete, { path: { id: req.params.id }, query: { space: req.params.space } });
    case 'export':
      return call(routes.export, { query: { space: req.params.space } });
    case 'import':
      return call(routes.import, {
        query: { space: req.params.space, format: req.params.format },
        raw: req.params.content,
        contentType: 'application/octet-stream',
      });
    case 'spaces':
      return call(routes.spaces, {});
    case 'settings.get':
      return call(routes.settings, {});
    case 'settings.set':
      return call(routes.putSettings, { body: req.params });
    case 'pendingDeletes':
      throw new BridgeError('unsupported', 'Pending deletes are held by the bridge, not sent.');
    case 'openSource':
      throw new BridgeError('unsupported', 'The web console cannot open files. Open it from VS Code instead.');
    case 'forFile':
      return call(routes.forFile, { query: forFileQuery(req.params) });
    case 'verify':
      return call(routes.verify, { path: { id: req.params.id }, query: { space: req.params.space }, body: {} });
    case 'reanchor':
    case 'showChange':
      throw new BridgeError('unsupported', 'The web console cannot read your code. Use "Show change" and "Re-anchor" in VS Code.');
    case 'setupAction':
      throw new BridgeError('unsupported', 'The web console has no setup actions: it always talks to its own server.');
    default:
      return assertNever(req);
  }
}

export function createHttpBridge(opts: HttpBridgeOptions = {}): Bridge {
  const base = (opts.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const transport = browserTransport(doFetch);
  const target: RestTarget = { base };
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
    const finishAfterPage = browserTransport(doFetch, { keepalive: true });
    for (const ref of refs) {
      const { url, init } = buildCall(target, routes.delete, { path: { id: ref.id }, query: { space: ref.space } });
      void finishAfterPage(url, init).catch(() => undefined);
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
      const { ep, input } = toHttpCall(type, params);
      if (ep.answer === 'ndjson') {
        const res = await sendEndpoint(transport, target, ep, input as EndpointInput<typeof ep>);
        const space = (params as { space?: string }).space ?? 'personal';
        const filename = `kairos-${space}-${new Date().toISOString().slice(0, 10)}.jsonl`;
        return { filename, jsonl: await res.text() } as RequestMap[typeof type]['result'];
      }
      return (await callEndpoint(transport, target, ep as JsonEndpoint, input as EndpointInput<JsonEndpoint>)) as RequestMap[typeof type]['result'];
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
