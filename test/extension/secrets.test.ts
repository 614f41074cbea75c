import { describe, expect, it } from 'vitest';
import { buildEngineEnv } from '../../src/extension/engineEnv.js';
import { createExtensionLogger } from '../../src/extension/log.js';
import { checkKeyShape, keyHint, KeyStore, secretKeyFor } from '../../src/extension/secrets.js';
import { memoryChannel } from './helpers.js';

function secretStorage() {
  const data = new Map<string, string>();
  return {
    data,
    get: async (k: string) => data.get(k),
    store: async (k: string, v: string) => void data.set(k, v),
    delete: async (k: string) => void data.delete(k),
  };
}

const KEY = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123';

describe('BYOK key handling', () => {
  it('stores one trimmed key per provider in secret storage and clears it', async () => {
    const s = secretStorage();
    const keys = new KeyStore(s);
    await keys.set('openai', `  ${KEY}  `);
    await keys.set('cohere', 'co-key-1234567890');
    expect(s.data.get(secretKeyFor('openai'))).toBe(KEY);
    expect(await keys.get('cohere')).toBe('co-key-1234567890');
    await keys.clear('openai');
    expect(await keys.get('openai')).toBeUndefined();
    expect(await keys.get('cohere')).toBe('co-key-1234567890');
  });

  it('refuses values that cannot be a key before storing anything', async () => {
    const s = secretStorage();
    await expect(new KeyStore(s).set('openai', 'two words here')).rejects.toThrow(/one line/);
    expect(s.data.size).toBe(0);
    expect(checkKeyShape('')).toMatch(/empty/);
    expect(checkKeyShape('short')).toMatch(/too short/);
    expect(checkKeyShape(KEY)).toBeUndefined();
  });

  it('shows people a hint with the last four characters only', async () => {
    const keys = new KeyStore(secretStorage());
    await keys.set('openai', KEY);
    const hint = await keys.hint('openai');
    expect(hint).toBe('openai …0123');
    expect(hint).not.toContain(KEY.slice(0, 12));
    expect(await keys.hint('local')).toBeUndefined();
    expect(keyHint('azure', 'abcdefghijkl')).toBe('azure …ijkl');
  });

  it('never writes a registered key or token to the output channel, even inside fields', () => {
    const { lines, channel } = memoryChannel();
    const log = createExtensionLogger(channel);
    log.addSecret('plainkey-without-prefix-42');
    log.info('using plainkey-without-prefix-42 now', { nested: { value: 'x plainkey-without-prefix-42 y' }, apiKey: 'whatever', header: `Bearer ${KEY}` });
    log.error(`failed with ${KEY}`);
    const all = lines.join('\n');
    expect(all).not.toContain('plainkey-without-prefix-42');
    expect(all).not.toContain(KEY);
    expect(all).toContain('[redacted]');
    expect(lines).toHaveLength(2);
  });

  it("tags a child logger's lines, and the child redacts the parent's secrets and the parent the child's", () => {
    const { lines, channel } = memoryChannel();
    const log = createExtensionLogger(channel);
    const engine = log.child('engine');
    log.addSecret('parent-secret-token-1');
    engine.addSecret('child-secret-token-2');
    engine.warn('saw parent-secret-token-1');
    log.warn('saw child-secret-token-2');
    expect(lines).toEqual(['[kairos.engine] saw [redacted]', '[kairos] saw [redacted]']);
  });

  it('passes the key to the engine only as the provider variable of the child environment', () => {
    const env = buildEngineEnv(
      { PATH: '/bin', OPENAI_API_KEY: 'inherited-key', KAIROS_PORT: '9999' },
      '/data/home',
      { provider: 'openai', model: 'text-embedding-3-small', endpoint: 'http://127.0.0.1:1/v1' },
      KEY,
    );
    expect(env).toMatchObject({
      PATH: '/bin',
      KAIROS_HOME: '/data/home',
      KAIROS_PORT: '0',
      ELECTRON_RUN_AS_NODE: '1',
      KAIROS_EMBEDDER: 'openai',
      KAIROS_EMBEDDING_MODEL: 'text-embedding-3-small',
      KAIROS_OPENAI_API_KEY: KEY,
      KAIROS_OPENAI_BASE_URL: 'http://127.0.0.1:1/v1',
      // The engine stops once no window is registered: a killed editor leaves nothing running.
      KAIROS_EXIT_WHEN_UNUSED: '1',
    });
    expect(env.OPENAI_API_KEY).toBeUndefined();
    expect(Object.values(env).filter((v) => v === KEY)).toHaveLength(1);
  });

  it('gives the local embedder no key and Azure its endpoint and deployment', () => {
    const local = buildEngineEnv({}, '/h', { provider: 'local' }, undefined);
    expect(Object.keys(local).filter((k) => /KEY/.test(k))).toEqual([]);
    const azure = buildEngineEnv({}, '/h', { provider: 'azure', endpoint: 'https://r.openai.azure.com', deployment: 'emb' }, 'azure-key-123456');
    expect(azure).toMatchObject({
      AZURE_OPENAI_API_KEY: 'azure-key-123456',
      AZURE_OPENAI_ENDPOINT: 'https://r.openai.azure.com',
      AZURE_OPENAI_DEPLOYMENT: 'emb',
    });
  });
});
