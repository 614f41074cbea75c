/**
 * A real loopback HTTP server (Hono on @hono/node-server) whose POST /mcp binds each request to
 * the TenantContext named by the x-test-tenant header, plus the SDK's real MCP client.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Hono } from 'hono';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryService, type MemoryServiceDeps } from '../../src/core/memoryService.js';
import type { Embedder, VectorStore } from '../../src/core/ports.js';
import type { SpaceGrant, TenantContext } from '../../src/core/tenancy.js';
import { createLocalEmbedder } from '../../src/embeddings/local.js';
import { handleMcpRequest } from '../../src/mcp/http.js';
import type { Logger } from '../../src/util/logger.js';
import { openTestStore } from './store.js';

export const TENANT_HEADER = 'x-test-tenant';

export function personalContext(uid: string, embedder: Embedder, scopes: TenantContext['principal']['scopes'] = ['read', 'write', 'admin']): TenantContext {
  return {
    principal: { uid, via: 'test', scopes },
    spaces: [{ space: `kairos_user_${uid}`, role: 'owner', label: 'Personal', kind: 'personal' }],
    embedder,
  };
}

export function contextWith(uid: string, embedder: Embedder, spaces: SpaceGrant[]): TenantContext {
  return { principal: { uid, via: 'test', scopes: ['read', 'write'] }, spaces, embedder };
}

export interface McpHarness {
  url: string;
  store: VectorStore;
  embedder: Embedder;
  /** Contexts by tenant name; the server looks the header up here on every request. */
  tenants: Map<string, TenantContext>;
  deps: MemoryServiceDeps;
  /** Lines the MCP layer logged (unexpected failures). */
  logs: string[];
  /** A service outside MCP, to check stored data independently of the tools. */
  serviceFor(tenant: string): MemoryService;
  connect(tenant: string): Promise<Client>;
  close(): Promise<void>;
}

export async function startMcpHarness(): Promise<McpHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'kairos-mcp-'));
  const store = await openTestStore(dir);
  const embedder = createLocalEmbedder();
  const deps: MemoryServiceDeps = { store, clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } };
  const tenants = new Map<string, TenantContext>();
  const serviceFor = (tenant: string): MemoryService => {
    const ctx = tenants.get(tenant);
    if (!ctx) throw new Error(`unknown tenant ${tenant}`);
    return new MemoryService(ctx, deps);
  };

  const logs: string[] = [];
  const logger = capturingLogger('mcp', logs);
  const app = new Hono();
  app.all('/mcp', async (c) => {
    const ctx = tenants.get(c.req.header(TENANT_HEADER) ?? '');
    if (!ctx) return c.json({ error: 'unknown tenant' }, 401);
    return handleMcpRequest(c.req.raw, new MemoryService(ctx, deps), { logger });
  });

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/mcp`;
  const clients: Client[] = [];

  return {
    url,
    store,
    embedder,
    tenants,
    deps,
    logs,
    serviceFor,
    async connect(tenant) {
      const client = new Client({ name: 'kairos-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { [TENANT_HEADER]: tenant } } }));
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function capturingLogger(component: string, lines: string[]): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} [${component}] ${message} ${JSON.stringify(fields ?? {})}`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'), child: (c) => capturingLogger(`${component}.${c}`, lines) };
}

/** The first text block of a tool result. */
export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first && first.type === 'text' ? first.text : '';
}

/** Calls a tool and returns its result with structuredContent typed loosely for assertions. */
export async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult & { structuredContent?: any }> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}
