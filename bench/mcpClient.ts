/** A one-tenant MCP server over loopback HTTP and an SDK client connected to it, for the bench. */
import { serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Hono } from 'hono';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { MemoryService } from '../src/core/memoryService.js';
import type { Embedder, VectorStore } from '../src/core/ports.js';
import type { TenantContext } from '../src/core/tenancy.js';
import { handleMcpRequest } from '../src/mcp/http.js';

export interface BenchMcp {
  client: Client;
  /** The same tenant's MemoryService, for in-process baselines. */
  service: MemoryService;
  close(): Promise<void>;
}

export async function benchMcpServer(store: VectorStore, space: string, embedder: Embedder): Promise<BenchMcp> {
  const ctx: TenantContext = {
    principal: { uid: space, via: 'bench', scopes: ['read', 'write'] },
    spaces: [{ space, role: 'owner', label: 'Personal', kind: 'personal' }],
    embedder,
  };
  const deps = { store, clock: { now: () => new Date() }, ids: { newId: () => randomUUID() } };
  const app = new Hono().post('/mcp', (c) => handleMcpRequest(c.req.raw, new MemoryService(ctx, deps)));
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  return {
    client,
    service: new MemoryService(ctx, deps),
    close: async () => {
      await client.close();
      await new Promise((r) => server.close(r));
    },
  };
}
