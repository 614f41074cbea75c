/**
 * Kairos's own OAuth 2.1 authorization server for /mcp, over real HTTP on loopback against
 * PostgreSQL: metadata, dynamic registration, consent, PKCE, audience binding, refresh rotation,
 * revocation, and the negative cases (each asserts what the server answers). The browser sign-in
 * itself is covered by test/e2e/signin.e2e.test.ts; here a session row stands in for it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { OAuthMetadataSchema, OAuthProtectedResourceMetadataSchema } from '@modelcontextprotocol/sdk/shared/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeReturn } from '../../src/auth/web/routes.js';
import { createWebSession } from '../../src/identity/webSessions.js';
import { parseJsonOrUndefined } from '../server/helpers.js';
import { BACKENDS, startServiceWorld, type ServiceWorld } from './harness.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const TOOLS_LIST = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
const MCP_HEADERS = { accept: 'application/json, text/event-stream' };

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('OAuth 2.1 authorization server for /mcp', () => {
  let w: ServiceWorld;
  let cookie: string;
  let uid: string;
  let clientId: string;

  const form = async (path: string, params: Record<string, string>, headers: Record<string, string> = {}) => {
    const res = await fetch(w.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(params),
      redirect: 'manual',
    });
    const text = await res.text();
    // A page (not JSON) reads as {} so that `.json.error` stays undefined.
    const json = (parseJsonOrUndefined(text) ?? {}) as Record<string, unknown>;
    return { status: res.status, headers: res.headers, text, json };
  };
  const get = (path: string, withCookie = true) => fetch(w.url + path, { headers: withCookie ? { cookie } : {}, redirect: 'manual' });

  function authorizeQuery(over: Record<string, string | undefined> = {}, challenge = pkce().challenge): string {
    const p: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'memories:read memories:write',
      state: 'st-1',
      resource: `${w.url}/mcp`,
      ...over,
    };
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(p)) if (v !== undefined) q.set(k, v);
    return `/oauth/authorize?${q}`;
  }

  /** Walks consent (GET page → POST allow) and returns the authorization code. */
  async function authorize(challenge: string, decision = 'allow'): Promise<URL> {
    const pageRes = await get(authorizeQuery({}, challenge));
    expect(pageRes.status).toBe(200);
    // Lets the browser send this origin (not "null") on the consent POST.
    expect(pageRes.headers.get('referrer-policy')).toBe('same-origin');
    const html = await pageRes.text();
    const fields = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
        m[1]!,
        m[2]!.replace(/&#(\d+);/g, (_s, n: string) => String.fromCharCode(Number(n))),
      ]),
    );
    const res = await form('/oauth/authorize', { ...fields, decision }, { cookie, origin: w.url });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  }

  async function tokens(challenge: { verifier: string; challenge: string }) {
    const loc = await authorize(challenge.challenge);
    const code = loc.searchParams.get('code')!;
    const res = await form('/oauth/token', {
      grant_type: 'authorization_code',
      code,
      code_verifier: challenge.verifier,
      redirect_uri: REDIRECT,
      client_id: clientId,
      resource: `${w.url}/mcp`,
    });
    expect(res.status, res.text).toBe(200);
    return { code, ...(res.json as { access_token: string; refresh_token: string; expires_in: number; scope: string }) };
  }

  const mcp = (token: string) => w.api('POST', '/mcp', token, { body: TOOLS_LIST, headers: MCP_HEADERS });

  beforeAll(async () => {
    w = await startServiceWorld(BACKENDS[0]!);
    const gh = w.githubUser(4242, 'octo');
    uid = (await w.api('GET', '/v1/me', gh)).json.principal.uid;
    const { id } = await createWebSession(w.server.runtime.db, uid, new Date());
    cookie = `kairos_session=${id}`;
    const reg = await w.api('POST', '/oauth/register', null, {
      body: {
        client_name: 'Test agent',
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    });
    expect(reg.status, reg.text).toBe(201);
    clientId = reg.json.client_id;
  });
  afterAll(async () => {
    await w?.close();
  });

  it('publishes RFC 8414 and RFC 9728 metadata that the MCP SDK schemas accept', async () => {
    const as = await w.api('GET', '/.well-known/oauth-authorization-server', null);
    const meta = OAuthMetadataSchema.parse(as.json);
    expect(meta.issuer).toBe(w.url);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.registration_endpoint).toBe(`${w.url}/oauth/register`);
    const pr = OAuthProtectedResourceMetadataSchema.parse((await w.api('GET', '/.well-known/oauth-protected-resource/mcp', null)).json);
    expect(pr.resource).toBe(`${w.url}/mcp`);
    expect(pr.authorization_servers?.[0]).toBe(w.url);
    expect(pr.scopes_supported).toEqual(['memories:read', 'memories:write']);
  });

  it('refuses registrations with unsafe redirect URIs or unknown grant types', async () => {
    for (const redirect_uris of [['http://evil.example/cb'], ['javascript:alert(1)'], ['https://ok.example/cb#frag'], []]) {
      const r = await w.api('POST', '/oauth/register', null, { body: { client_name: 'x', redirect_uris } });
      expect(r.status, JSON.stringify(redirect_uris)).toBe(400);
      expect(['invalid_redirect_uri', 'invalid_client_metadata']).toContain(r.json.error);
      expect(r.json.error_description).toEqual(expect.any(String));
    }
    const grant = await w.api('POST', '/oauth/register', null, { body: { redirect_uris: [REDIRECT], grant_types: ['client_credentials'] } });
    expect(grant.status).toBe(400);
    expect(grant.json.error).toBe('invalid_client_metadata');
    const notJson = await w.api('POST', '/oauth/register', null, { raw: 'nope', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
  });

  it('sends a signed-out person to sign in and back', async () => {
    const res = await get(authorizeQuery(), false);
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location')!, w.url);
    expect(loc.pathname).toBe('/auth/signin');
    expect(loc.searchParams.get('return')).toMatch(/^\/oauth\/authorize\?/);
  });

  it('never redirects to an unregistered redirect URI or for an unknown client', async () => {
    for (const q of [authorizeQuery({ redirect_uri: 'http://127.0.0.1:9/other' }), authorizeQuery({ client_id: 'kc_unknown' })]) {
      const res = await get(q);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('Cannot authorize');
    }
  });

  it('answers bad authorization requests through the redirect URI with the RFC 6749 error', async () => {
    const cases: Array<[Record<string, string | undefined>, string]> = [
      [{ code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ resource: 'https://other.example/mcp' }, 'invalid_target'],
      [{ scope: 'memories:read admin' }, 'invalid_scope'],
    ];
    for (const [over, error] of cases) {
      const res = await get(authorizeQuery(over));
      expect(res.status, JSON.stringify(over)).toBe(302);
      const loc = new URL(res.headers.get('location')!);
      expect(loc.origin + loc.pathname).toBe(REDIRECT);
      expect(loc.searchParams.get('error')).toBe(error);
      expect(loc.searchParams.get('state')).toBe('st-1');
      expect(loc.searchParams.get('iss')).toBe(w.url);
    }
  });

  it('refuses a consent POST without the form token or from another origin (CSRF)', async () => {
    const base = {
      client_id: clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      scope: 'memories:read',
      resource: `${w.url}/mcp`,
      decision: 'allow',
    };
    expect((await form('/oauth/authorize', base, { cookie })).status).toBe(403);
    const pageHtml = await (await get(authorizeQuery())).text();
    const token = /name="form_token" value="([^"]+)"/.exec(pageHtml)![1]!;
    expect((await form('/oauth/authorize', { ...base, form_token: token }, { cookie, origin: 'https://evil.example' })).status).toBe(403);
    expect((await form('/oauth/authorize', { ...base, form_token: token })).status).toBe(401);
    const denied = await authorize(pkce().challenge, 'deny');
    expect(denied.searchParams.get('error')).toBe('access_denied');
  });

  it('issues audience-bound tokens through code + PKCE and serves MCP with them', async () => {
    const t = await tokens(pkce());
    expect(t.scope).toBe('memories:read memories:write');
    expect(t.expires_in).toBe(600);
    const payload = JSON.parse(Buffer.from(t.access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: w.url, aud: `${w.url}/mcp`, sub: uid });
    const ok = await mcp(t.access_token);
    expect(ok.status, ok.text).toBe(200);
    expect((ok.json.result.tools as Array<{ name: string }>).map((t) => t.name)).toContain('search');
    // Bound to /mcp: the same token is refused by the REST API (no token passthrough).
    expect((await w.api('GET', '/v1/memories', t.access_token)).status).toBe(401);
  });

  it('refuses a wrong code_verifier, a wrong redirect_uri, and a reused code (which also revokes its grant)', async () => {
    const p1 = pkce();
    const code1 = (await authorize(p1.challenge)).searchParams.get('code')!;
    const wrong = await form('/oauth/token', {
      grant_type: 'authorization_code',
      code: code1,
      code_verifier: pkce().verifier,
      redirect_uri: REDIRECT,
      client_id: clientId,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error).toBe('invalid_grant');

    const p2 = pkce();
    const code2 = (await authorize(p2.challenge)).searchParams.get('code')!;
    const badRedirect = await form('/oauth/token', {
      grant_type: 'authorization_code',
      code: code2,
      code_verifier: p2.verifier,
      redirect_uri: 'http://127.0.0.1:9/other',
      client_id: clientId,
    });
    expect(badRedirect.json.error).toBe('invalid_grant');

    const noVerifier = await form('/oauth/token', { grant_type: 'authorization_code', code: 'kac_x', redirect_uri: REDIRECT, client_id: clientId });
    expect(noVerifier.json.error).toBe('invalid_request');

    const t = await tokens(pkce());
    expect((await mcp(t.access_token)).status).toBe(200);
    const reuse = await form('/oauth/token', {
      grant_type: 'authorization_code',
      code: t.code,
      code_verifier: 'x'.repeat(43),
      redirect_uri: REDIRECT,
      client_id: clientId,
    });
    expect(reuse.status).toBe(400);
    expect(reuse.json.error).toBe('invalid_grant');
    expect(String(reuse.json.error_description)).toContain('already used');
    expect((await mcp(t.access_token)).status).toBe(401);
  });

  it('refuses tokens for another audience, expired tokens, and tokens of unknown clients', async () => {
    const tokensApi = w.server.runtime.tokens;
    const grant = await tokens(pkce());
    const gid = JSON.parse(Buffer.from(grant.access_token.split('.')[1]!, 'base64url').toString()).gid as string;
    const otherAud = await tokensApi.issue({ uid, grantId: gid, clientId, scopes: ['memories:read'], resource: 'https://other.example/mcp' }, new Date());
    expect((await mcp(otherAud)).status).toBe(401);
    const expired = await tokensApi.issue(
      { uid, grantId: gid, clientId, scopes: ['memories:read'], resource: `${w.url}/mcp` },
      new Date(Date.now() - 3_600_000),
    );
    const res = await mcp(expired);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('resource_metadata=');
    const foreign = await w.issuer.sign({ sub: 'someone', aud: 'another-api' });
    expect((await mcp(foreign)).status).toBe(401);
    const unknownClient = await form('/oauth/token', { grant_type: 'refresh_token', refresh_token: grant.refresh_token, client_id: 'kc_nope' });
    expect(unknownClient.status).toBe(401);
    expect(unknownClient.json.error).toBe('invalid_client');
  });

  it('rotates refresh tokens and revokes the grant when a rotated token is replayed', async () => {
    const t = await tokens(pkce());
    const r1 = await form('/oauth/token', { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: clientId });
    expect(r1.status, r1.text).toBe(200);
    expect(r1.json.refresh_token).not.toBe(t.refresh_token);
    expect((await mcp(String(r1.json.access_token))).status).toBe(200);
    const unknownScope = await form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: String(r1.json.refresh_token),
      client_id: clientId,
      scope: 'memories:read memories:admin',
    });
    expect(unknownScope.json.error).toBe('invalid_scope');
    // Narrowing is allowed, and a refused request did not use the token up.
    const narrow = await form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: String(r1.json.refresh_token),
      client_id: clientId,
      scope: 'memories:read',
    });
    expect(narrow.status, narrow.text).toBe(200);
    expect(narrow.json.scope).toBe('memories:read');
    const replay = await form('/oauth/token', { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: clientId });
    expect(replay.json.error).toBe('invalid_grant');
    // The replay of the first token ended the grant: the newest tokens stop working too.
    expect((await mcp(String(narrow.json.access_token))).status).toBe(401);
    const after = await form('/oauth/token', { grant_type: 'refresh_token', refresh_token: String(narrow.json.refresh_token), client_id: clientId });
    expect(after.json.error).toBe('invalid_grant');
  });

  it('lists connected clients and revokes them from the account (cookie + CSRF) and through RFC 7009', async () => {
    const t = await tokens(pkce());
    const list = await w.api('GET', '/v1/oauth/grants', null, { headers: { cookie } });
    expect(list.status).toBe(200);
    const item = (list.json.items as Array<{ id: string; clientName: string; scopes: string[] }>).find((g) => t.access_token && g.clientName === 'Test agent');
    expect(item?.scopes).toEqual(['memories:read', 'memories:write']);
    const gid = JSON.parse(Buffer.from(t.access_token.split('.')[1]!, 'base64url').toString()).gid as string;
    expect((await w.api('DELETE', `/v1/oauth/grants/${gid}`, null, { headers: { cookie } })).status).toBe(403);
    const del = await w.api('DELETE', `/v1/oauth/grants/${gid}`, null, { headers: { cookie, 'x-kairos-csrf': '1', origin: w.url } });
    expect(del.status).toBe(200);
    expect((await mcp(t.access_token)).status).toBe(401);
    expect((await form('/oauth/token', { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: clientId })).json.error).toBe('invalid_grant');

    const t2 = await tokens(pkce());
    expect((await form('/oauth/revoke', { token: t2.refresh_token, client_id: clientId })).status).toBe(200);
    expect((await mcp(t2.access_token)).status).toBe(401);
    expect((await form('/oauth/revoke', { token: 'not-a-token', client_id: clientId })).status).toBe(200);
  });

  it('guards cookie requests against CSRF on settings', async () => {
    const body = { provider: 'openai', apiKey: 'sk-test-csrf-0001', endpoint: w.openai.baseURL, model: 'text-embedding-3-small' };
    expect((await w.api('PUT', '/v1/settings/embedder-key', null, { body, headers: { cookie } })).status).toBe(403);
    expect(
      (await w.api('PUT', '/v1/settings/embedder-key', null, { body, headers: { cookie, 'x-kairos-csrf': '1', origin: 'https://evil.example' } })).status,
    ).toBe(403);
    const tested = await w.api('POST', '/v1/settings/embedder-key/test', null, { body, headers: { cookie, 'x-kairos-csrf': '1', origin: w.url } });
    expect(tested.status, tested.text).toBe(200);
    expect(tested.json).toMatchObject({ ok: true, provider: 'openai', dimension: expect.any(Number) });
    const saved = await w.api('PUT', '/v1/settings/embedder-key', null, { body, headers: { cookie, 'x-kairos-csrf': '1' } });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.text).not.toContain('sk-test-csrf-0001');
    expect((await w.api('DELETE', '/v1/settings/embedder-key', null, { headers: { cookie, 'x-kairos-csrf': '1' } })).json).toEqual({ embedderKey: null });
    expect((await w.api('DELETE', '/v1/settings/embedder-key', null, { headers: { cookie, 'x-kairos-csrf': '1' } })).status).toBe(404);
  });

  it('refuses sign-in callbacks that were not started in this browser, and unknown providers', async () => {
    const cb = await get('/auth/callback/nobody?code=x&state=y', false);
    expect(cb.status).toBe(400);
    expect((await get('/auth/signin/nobody', false)).status).toBe(404);
    const signin = await get('/auth/signin', false);
    expect(signin.status).toBe(200);
    expect(signin.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await get('/', false)).headers.get('location')).toBe('/auth/signin?return=%2F');
    expect((await w.api('POST', '/auth/signout', null, { headers: { cookie } })).status).toBe(403);
  });

  it('keeps sign-in return paths on this site', () => {
    expect(safeReturn('/account')).toBe('/account');
    expect(safeReturn('/oauth/authorize?a=1&b=2')).toBe('/oauth/authorize?a=1&b=2');
    for (const bad of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', undefined, '']) expect(safeReturn(bad)).toBe('/');
  });
});
