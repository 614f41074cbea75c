/**
 * The REST contract (src/protocol/rest/) against the real server: the server registers exactly
 * the table's /v1 routes, and each of the four clients (extension, CLI, console bridge, Account
 * page), running its own code over real HTTP on loopback, gets the same answers and maps each
 * failure (404, 400, 401, no server) to the same code and message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Backend } from '../../src/cli/backend.js';
import { CliError, EXIT } from '../../src/cli/exitCodes.js';
import { KairosClient } from '../../src/extension/client.js';
import { rest } from '../../src/protocol/rest/endpoints.js';
import { httpStatusFor } from '../../src/protocol/rest/errors.js';
import { routes } from '../../src/protocol/rest/routes.js';
import { accountRoutes } from '../../src/server/routes/account.js';
import { eventRoutes } from '../../src/server/routes/events.js';
import { localRoutes } from '../../src/server/routes/local.js';
import { memoryRoutes } from '../../src/server/routes/memories.js';
import { portableRoutes } from '../../src/server/routes/portable.js';
import { serviceRoutes } from '../../src/server/routes/service.js';
import { createApiClient } from '../../webview-ui/account/api.js';
import { accountApi } from '../../webview-ui/account/routes.js';
import { createHttpBridge } from '../../webview-ui/bridges/http.js';
import { hashEmbedder, startTestServer, type TestServer } from '../server/helpers.js';

/** What every client is asked to do, and the failure it gets, as {code, status?, message}. */
interface Client {
  name: string;
  spaces(): Promise<Array<{ space: string }>>;
  get(id: string): Promise<{ id: string; text: string }>;
  /** GET /v1/memories with a space name the server refuses (the client itself sends it as is). */
  listInBadSpace(): Promise<unknown>;
}

interface Failure {
  code: string;
  status?: number;
  message: string;
}

async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (e) {
    const { code, status, message } = e as { code?: string; status?: number; message: string };
    return { code: e instanceof CliError ? `exit_${e.exitCode}` : String(code), ...(status !== undefined ? { status } : {}), message };
  }
  throw new Error('expected the call to fail');
}

/** A fetch that carries a bearer, as the browser would carry the console cookie. */
const withBearer =
  (token: string): typeof fetch =>
  (input, init) =>
    fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), Authorization: `Bearer ${token}` } });

const BAD_SPACE = 'Not A Space';

function clientsFor(url: string, token: string, cli: Backend | undefined): Client[] {
  const ext = new KairosClient(async () => ({ baseUrl: url, token }));
  const bridge = createHttpBridge({ baseUrl: url, fetch: withBearer(token), lifecycle: { addEventListener: () => undefined } });
  const page = createApiClient({ base: url, fetch: withBearer(token) });
  const account = accountApi(page);
  const list: Client[] = [
    { name: 'extension', spaces: () => ext.spaces(), get: (id) => ext.get({ id }), listInBadSpace: () => ext.list({ space: BAD_SPACE }) },
    {
      name: 'console bridge',
      spaces: () => bridge.request('spaces', {}),
      get: (id) => bridge.request('get', { id }),
      listInBadSpace: () => bridge.request('list', { space: BAD_SPACE }),
    },
    {
      // The Account page's own routes plus the shared client it is built on, for the memory routes.
      name: 'account page',
      spaces: async () => (await account.me()).spaces,
      get: (id) => page.call(routes.get, { path: { id } }),
      listInBadSpace: () => page.call(routes.list, { query: { space: BAD_SPACE } }),
    },
  ];
  if (cli) {
    list.push({
      name: 'cli',
      spaces: async () => [{ space: (await cli.list({})).items[0]?.space ?? '' }],
      get: (id) => cli.get(id),
      listInBadSpace: () => cli.list({ space: BAD_SPACE }),
    });
  }
  return list;
}

