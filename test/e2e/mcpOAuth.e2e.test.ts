/**
 * An MCP agent authorizes itself against the service's OAuth 2.1 authorization server end to
 * end, with the MCP SDK's own client: 401 → protected-resource and authorization-server
 * discovery → dynamic registration → the person signs in (real OpenID provider) and allows it
 * in Chromium → code + PKCE exchange → tools work → the access token expires and is refreshed
 * (rotating the refresh token) → the person revokes the client → the agent is locked out.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { decodeJwt } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryOAuthProvider, toolText } from '../service/mcpClient.js';
import { ensureChromium, launch, SCREENSHOTS, skipAfterFirstFailure } from './harness.js';
import { buildWebBundles, pageApi, signInVia, startWebWorld, type WebWorld } from './serviceWorld.js';

const ACCESS_TTL_S = 3;

interface Recorded {
  method: string;
  url: URL;
  body: string;
  status: number;
  responseText: string;
}

/** The in-memory agent, recording its saved tokens, states and invalidations. */
class AgentAuth extends MemoryOAuthProvider {
  saved: OAuthTokens[] = [];
  states: string[] = [];
  invalidated: string[] = [];

  constructor(redirect: string) {
    super(redirect, 'E2E agent');
  }
  state(): string {
    const s = `state-${this.states.length + 1}-${Math.random().toString(36).slice(2)}`;
    this.states.push(s);
    return s;
  }
  override saveTokens(tokens: OAuthTokens): void {
    super.saveTokens(tokens);
    this.saved.push(tokens);
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    this.invalidated.push(scope);
    if (scope === 'all' || scope === 'tokens') this.current = undefined;
    if (scope === 'all' || scope === 'client') this.info = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
  }
}

