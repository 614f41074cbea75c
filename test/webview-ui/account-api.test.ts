import { describe, expect, it, vi } from 'vitest';
import { errorFromAnswer } from '../../src/protocol/apiError.js';
import type { Endpoint } from '../../src/protocol/rest/endpoint.js';
import { rest } from '../../src/protocol/rest/endpoints.js';
import { buildCall } from '../../src/protocol/restClient.js';
import { ApiError, createApiClient, SIGN_IN_URL, type ApiClient } from '../../webview-ui/account/api.js';
import { accountApi } from '../../webview-ui/account/routes.js';

function jsonResponse(status: number, body: unknown, statusText = ''): Response {
  return new Response(JSON.stringify(body), { status, statusText, headers: { 'Content-Type': 'application/json' } });
}

type Sent = [string, RequestInit & { headers: Record<string, string> }];

/** A client whose fetch records what it was given and answers `body`. */
function recording(body: unknown = { items: [] }, base?: string) {
  const fetch = vi.fn(async (..._args: unknown[]) => jsonResponse(200, body));
  return {
    fetch,
    client: createApiClient({ fetch: fetch as unknown as typeof globalThis.fetch, ...(base ? { base } : {}) }),
    sent: () => fetch.mock.calls.map((c) => c as unknown as Sent),
  };
}

describe('the browser transport', () => {
  it('sends GETs with the cookie and no CSRF header or body', async () => {
    const { client, sent } = recording();
    await client.call(rest.keys, {});
    const [url, init] = sent()[0]!;
    expect(url).toBe('/v1/keys');
    expect(init.credentials).toBe('same-origin');
    expect(init.headers['X-Kairos-CSRF']).toBeUndefined();
    expect(init.headers['Content-Type']).toBeUndefined();
    expect(init.body).toBeUndefined();
  });

  it('marks every state-changing request with the CSRF header, and JSON bodies with their type', async () => {
    const { client, sent } = recording({ revoked: true, embedderKey: null, key: 'k' });
    await client.call(rest.revokeKey, { path: { id: 'k1' } });
    await client.call(rest.deleteEmbedderKey, {});
    await client.call(rest.createKey, { body: { name: 'a"b' } });
    for (const [, init] of sent()) {
      expect(init.headers['X-Kairos-CSRF']).toBe('1');
      expect(init.credentials).toBe('same-origin');
    }
    expect(sent()[0]![1].headers['Content-Type']).toBeUndefined();
    expect(sent()[2]![1].headers['Content-Type']).toBe('application/json');
    expect(sent()[2]![1].body).toBe('{"name":"a\\"b"}');
  });

  it('prefixes a base without doubling slashes', async () => {
    const { client, sent } = recording({ principal: { uid: 'u' } }, 'https://k.example/');
    await client.call(rest.me, {});
    expect(sent()[0]![0]).toBe('https://k.example/v1/me');
  });
});

describe('errorFromAnswer (the one mapping every client uses)', () => {
  it('takes code and message from the error body', () => {
    const e = errorFromAnswer(409, 'Conflict', JSON.stringify({ error: { code: 'conflict', message: 'Last owner.' } }));
    expect(e).toBeInstanceOf(ApiError);
    expect([e.code, e.message, e.status]).toEqual(['conflict', 'Last owner.', 409]);
  });

  it('falls back to the code the status stands for when the body says nothing usable', () => {
    expect(errorFromAnswer(401, 'Unauthorized', '').code).toBe('unauthorized');
    const e = errorFromAnswer(502, 'Bad Gateway', '<html>');
    expect([e.code, e.message]).toEqual(['unavailable', 'The Kairos server answered 502 Bad Gateway.']);
    const odd = errorFromAnswer(500, '', JSON.stringify({ error: { code: 1 } }));
    expect([odd.code, odd.message]).toEqual(['internal', 'The Kairos server answered 500.']);
    expect(errorFromAnswer(418, "I'm a teapot", '').code).toBe('bad_response');
  });
});

describe('createApiClient', () => {
  it('parses JSON answers and passes the built request to fetch', async () => {
    const { client, sent } = recording({ items: [] });
    await expect(client.call(rest.orgs, {})).resolves.toEqual({ items: [] });
    await client.call(rest.createOrg, { body: { name: 'T' } });
    const [url, init] = sent()[1]!;
    expect(url).toBe('/v1/orgs');
    expect(init.method).toBe('POST');
    expect(init.headers['X-Kairos-CSRF']).toBe('1');
  });

  it('refuses a body the contract refuses, before sending anything', async () => {
    const { client, fetch } = recording();
    await expect(client.call(rest.createOrg, { body: { name: '' } })).rejects.toMatchObject({ code: 'invalid_input', status: 0 });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('calls onUnauthorized on a 401 and still rejects', async () => {
    const onUnauthorized = vi.fn();
    const c = createApiClient({ fetch: async () => jsonResponse(401, { error: { code: 'unauthorized', message: 'Sign in.' } }), onUnauthorized });
    await expect(c.call(rest.me, {})).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(SIGN_IN_URL).toBe('/auth/signin?return=/account');
  });

  it('turns errors into ApiError with the server message, without calling onUnauthorized', async () => {
    const onUnauthorized = vi.fn();
    const c = createApiClient({
      fetch: async () => jsonResponse(424, { error: { code: 'embedder_auth', message: 'OpenAI refused the key.' } }),
      onUnauthorized,
    });
    await expect(c.call(rest.putEmbedderKey, { body: { provider: 'openai', apiKey: 'sk-12345678' } })).rejects.toMatchObject({
      code: 'embedder_auth',
      message: 'OpenAI refused the key.',
    });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('reports a network failure as an ApiError', async () => {
    const c = createApiClient({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(c.call(rest.me, {})).rejects.toMatchObject({ code: 'unreachable', status: 0 });
  });

  it("reports an answer that is not the contract's as bad_response", async () => {
    const c = createApiClient({ fetch: async () => new Response('<html>login</html>', { status: 200 }) });
    await expect(c.call(rest.me, {})).rejects.toMatchObject({ code: 'bad_response', status: 200 });
  });

  it('returns text for downloads', async () => {
    const c = createApiClient({ fetch: async () => new Response('{"user":{}}', { status: 200 }) });
    await expect(c.text(rest.exportAccount, {})).resolves.toBe('{"user":{}}');
  });
});

describe('accountApi', () => {
  /** Records each call as method, path and JSON body, as buildCall would send it. */
  const recorder = () => {
    const calls: Array<{ method: string; path: string; json?: unknown }> = [];
    const record = (ep: Endpoint, input: unknown): void => {
      const { url, init } = buildCall({ base: '' }, ep, input as never);
      calls.push({ method: init.method, path: url, ...(typeof init.body === 'string' ? { json: JSON.parse(init.body) } : {}) });
    };
    const client: ApiClient = {
      call: async <T>(ep: Endpoint, input: unknown): Promise<T> => {
        record(ep, input);
        return {} as T;
      },
      text: async (ep: Endpoint, input: unknown): Promise<string> => {
        record(ep, input);
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
