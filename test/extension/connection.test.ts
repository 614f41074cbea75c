import { describe, expect, it } from 'vitest';
import { AuthController } from '../../src/extension/auth.js';
import { readSettings, type ExtensionSettings } from '../../src/extension/config.js';
import { ConnectionResolver, LOCAL_PLACEHOLDER_URI, MCP_LABEL, setupReason, type EngineHandle } from '../../src/extension/connection.js';
import type { EngineConnection } from '../../src/extension/engine.js';

function engineStub(): EngineHandle & { starts: number } {
  let conn: EngineConnection | undefined;
  return {
    starts: 0,
    get connection() {
      return conn;
    },
    async ensure() {
      this.starts++;
      conn = { url: 'http://127.0.0.1:4567', token: 'local-token-abcdef', pid: 42, owned: true };
      return conn;
    },
  };
}

function setup(values: Record<string, unknown>, token = 'gho_session') {
  const store = new Map<string, unknown>();
  let n = 0;
  const auth = new AuthController(async () => ({ accessToken: `${token}-${++n}`, account: { id: 'u', label: 'octo' } }), {
    get: <T>(k: string) => store.get(k) as T | undefined,
    update: async (k, v) => void store.set(k, v),
  });
  let settings: ExtensionSettings = readSettings((k) => values[k]);
  const engine = engineStub();
  const resolver = new ConnectionResolver(() => settings, engine, auth);
  return { resolver, engine, auth, set: (v: Record<string, unknown>) => (settings = readSettings((k) => v[k])) };
}

describe('ConnectionResolver (MCP definition logic)', () => {
  it("names the window's repo in X-Kairos-Repo on the offered and the resolved definition, following it when it changes", async () => {
    const { engine, auth } = setup({});
    let repo: string | undefined = 'github.com/acme/app';
    const resolver = new ConnectionResolver(
      () => readSettings(() => undefined),
      engine,
      auth,
      () => repo,
    );
    expect(resolver.provide()[0]?.headers).toEqual({ 'X-Kairos-Repo': 'github.com/acme/app' });
    expect((await resolver.resolve(MCP_LABEL))?.headers).toEqual({ Authorization: 'Bearer local-token-abcdef', 'X-Kairos-Repo': 'github.com/acme/app' });
    repo = 'local/scratch';
    expect(resolver.provide()[0]?.headers).toEqual({ 'X-Kairos-Repo': 'local/scratch' });
    repo = undefined;
    expect(resolver.provide()[0]?.headers).toEqual({});
  });

  it('offers the local definition without starting the engine and without any token', () => {
    const { resolver, engine } = setup({});
    expect(resolver.provide()).toEqual([{ label: MCP_LABEL, uri: LOCAL_PLACEHOLDER_URI, headers: {}, version: 'local' }]);
    expect(engine.starts).toBe(0);
  });

  it('resolves the local definition to the running engine with its bearer header', async () => {
    const { resolver, engine } = setup({});
    const def = await resolver.resolve(MCP_LABEL);
    expect(engine.starts).toBe(1);
    expect(def).toEqual({ label: MCP_LABEL, uri: 'http://127.0.0.1:4567/mcp', headers: { Authorization: 'Bearer local-token-abcdef' }, version: 'local' });
    expect(resolver.provide()[0]?.uri).toBe('http://127.0.0.1:4567/mcp');
  });

  it('offers nothing in remote mode until the user signs in', async () => {
    const { resolver, auth } = setup({ mode: 'remote', serverUrl: 'https://kairos.example.com/' });
    expect(resolver.provide()).toEqual([]);
    expect(await resolver.resolve(MCP_LABEL)).toBeUndefined();
    await auth.signIn('github');
    expect(resolver.provide()).toEqual([
      { label: MCP_LABEL, uri: 'https://kairos.example.com/mcp', headers: {}, version: 'remote:https://kairos.example.com' },
    ]);
  });

  it('resolves the remote definition with a fresh session token each time', async () => {
    const { resolver, auth } = setup({ mode: 'remote', serverUrl: 'https://kairos.example.com' });
    await auth.signIn('github');
    const a = await resolver.resolve(MCP_LABEL);
    const b = await resolver.resolve(MCP_LABEL);
    expect(a?.uri).toBe('https://kairos.example.com/mcp');
    expect(a?.headers.Authorization).toBe('Bearer gho_session-2');
    expect(b?.headers.Authorization).toBe('Bearer gho_session-3');
  });

  it('refuses remote requests without a server URL with a message naming the setting', async () => {
    const { resolver, auth } = setup({ mode: 'remote' });
    await auth.signIn('github');
    await expect(resolver.target()).rejects.toThrow(/kairos\.serverUrl/);
    expect(await resolver.resolve(MCP_LABEL)).toBeUndefined();
  });

  it('ignores definitions it did not provide', async () => {
    const { resolver } = setup({});
    expect(await resolver.resolve('Someone else')).toBeUndefined();
  });
});

describe('setupReason (what the view asks for in remote mode)', () => {
  it('asks for the server URL first, then a sign-in, and nothing in local mode', () => {
    expect(setupReason({ mode: 'local', serverUrl: '' }, false)).toBeUndefined();
    expect(setupReason({ mode: 'remote', serverUrl: '' }, true)).toBe('no-server-url');
    expect(setupReason({ mode: 'remote', serverUrl: 'https://k.example' }, false)).toBe('signed-out');
    expect(setupReason({ mode: 'remote', serverUrl: 'https://k.example' }, true)).toBeUndefined();
  });
});
