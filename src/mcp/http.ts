/**
 * Streamable HTTP endpoint, stateless: every POST gets its own McpServer and transport bound to
 * the caller's MemoryService (hence its TenantContext), and both are closed once answered.
 */
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { createHash } from 'node:crypto';
import type { MemoryService } from '../core/memoryService.js';
import { createLogger } from '../util/logger.js';
import { createMcpServer, type McpServerOptions } from './server.js';

/** Largest JSON-RPC body accepted: a maximal memory (16k chars, fully escaped) fits many times. */
const MAX_BODY_BYTES = 1024 * 1024;

function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** Client names and versions by credential (hashed), newest last; bounded so it cannot grow. */
const knownClients = new Map<string, { name: string; version?: string }>();
const MAX_KNOWN_CLIENTS = 1_000;

function rememberClient(key: string, info: { name: string; version?: string }): void {
  knownClients.delete(key);
  knownClients.set(key, info);
  if (knownClients.size > MAX_KNOWN_CLIENTS) knownClients.delete(knownClients.keys().next().value!);
}

function callerKey(request: Request): string | undefined {
  const auth = request.headers.get('authorization') ?? request.headers.get('cookie');
  return auth ? createHash('sha256').update(auth).digest('hex') : undefined;
}

/** `X-Kairos-Repo`: the workspace repo the editor registered this server for. */
function workspaceRepo(request: Request): string | undefined {
  const v = request.headers.get('x-kairos-repo')?.trim();
  return v && v.length <= 512 && !/[\u0000-\u001f]/.test(v) ? v : undefined;
}

/**
 * Answers one MCP Streamable HTTP request for the tenant `service` is bound to. Only POST is
 * served: without sessions there is no stream to resume (GET) or session to end (DELETE), so
 * those get 405 with a JSON-RPC error body, as the transport spec allows.
 */
export async function handleMcpRequest(request: Request, service: MemoryService, opts: McpServerOptions = {}): Promise<Response> {
  if (request.method !== 'POST') {
    return jsonRpcError(405, -32000, 'Method not allowed: this MCP endpoint is stateless; send JSON-RPC messages with POST.', {
      allow: 'POST',
    });
  }
  const logger = opts.logger ?? createLogger('mcp.http');
  const caller = callerKey(request);
  const known = caller ? knownClients.get(caller) : undefined;
  const repo = workspaceRepo(request);
  const server = createMcpServer(service, { ...opts, logger, ...(known ? { knownClient: known } : {}), ...(repo ? { defaultRepo: repo } : {}) });
  // JSON responses rather than SSE: the whole answer exists when handleRequest resolves, so
  // closing right after cannot cut a stream short.
  const transport = new WebStandardStreamableHTTPServerTransport({
    // No sessionIdGenerator: the stateless transport (each request stands alone).
    enableJsonResponse: true,
    maxRequestBodySize: MAX_BODY_BYTES,
  });
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(request);
    // An initialize names the client; later calls on the same credential are attributed to it.
    const info = server.server.getClientVersion();
    if (caller && info) rememberClient(caller, { name: info.name.slice(0, 128), ...(info.version ? { version: info.version.slice(0, 64) } : {}) });
    return response;
  } catch (err) {
    logger.error('MCP request failed', { error: err });
    return jsonRpcError(500, -32603, 'Internal server error.');
  } finally {
    // Closing the server closes its transport too.
    await server.close().catch((err: unknown) => logger.warn('closing MCP server failed', { error: err }));
  }
}
