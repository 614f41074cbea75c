/**
 * `kairos mcp` while a server owns the data dir: a stdio MCP server that forwards tool calls to
 * the running server's /mcp endpoint, so stdio clients keep working next to the VS Code engine.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createLogger } from '../util/logger.js';
import { CliError, EXIT } from './exitCodes.js';

const log = createLogger('mcp.proxy');

/** Serves stdio until stdin ends, relaying tools/list and tools/call to `baseUrl`/mcp. */
export async function runMcpProxy(baseUrl: string, token: string, version: string): Promise<void> {
  const client = new Client({ name: 'kairos-stdio-proxy', version });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  } catch (e) {
    throw new CliError(EXIT.unavailable, `Cannot reach the Kairos server at ${baseUrl}/mcp (${(e as Error).message}).`);
  }
  const instructions = client.getInstructions();
  const server = new Server(
    { name: 'kairos', title: 'Kairos memory', version },
    { capabilities: { tools: { listChanged: false } }, ...(instructions ? { instructions } : {}) },
  );
  server.setRequestHandler(ListToolsRequestSchema, (req) => client.listTools(req.params));
  server.setRequestHandler(CallToolRequestSchema, (req) => client.callTool(req.params));

  const stdin = process.stdin;
  const done = new Promise<void>((resolve) => {
    const finish = (): void => {
      void Promise.allSettled([server.close(), client.close()]).then(() => resolve());
    };
    // The SDK's stdio transport does not notice end of input on its own.
    stdin.once('end', finish);
    stdin.once('close', finish);
  });
  await server.connect(new StdioServerTransport(stdin, process.stdout));
  log.debug('proxying stdio MCP to the running server', { url: `${baseUrl}/mcp` });
  await done;
}
