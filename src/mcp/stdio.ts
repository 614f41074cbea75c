/**
 * MCP over stdio for clients that spawn `kairos mcp`. stdout carries only protocol messages;
 * logs go to stderr (the shared logger already writes there).
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Readable, Writable } from 'node:stream';
import type { MemoryService } from '../core/memoryService.js';
import { createMcpServer, type McpServerOptions } from './server.js';

export interface McpStdioOptions extends McpServerOptions {
  /** Defaults to process.stdin / process.stdout. */
  stdin?: Readable;
  stdout?: Writable;
}

/** How long requests still running at end of input may take before the server closes anyway. */
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Wraps a transport to know which requests are still unanswered, so the server can finish
 * them after the client has closed its end of the pipe.
 */
class DrainingTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private readonly pending = new Set<RequestId>();
  private waiters: Array<() => void> = [];

  constructor(private readonly inner: Transport) {
    inner.onmessage = (message: JSONRPCMessage, extra?: MessageExtraInfo) => {
      if ('method' in message && 'id' in message) this.pending.add(message.id);
      this.onmessage?.(message, extra);
    };
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    try {
      await this.inner.send(message, options);
    } finally {
      if (!('method' in message) && 'id' in message && message.id !== undefined && this.pending.delete(message.id) && this.pending.size === 0) {
        for (const wake of this.waiters.splice(0)) wake();
      }
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Resolves once every request received so far has been answered (or after `timeoutMs`). */
  drained(timeoutMs: number): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * Serves the Kairos memory tools over stdio until the client closes stdin. Requests still
 * running then are answered first (so `echo request | kairos mcp` works); the promise then
 * resolves and the caller can close its store.
 */
export async function runMcpStdio(service: MemoryService, opts: McpStdioOptions = {}): Promise<void> {
  const stdin = opts.stdin ?? process.stdin;
  const stdout = opts.stdout ?? process.stdout;
  // A stdio client starts Kairos per workspace; KAIROS_REPO names that workspace's repo.
  const repo = process.env.KAIROS_REPO?.trim();
  const server = createMcpServer(service, { ...(repo ? { defaultRepo: repo } : {}), ...opts });
  const transport = new DrainingTransport(new StdioServerTransport(stdin, stdout));

  const closed = new Promise<void>((resolve) => {
    let ending = false;
    // The SDK's stdio transport does not watch for end of input; without this the process
    // would linger after its client went away.
    const finish = (): void => {
      if (ending) return;
      ending = true;
      void transport
        .drained(DRAIN_TIMEOUT_MS)
        .then(() => server.close())
        .catch(() => undefined)
        .finally(resolve);
    };
    stdin.once('end', finish);
    stdin.once('close', finish);
    server.server.onclose = () => {
      ending = true;
      resolve();
    };
  });
  await server.connect(transport);
  await closed;
}
