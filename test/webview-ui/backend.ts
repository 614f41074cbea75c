/**
 * A real Kairos server on loopback (embedded PGlite store, real HTTP, console login), plus the
 * two ways the UI reaches it: the HTTP bridge with a console session, and the VS Code bridge
 * over a real MessageChannel to a host loop that validates with the protocol's zod schemas.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { z } from 'zod';
import { loadConfig } from '../../src/config.js';
import { isKairosError } from '../../src/core/errors.js';
import type { Bridge, HostEvent, RequestMap, RequestType, ResponseMessage, SpaceInfo } from '../../src/protocol/messages.js';
import {
  DeleteParamsSchema,
  describeZodError,
  ExportParamsSchema,
  GetParamsSchema,
  ListParamsSchema,
  RememberParamsSchema,
  RestoreParamsSchema,
  SearchParamsSchema,
  UpdateParamsSchema,
} from '../../src/protocol/schemas.js';
import type { RunningServer } from '../../src/server/main.js';
import { startServer } from '../../src/server/main.js';
import { createHttpBridge, type EventFrame, type EventSourceLike, type HttpBridgeOptions } from '../../webview-ui/bridges/http.js';
import { createVsCodeBridge, type VsCodeBridge } from '../../webview-ui/bridges/vscode.js';

export interface Backend {
  server: RunningServer;
  close(): Promise<void>;
}

export async function startBackend(): Promise<Backend> {
  const home = await mkdtemp(join(tmpdir(), 'kairos-ui-'));
  const config = loadConfig({ KAIROS_HOME: home, KAIROS_PORT: '0' });
  // The real offline embedder, as `kairos serve` uses by default.
  const server = await startServer(config);
  return {
    server,
    async close() {
      await server.close(1000);
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Logs in the way a browser does: the one-time URL sets the session cookie and redirects. */
export async function consoleCookie(server: RunningServer): Promise<string> {
  const res = await fetch(server.consoleUrl(), { redirect: 'manual' });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (res.status !== 302 || !cookie) throw new Error(`console login failed: ${res.status}`);
  return cookie;
}

/** EventSource over fetch for Node 20 (which has none), enough for the bridge: ids, open and error. */
export class FetchEventSource implements EventSourceLike {
  onmessage: ((e: EventFrame) => void) | null = null;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private readonly listeners = new Map<string, Array<(e: EventFrame) => void>>();
  private readonly abort = new AbortController();
  private closed = false;
  private lastEventId = '';
  readonly opened: Promise<void>;

  constructor(
    readonly url: string,
    headers: Record<string, string>,
  ) {
    this.opened = this.run(url, headers);
  }

  addEventListener(type: string, listener: (e: EventFrame) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
  }

  /** The network drops the stream: the source reports an error, as a browser's does. */
  drop(): void {
    this.abort.abort();
  }

  private fail(): void {
    if (!this.closed) this.onerror?.();
  }

  private dispatch(frame: string): void {
    let type = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('id:')) this.lastEventId = line.slice(3).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length === 0) return;
    const e = { data: data.join('\n'), lastEventId: this.lastEventId };
    if (type === 'message') this.onmessage?.(e);
    for (const l of this.listeners.get(type) ?? []) l(e);
  }

  private async run(url: string, headers: Record<string, string>): Promise<void> {
    const res = await fetch(url, { headers: { ...headers, Accept: 'text/event-stream' }, signal: this.abort.signal }).catch(() => undefined);
    if (!res?.ok || !res.body) {
      this.fail();
      return;
    }
    this.onopen?.();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            this.dispatch(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
        }
      } catch {
        // Aborted: closed, or dropped.
      }
      this.fail();
    })();
  }
}

export interface Connected {
  bridge: Bridge;
  /** Resolves once events can be delivered. */
  eventsReady(): Promise<void>;
  close(): void;
}

export async function httpBridgeFor(
  server: RunningServer,
  extra: Pick<HttpBridgeOptions, 'schedule'> = {},
): Promise<Connected & { sources: FetchEventSource[] }> {
  const cookie = await consoleCookie(server);
  const sources: FetchEventSource[] = [];
  const bridge = createHttpBridge({
    ...extra,
    baseUrl: server.url,
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), Cookie: cookie } }),
    openEvents: (url) => {
      const s = new FetchEventSource(url, { Cookie: cookie });
      sources.push(s);
      return s;
    },
  });
  return {
    bridge,
    sources,
    eventsReady: async () => {
      await Promise.all(sources.map((s) => s.opened));
    },
    close: () => sources.forEach((s) => s.close()),
  };
}

