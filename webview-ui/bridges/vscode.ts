/**
 * The VS Code webview's bridge: requests go to the extension host by postMessage and are
 * matched to replies by requestId. The UI announces itself with `ready` once it listens.
 */
import { BridgeError, type Bridge, type HostEvent, type HostToUi, type RequestMap, type RequestType, type UiToHost } from '../../src/protocol/messages.js';

/** What `acquireVsCodeApi()` returns inside a webview. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** A two-way message pipe to the host: window messages in a webview, a MessagePort in tests. */
export interface HostChannel {
  post(message: UiToHost): void;
  listen(handler: (message: unknown) => void): () => void;
}

export interface VsCodeBridge extends Bridge {
  /** Rejects every request still waiting and stops listening. */
  dispose(): void;
}

/** The webview's channel: out through the VS Code API, in through window `message` events. */
export function windowChannel(api: VsCodeApi, target: Window): HostChannel {
  return {
    post: (m) => api.postMessage(m),
    listen(handler) {
      const l = (e: MessageEvent): void => handler(e.data);
      target.addEventListener('message', l);
      return () => target.removeEventListener('message', l);
    },
  };
}

function isHostToUi(m: unknown): m is HostToUi {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as Record<string, unknown>;
  if (r.kind === 'event') return typeof r.event === 'object' && r.event !== null && typeof (r.event as { type?: unknown }).type === 'string';
  return r.kind === 'response' && typeof r.requestId === 'string' && typeof r.ok === 'boolean';
}

/** Events kept for a UI that has not subscribed yet; more than this means it never will. */
const MAX_EARLY = 50;

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

export function createVsCodeBridge(channel: HostChannel): VsCodeBridge {
  const pending = new Map<string, Pending>();
  const listeners = new Set<(e: HostEvent) => void>();
  // Events the host sends right after `ready` may arrive before the UI subscribes: keep them.
  let early: HostEvent[] | undefined = [];
  let next = 0;
  const prefix = Math.random().toString(36).slice(2, 8);

  const stop = channel.listen((m) => {
    if (!isHostToUi(m)) return; // other extensions' or VS Code's own messages
    if (m.kind === 'event') {
      if (early) {
        if (early.length < MAX_EARLY) early.push(m.event);
      } else for (const l of [...listeners]) l(m.event);
      return;
    }
    const p = pending.get(m.requestId);
    if (!p) return;
    pending.delete(m.requestId);
    if (m.ok) p.resolve(m.result);
    else p.reject(new BridgeError(m.error.code, m.error.message));
  });
  channel.post({ kind: 'ready' });

  return {
    host: 'vscode',
    request<K extends RequestType>(type: K, params: RequestMap[K]['params']): Promise<RequestMap[K]['result']> {
      const requestId = `${prefix}-${++next}`;
      return new Promise((resolve, reject) => {
        pending.set(requestId, { resolve: resolve as (r: unknown) => void, reject });
        channel.post({ kind: 'request', requestId, type, params } as UiToHost);
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      if (early) {
        const queued = early;
        early = undefined;
        // Delivered after onEvent returns, so the caller holds its unsubscribe function first.
        queueMicrotask(() => {
          for (const e of queued) if (listeners.has(listener)) listener(e);
        });
      }
      return () => listeners.delete(listener);
    },
    dispose() {
      stop();
      for (const p of pending.values()) p.reject(new BridgeError('disposed', 'The view was closed before the host answered.'));
      pending.clear();
      listeners.clear();
    },
  };
}
