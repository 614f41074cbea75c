import { describe, expect, it, vi } from 'vitest';
import { ApiError, buildRequest, createApiClient, errorFromBody, SIGN_IN_URL, type ApiCall } from '../../webview-ui/account/api.js';
import { accountApi } from '../../webview-ui/account/routes.js';

function jsonResponse(status: number, body: unknown, statusText = ''): Response {
  return new Response(JSON.stringify(body), { status, statusText, headers: { 'Content-Type': 'application/json' } });
}

describe('buildRequest', () => {
  it('sends GETs with the cookie and no CSRF header or body', () => {
    const r = buildRequest({ method: 'GET', path: '/v1/keys' });
    expect(r.url).toBe('/v1/keys');
    expect(r.init.credentials).toBe('same-origin');
    expect(r.init.headers['X-Kairos-CSRF']).toBeUndefined();
    expect(r.init.headers['Content-Type']).toBeUndefined();
    expect(r.init.body).toBeUndefined();
  });

  it('marks every state-changing request with the CSRF header, and JSON bodies with their type', () => {
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const bare = buildRequest({ method, path: '/x' });
      expect(bare.init.headers['X-Kairos-CSRF']).toBe('1');
      expect(bare.init.credentials).toBe('same-origin');
      expect(bare.init.headers['Content-Type']).toBeUndefined();
      const withBody = buildRequest({ method, path: '/x', json: { name: 'a"b' } });
      expect(withBody.init.headers['Content-Type']).toBe('application/json');
      expect(withBody.init.body).toBe('{"name":"a\\"b"}');
    }
  });

  it('prefixes a base without doubling slashes', () => {
    expect(buildRequest({ method: 'GET', path: '/v1/me' }, 'https://k.example/').url).toBe('https://k.example/v1/me');
  });
});

describe('errorFromBody', () => {
  it('takes code and message from the error body', () => {
    const e = errorFromBody(409, 'Conflict', { error: { code: 'conflict', message: 'Last owner.' } });
    expect(e).toBeInstanceOf(ApiError);
    expect([e.code, e.message, e.status]).toEqual(['conflict', 'Last owner.', 409]);
  });

  it('falls back to the status when the body says nothing usable', () => {
    expect(errorFromBody(401, 'Unauthorized', undefined).code).toBe('unauthorized');
    const e = errorFromBody(502, 'Bad Gateway', '<html>');
    expect([e.code, e.message]).toEqual(['http_502', 'The Kairos server answered 502 Bad Gateway.']);
    expect(errorFromBody(500, '', { error: { code: 1 } }).message).toBe('The Kairos server answered 500.');
  });
});