describe('the server registers exactly the contract’s /v1 routes', () => {
  it('has a handler for every /v1 entry of the table, and none outside it', () => {
    const deps = {} as never;
    const routers = [memoryRoutes(), portableRoutes(1), accountRoutes(deps), eventRoutes(deps, deps), localRoutes(deps), serviceRoutes(deps, deps)];
    const served = new Set(routers.flatMap((r) => r.routes.map((x) => `${x.method} /v1${x.path}`)));
    const table = new Set(
      Object.values(rest)
        .filter((e) => e.path.startsWith('/v1/'))
        .map((e) => `${e.method} ${e.path}`),
    );
    expect([...served].sort()).toEqual([...table].sort());
  });

  it('gives every route its schemas: the schema-less list and the table agree entry by entry', () => {
    for (const [name, route] of Object.entries(routes)) {
      const ep = rest[name as keyof typeof rest];
      expect({ method: ep.method, path: ep.path, query: ep.query }).toEqual({ method: route.method, path: route.path, query: route.query });
      // A JSON body or answer in the list is a schema in the table.
      if (route.body === 'json') expect(typeof ep.body, `${name} body`).toBe('object');
      if (route.answer === 'json') expect(typeof ep.answer, `${name} answer`).toBe('object');
    }
  });
});

describe('each client against the real server', () => {
  let s: TestServer;
  let cli: Backend;
  let clients: Client[];
  let id: string;

  beforeAll(async () => {
    s = await startTestServer(undefined, {}, { embedder: hashEmbedder });
    cli = await connect({ KAIROS_HOME: s.home });
    clients = clientsFor(s.url, s.token, cli);
    const created = await s.api('POST', '/v1/memories', { body: { text: 'The contract test writes this memory.' } });
    id = created.json.memory.id;
  }, 60_000);

  afterAll(async () => {
    await cli?.close();
    await s?.close();
  });

  it('reaches the running server from the CLI over HTTP (not the data dir)', () => {
    expect(cli.mode).toBe('http');
  });

  it('reads the same memory and the same spaces through every client', async () => {
    for (const c of clients) {
      await expect(c.get(id), c.name).resolves.toMatchObject({ id, text: 'The contract test writes this memory.' });
      expect(
        (await c.spaces()).map((g) => g.space),
        c.name,
      ).toContain(`kairos_user_${(await s.api('GET', '/v1/me')).json.principal.uid}`);
    }
  });

  it('maps a 404 to not_found with the server’s message, the same in every client', async () => {
    const got = await Promise.all(clients.map(async (c) => ({ name: c.name, ...(await failure(c.get('no-such-memory'))) })));
    const message = (await s.api('GET', '/v1/memories/no-such-memory')).json.error.message;
    for (const f of got) {
      expect(f, f.name).toMatchObject({ code: 'not_found', message });
      // The CLI reports through exit codes and has no status; the others carry the one from the table.
      if (f.name !== 'cli') expect(f.status, f.name).toBe(httpStatusFor.not_found);
    }
  });

  it('maps a 400 to invalid_input with the message that says what to fix, the same in every client', async () => {
    const got = await Promise.all(clients.map(async (c) => ({ name: c.name, ...(await failure(c.listInBadSpace())) })));
    for (const f of got) {
      expect(f, f.name).toMatchObject({ code: 'invalid_input' });
      expect(f.message, f.name).toBe(got[0]!.message);
      if (f.name !== 'cli') expect(f.status, f.name).toBe(400);
    }
    expect(got[0]!.message).toMatch(/space/i);
  });

  it('maps a wrong credential to unauthorized in every client', async () => {
    const bad = clientsFor(s.url, 'x'.repeat(43), undefined);
    for (const c of bad) await expect(failure(c.get(id)), c.name).resolves.toMatchObject({ code: 'unauthorized', status: 401 });
  });

  it('maps no server at all to unreachable (status 0); the CLI exits with "unavailable"', async () => {
    const down = 'http://127.0.0.1:9';
    for (const c of clientsFor(down, s.token, undefined)) {
      await expect(failure(c.get(id)), c.name).resolves.toMatchObject({
        code: 'unreachable',
        status: 0,
        message: expect.stringContaining(`Cannot reach the Kairos server at ${down}`),
      });
    }
    const { HttpClient } = await import('../../src/cli/httpClient.js');
    const f = await failure(new HttpClient(down, s.token).call(routes.get, { path: { id } }));
    expect(f.code).toBe(`exit_${EXIT.unavailable}`);
    expect(f.message).toContain(`Cannot reach the Kairos server at ${down}`);
  });
});