const empty = z.strictObject({});
const SCHEMAS = {
  search: SearchParamsSchema,
  list: ListParamsSchema,
  get: GetParamsSchema,
  create: RememberParamsSchema,
  update: UpdateParamsSchema,
  restore: RestoreParamsSchema,
  delete: DeleteParamsSchema,
  export: ExportParamsSchema,
  spaces: empty,
} as const;

type Handled = keyof typeof SCHEMAS;

/**
 * The extension side of the webview protocol, as the sidebar will run it: validate, call the
 * MemoryService for this request, answer with the same requestId; forward bus events.
 */
export function startVsCodeHost(server: RunningServer, port: MessagePort): { messages: unknown[]; stop(): void } {
  const messages: unknown[] = [];
  const { runtime } = server;
  let ready = false;
  let unsubscribe = (): void => {};
  void runtime.events
    .subscribe({
      spaces: new Set(runtime.context().spaces.map((g) => g.space)),
      onEvent: ({ event }: { event: HostEvent }) => {
        if (ready) port.postMessage({ kind: 'event', event });
      },
    })
    .then((stop) => (unsubscribe = stop));
  const answer = async (type: string, raw: unknown): Promise<unknown> => {
    const schema = SCHEMAS[type as Handled];
    if (!schema) throw Object.assign(new Error(`This host does not handle "${type}".`), { code: 'unsupported' });
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw Object.assign(new Error(describeZodError(parsed.error)), { code: 'invalid_input' });
    const svc = runtime.service();
    const p = parsed.data as never;
    const call = <K extends Handled>(_k: K): RequestMap[K]['params'] => p as RequestMap[K]['params'];
    switch (type as Handled) {
      case 'search':
        return svc.search(call('search'));
      case 'list':
        return svc.list(call('list'));
      case 'get':
        return svc.get(call('get').id, call('get').space);
      case 'create':
        return svc.remember(call('create'));
      case 'update': {
        const u = call('update');
        return svc.update(u.id, u.patch, u.space);
      }
      case 'restore': {
        const r = call('restore');
        return svc.restore(r.id, r.version, r.space);
      }
      case 'delete':
        return svc.forget(call('delete').id, call('delete').space);
      case 'export': {
        const lines: string[] = [];
        for await (const rec of svc.export(call('export').space)) lines.push(JSON.stringify(rec));
        return { filename: 'kairos.jsonl', jsonl: lines.map((l) => `${l}\n`).join('') };
      }
      case 'spaces':
        return Promise.all(svc.spaces.map(async (g): Promise<SpaceInfo> => ({ ...g, count: await svc.count(g.space) })));
    }
  };
  port.on('message', (m: { kind?: string; requestId?: string; type?: RequestType; params?: unknown }) => {
    messages.push(m);
    if (m.kind === 'ready') {
      ready = true;
      return;
    }
    if (m.kind !== 'request' || typeof m.requestId !== 'string') return;
    const requestId = m.requestId;
    answer(String(m.type), m.params).then(
      (result) => port.postMessage({ kind: 'response', requestId, ok: true, result } satisfies ResponseMessage),
      (e: unknown) => {
        const code = isKairosError(e) ? e.code : ((e as { code?: string }).code ?? 'internal');
        port.postMessage({ kind: 'response', requestId, ok: false, error: { code, message: (e as Error).message } } satisfies ResponseMessage);
      },
    );
  });
  return {
    messages,
    stop: () => {
      unsubscribe();
      port.close();
    },
  };
}

export function vscodeBridgeFor(server: RunningServer): Connected & { bridge: VsCodeBridge; host: { messages: unknown[] } } {
  const { port1, port2 } = new MessageChannel();
  const host = startVsCodeHost(server, port2);
  const bridge = createVsCodeBridge({
    post: (m) => port1.postMessage(m),
    listen: (h) => {
      port1.on('message', h);
      return () => port1.off('message', h);
    },
  });
  return {
    bridge,
    host,
    // The host starts forwarding once it has seen `ready`, which is the first message posted.
    eventsReady: () => new Promise((r) => setTimeout(r, 20)),
    close: () => {
      bridge.dispose();
      host.stop();
      port1.close();
    },
  };
}