describe('createApiClient', () => {
  it('parses JSON answers and passes the built request to fetch', async () => {
    const fetch = vi.fn(async () => jsonResponse(200, { items: [] }));
    const c = createApiClient({ fetch });
    await expect(c.json({ method: 'POST', path: '/v1/orgs', json: { name: 'T' } })).resolves.toEqual({ items: [] });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit & { headers: Record<string, string> }];
    expect(url).toBe('/v1/orgs');
    expect(init.method).toBe('POST');
    expect(init.headers['X-Kairos-CSRF']).toBe('1');
  });

  it('calls onUnauthorized on a 401 and still rejects', async () => {
    const onUnauthorized = vi.fn();
    const c = createApiClient({ fetch: async () => jsonResponse(401, { error: { code: 'unauthorized', message: 'Sign in.' } }), onUnauthorized });
    await expect(c.json({ method: 'GET', path: '/v1/me' })).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(SIGN_IN_URL).toBe('/auth/signin?return=/account');
  });

  it('turns errors into ApiError with the server message, without calling onUnauthorized', async () => {
    const onUnauthorized = vi.fn();
    const c = createApiClient({ fetch: async () => jsonResponse(424, { error: { code: 'embedder_auth', message: 'OpenAI refused the key.' } }), onUnauthorized });
    await expect(c.json({ method: 'PUT', path: '/v1/settings/embedder-key', json: {} })).rejects.toMatchObject({ code: 'embedder_auth', message: 'OpenAI refused the key.' });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('reports a network failure as an ApiError', async () => {
    const c = createApiClient({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(c.json({ method: 'GET', path: '/v1/me' })).rejects.toMatchObject({ code: 'network' });
  });

  it('returns text for downloads', async () => {
    const c = createApiClient({ fetch: async () => new Response('{"user":{}}', { status: 200 }) });
    await expect(c.text({ method: 'GET', path: '/v1/me/export' })).resolves.toBe('{"user":{}}');
  });
});

describe('accountApi', () => {
  const recorder = () => {
    const calls: ApiCall[] = [];
    const client = {
      json: async <T>(call: ApiCall): Promise<T> => {
        calls.push(call);
        return {} as T;
      },
      text: async (call: ApiCall): Promise<string> => {
        calls.push(call);
        return '';
      },
    };
    return { calls, api: accountApi(client) };
  };

  it('maps each action to its route, method and body', async () => {
    const { calls, api } = recorder();
    const body = { provider: 'openai' as const, apiKey: 'sk-12345678' };
    await api.me();
    await api.signOut();
    await api.signOutEverywhere();
    await api.embedderKey();
    await api.testEmbedderKey(body);
    await api.saveEmbedderKey(body);
    await api.removeEmbedderKey();
    await api.keys();
    await api.createKey({ name: 'ci', scopes: ['read'] });
    await api.grants();
    await api.channels();
    await api.providers();
    await api.linkCode();
    await api.redeem('ABCD-1234');
    await api.redeem('ABCD-1234', false);
    await api.teams();
    await api.createTeam('Core');
    await api.join('JOIN-CODE');
    await api.exportAccount();
    await api.deleteAccount();
    expect(calls).toEqual([
      { method: 'GET', path: '/v1/me' },
      { method: 'POST', path: '/auth/signout' },
      { method: 'POST', path: '/auth/signout-everywhere' },
      { method: 'GET', path: '/v1/settings/embedder-key' },
      { method: 'POST', path: '/v1/settings/embedder-key/test', json: body },
      { method: 'PUT', path: '/v1/settings/embedder-key', json: body },
      { method: 'DELETE', path: '/v1/settings/embedder-key' },
      { method: 'GET', path: '/v1/keys' },
      { method: 'POST', path: '/v1/keys', json: { name: 'ci', scopes: ['read'] } },
      { method: 'GET', path: '/v1/oauth/grants' },
      { method: 'GET', path: '/v1/link/channels' },
      { method: 'GET', path: '/auth/providers' },
      { method: 'POST', path: '/v1/link/code' },
      { method: 'POST', path: '/v1/link/redeem', json: { code: 'ABCD-1234' } },
      { method: 'POST', path: '/v1/link/redeem', json: { code: 'ABCD-1234', merge: false } },
      { method: 'GET', path: '/v1/orgs' },
      { method: 'POST', path: '/v1/orgs', json: { name: 'Core' } },
      { method: 'POST', path: '/v1/orgs/join', json: { code: 'JOIN-CODE' } },
      { method: 'GET', path: '/v1/me/export' },
      { method: 'DELETE', path: '/v1/me' },
    ]);
  });

  it('URL-encodes ids, channel types and channel uids', async () => {
    const { calls, api } = recorder();
    await api.revokeKey('k/1?x');
    await api.revokeGrant('g#1');
    await api.unlink({ type: 'oidc', uid: 'https://id.example.com:8443/realms/a:sub|1' });
    await api.invite('o 1', 'reader');
    await api.leave('o/1');
    expect(calls).toEqual([
      { method: 'DELETE', path: '/v1/keys/k%2F1%3Fx' },
      { method: 'DELETE', path: '/v1/oauth/grants/g%231' },
      { method: 'DELETE', path: '/v1/link/channels/oidc/https%3A%2F%2Fid.example.com%3A8443%2Frealms%2Fa%3Asub%7C1' },
      { method: 'POST', path: '/v1/orgs/o%201/invites', json: { role: 'reader' } },
      { method: 'POST', path: '/v1/orgs/o%2F1/leave' },
    ]);
  });
});
