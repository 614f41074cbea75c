/** An MCP SDK client for the service's /mcp, authenticated with a bearer token. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface TestMcp {
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** `headers`: sent on every request too (a connector's X-Kairos-Channel-User). */
export async function connectMcp(url: string, token: string, headers: Record<string, string> = {}): Promise<TestMcp> {
  const client = new Client({ name: 'kairos-service-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { ...headers, authorization: `Bearer ${token}` } } }));
  return {
    call: async (name, args) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: () => client.close(),
  };
}

export function toolText(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}