describe('MCP client authorizes with OAuth 2.1 (SDK client + Chromium)', () => {
  let w: WebWorld;
  let browser: Browser;
  let page: Page;
  let callback: Server;
  let redirectUri: string;
  const codes: URL[] = [];
  let auth: AgentAuth;
  const http: Recorded[] = [];
  let client: Client | undefined;
  let memoryId: string;
  let firstVerifier: string;

  /** The SDK's fetch, recording every request and answer (MCP and OAuth alike). */
  const recordingFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const res = await fetch(input, init);
    const copy = res.clone();
    const rec: Recorded = {
      method: init?.method ?? 'GET',
      url: new URL(String(input)),
      body: typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '',
      status: res.status,
      responseText: '',
    };
    http.push(rec);
    if (!copy.headers.get('content-type')?.includes('text/event-stream')) rec.responseText = await copy.text();
    return res;
  };
  const requestsTo = (path: string): Recorded[] => http.filter((r) => r.url.pathname === path);

  function newTransport(): StreamableHTTPClientTransport {
    return new StreamableHTTPClientTransport(new URL(`${w.url}/mcp`), { authProvider: auth, fetch: recordingFetch });
  }

  async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    return (await client!.callTool({ name, arguments: args })) as CallToolResult;
  }

  async function tokenRequest(params: Record<string, string>): Promise<{ status: number; json: any }> {
    const res = await fetch(`${w.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    return { status: res.status, json: await res.json().catch(() => undefined) };
  }

  beforeAll(async () => {
    ensureChromium();
    buildWebBundles();
    w = await startWebWorld({ KAIROS_OAUTH_ACCESS_TTL_S: String(ACCESS_TTL_S) });
    callback = createServer((req, res) => {
      const url = new URL(req.url ?? '/', redirectUri);
      if (url.pathname !== '/callback') return void res.writeHead(404).end();
      codes.push(url);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>Agent</title><p id="done">You can close this window.</p>');
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
    auth = new AgentAuth(redirectUri);
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 900, height: 800 } })).newPage();
    // Revoke asks window.confirm(); Playwright would dismiss it.
    page.on('dialog', (d) => void d.accept());
  }, 240_000);

  skipAfterFirstFailure();

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await browser?.close();
    callback?.closeAllConnections();
    await new Promise<void>((resolve) => (callback ? callback.close(() => resolve()) : resolve()));
    await w?.close();
  });

  it('publishes protected-resource and authorization-server metadata, and points a 401 at them', async () => {
    const prm = await fetch(`${w.url}/.well-known/oauth-protected-resource/mcp`);
    expect(prm.status).toBe(200);
    const resource = (await prm.json()) as Record<string, unknown>;
    expect(resource).toMatchObject({ resource: `${w.url}/mcp`, authorization_servers: [w.url] });

    const asm = await fetch(`${w.url}/.well-known/oauth-authorization-server`);
    expect(asm.status).toBe(200);
    const meta = (await asm.json()) as Record<string, any>;
    expect(meta).toMatchObject({
      issuer: w.url,
      authorization_endpoint: `${w.url}/oauth/authorize`,
      token_endpoint: `${w.url}/oauth/token`,
      registration_endpoint: `${w.url}/oauth/register`,
      revocation_endpoint: `${w.url}/oauth/revoke`,
    });
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.token_endpoint_auth_methods_supported).toContain('none');
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['memories:read', 'memories:write']));

    const mcp = await fetch(`${w.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(mcp.status).toBe(401);
    expect(mcp.headers.get('www-authenticate')).toContain(`resource_metadata="${w.url}/.well-known/oauth-protected-resource`);
  });

  it('connect fails with UnauthorizedError after the SDK discovered the server and registered itself', async () => {
    const first = new Client({ name: 'e2e-agent', version: '1.0.0' });
    await expect(first.connect(newTransport())).rejects.toBeInstanceOf(UnauthorizedError);
    await first.close().catch(() => undefined);

    expect(requestsTo('/mcp')[0]?.status).toBe(401);
    expect(http.some((r) => r.url.pathname.startsWith('/.well-known/oauth-protected-resource') && r.status === 200)).toBe(true);
    expect(http.some((r) => r.url.pathname === '/.well-known/oauth-authorization-server' && r.status === 200)).toBe(true);
    const register = requestsTo('/oauth/register');
    expect(register).toHaveLength(1);
    expect(register[0]!.status, register[0]!.responseText).toBe(201);
    expect(auth.info?.client_id).toBeTruthy();
    expect(JSON.parse(register[0]!.responseText)).toMatchObject({ client_id: auth.info!.client_id, client_name: 'E2E agent', redirect_uris: [redirectUri] });

    const url = auth.authorizationUrl!;
    expect(url.origin + url.pathname).toBe(`${w.url}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: auth.info!.client_id,
      redirect_uri: redirectUri,
      code_challenge_method: 'S256',
      state: auth.states[0],
      resource: `${w.url}/mcp`,
    });
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('the person signs in through the browser, sees the consent page and allows the agent', async () => {
    await page.goto(auth.authorizationUrl!.href);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/auth/signin');
    await signInVia(page, () => page.getByRole('link', { name: 'Continue with Test IdP A' }).click(), w.idpA, w.url, 'carol');

    // Back on the authorization endpoint: the consent page.
    expect(new URL(page.url()).pathname).toMatch(/^\/oauth\//);
    const allow = page.getByRole('button', { name: 'Allow' });
    await expect.poll(() => allow.isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Deny' }).isVisible()).toBe(true);
    const consent = await page.locator('body').innerText();
    expect(consent).toContain('E2E agent');
    expect(consent).toContain('memories:read');
    expect(consent).toContain('memories:write');
    await page.screenshot({ path: `${SCREENSHOTS}/mcp-oauth-consent.png` });

    await allow.click();
    await expect.poll(() => codes.length).toBe(1);
    await expect.poll(() => page.locator('#done').isVisible()).toBe(true);
    expect(codes[0]!.searchParams.get('state')).toBe(auth.states[0]);
    expect(codes[0]!.searchParams.get('code')).toBeTruthy();
    expect(codes[0]!.searchParams.get('error')).toBeNull();
  });

  it('finishAuth exchanges the code (PKCE) and a new transport lists and calls the memory tools', async () => {
    const transport = newTransport();
    await transport.finishAuth(codes[0]!.searchParams.get('code')!);
    const token = requestsTo('/oauth/token').at(-1)!;
    expect(token.status, token.responseText).toBe(200);
    const sent = new URLSearchParams(token.body);
    expect(sent.get('grant_type')).toBe('authorization_code');
    expect(sent.get('code_verifier')).toBe(auth.verifier);
    firstVerifier = auth.verifier!;
    expect(auth.current?.access_token).toBeTruthy();
    expect(auth.current?.refresh_token).toBeTruthy();
    expect(auth.current?.token_type.toLowerCase()).toBe('bearer');
    const claims = decodeJwt(auth.current!.access_token);
    expect(claims.aud === `${w.url}/mcp` || (Array.isArray(claims.aud) && claims.aud.includes(`${w.url}/mcp`))).toBe(true);
    expect(claims.iss).toBe(w.url);
    expect(claims.exp! - claims.iat!).toBe(ACCESS_TTL_S);
    expect(String(claims.scope ?? '')).toMatch(/memories:read/);
    // The token is for /mcp only (its audience); the REST API does not take it (docs/auth.md).
    const rest = await fetch(`${w.url}/v1/memories`, { headers: { authorization: `Bearer ${auth.current!.access_token}` } });
    expect(rest.status).toBe(401);

    // The person sets an embedding key with their browser session, so the agent can write.
    const key = await pageApi(page, 'PUT', `${w.url}/v1/settings/embedder-key`, {
      provider: 'openai',
      apiKey: 'sk-e2e-agent-key-00000000000000000001',
      model: 'text-embedding-3-small',
      endpoint: w.openai.baseURL,
    });
    expect(key.status, key.text).toBe(200);

    client = new Client({ name: 'e2e-agent', version: '1.0.0' });
    await client.connect(transport);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(expect.arrayContaining(['remember', 'search']));

    const remembered = await call('remember', { text: 'The agent learned that builds use pnpm workspaces', tags: ['build'] });
    expect(remembered.isError, toolText(remembered)).toBeFalsy();
    memoryId = (remembered.structuredContent as { id?: string } | undefined)?.id ?? '';
    const found = await call('search', { query: 'pnpm workspaces' });
    expect(found.isError, toolText(found)).toBeFalsy();
    expect(toolText(found)).toContain('builds use pnpm workspaces');
    expect(memoryId === '' || toolText(found).includes(memoryId) || JSON.stringify(found.structuredContent).includes(memoryId)).toBe(true);
  });

  it('refreshes the expired access token and rotates the refresh token', async () => {
    const before = auth.current!;
    const tokenCalls = requestsTo('/oauth/token').length;
    // Counted from here: on a loaded machine the previous steps can outlast the TTL and refresh already.
    const savedBefore = auth.saved.length;
    await new Promise((r) => setTimeout(r, (ACCESS_TTL_S + 1) * 1000 + 200));
    const direct = await fetch(`${w.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${before.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(direct.status).toBe(401);

    const found = await call('search', { query: 'pnpm' });
    expect(found.isError, toolText(found)).toBeFalsy();
    expect(toolText(found)).toContain('builds use pnpm workspaces');

    const refreshes = requestsTo('/oauth/token').slice(tokenCalls);
    expect(refreshes).toHaveLength(1);
    expect(new URLSearchParams(refreshes[0]!.body).get('grant_type')).toBe('refresh_token');
    expect(refreshes[0]!.status, refreshes[0]!.responseText).toBe(200);
    expect(auth.current!.access_token).not.toBe(before.access_token);
    expect(auth.current!.refresh_token).toBeTruthy();
    expect(auth.current!.refresh_token).not.toBe(before.refresh_token);
    expect(auth.saved.length).toBe(savedBefore + 1);
  });

  it('the person revokes the agent on /account: at once its token, its calls and its refreshes fail', async () => {
    const grants = async (): Promise<Array<{ id: string; clientName: string | null; scopes: string[] }>> =>
      (await pageApi(page, 'GET', `${w.url}/v1/oauth/grants`)).json.items;
    await page.goto(`${w.url}/account`);
    expect((await page.request.get(`${w.url}/assets/account.js`)).status(), 'GET /assets/account.js').toBe(200);
    await expect.poll(async () => (await grants()).map((g) => g.clientName)).toEqual(['E2E agent']);
    expect((await grants())[0]!.scopes).toEqual(expect.arrayContaining(['memories:read', 'memories:write']));
    const section = page.locator('#mcp-clients');
    await expect.poll(() => section.innerText()).toContain('E2E agent');
    await page.screenshot({ path: `${SCREENSHOTS}/mcp-oauth-account.png`, fullPage: true });

    // A fresh access token (the last one has expired by now: this call refreshes it) ...
    await new Promise((r) => setTimeout(r, (ACCESS_TTL_S + 1) * 1000 + 200));
    expect((await call('search', { query: 'pnpm' })).isError).toBeFalsy();
    const live = auth.current!;
    const tokenCalls = requestsTo('/oauth/token').length;

    // ... is refused as soon as the grant is revoked, before it expires.
    await section.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(async () => (await grants()).length).toBe(0);
    const mcp = await fetch(`${w.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${live.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    const stillValid = decodeJwt(live.access_token).exp! * 1000 > Date.now();
    expect(mcp.status).toBe(401);
    await expect.poll(() => section.innerText()).not.toContain('E2E agent');

    // The SDK's next call: 401, its refresh is refused with invalid_grant, it drops the tokens
    // and asks for a new authorization.
    await expect(call('search', { query: 'pnpm' })).rejects.toBeInstanceOf(UnauthorizedError);
    const refreshes = requestsTo('/oauth/token').slice(tokenCalls);
    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    expect(new URLSearchParams(refreshes[0]!.body).get('grant_type')).toBe('refresh_token');
    expect(refreshes[0]!.status).toBe(400);
    expect(JSON.parse(refreshes[0]!.responseText).error).toBe('invalid_grant');
    expect(auth.invalidated).toContain('tokens');
    expect(auth.current).toBeUndefined();
    expect(auth.states).toHaveLength(2);

    // Every token of the grant is dead: the last refresh token, the rotated first one, the code.
    const last = await tokenRequest({ grant_type: 'refresh_token', refresh_token: live.refresh_token!, client_id: auth.info!.client_id });
    expect(last).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    const first = await tokenRequest({ grant_type: 'refresh_token', refresh_token: auth.saved[0]!.refresh_token!, client_id: auth.info!.client_id });
    expect(first).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    const replay = await tokenRequest({
      grant_type: 'authorization_code',
      code: codes[0]!.searchParams.get('code')!,
      code_verifier: firstVerifier,
      redirect_uri: redirectUri,
      client_id: auth.info!.client_id,
    });
    expect(replay).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    // Only meaningful while the token had not expired on its own; say so if the machine was slow.
    if (!stillValid) console.warn('mcpOAuth: the access token had expired before the revocation check; raise ACCESS_TTL_S');
  });

  it('asks again after the revocation, and a denial reaches the client as access_denied', async () => {
    const url = auth.authorizationUrl!;
    expect(url.searchParams.get('state')).toBe(auth.states[1]);
    await page.goto(url.href);
    // Still signed in to Kairos: straight to the consent page.
    const deny = page.getByRole('button', { name: 'Deny' });
    await expect.poll(() => deny.isVisible()).toBe(true);
    await deny.click();
    await expect.poll(() => codes.length).toBe(2);
    expect(Object.fromEntries(codes[1]!.searchParams)).toMatchObject({ error: 'access_denied', state: auth.states[1], iss: w.url });
    expect(codes[1]!.searchParams.get('code')).toBeNull();
    expect((await pageApi(page, 'GET', `${w.url}/v1/oauth/grants`)).json.items).toEqual([]);
  });
});
