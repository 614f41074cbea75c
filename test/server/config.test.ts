import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PORT, DEFAULT_UNUSED_EXIT_SECONDS, loadConfig } from '../../src/config.js';
import { removeHome, tempHome } from './helpers.js';

let home: string;
beforeAll(async () => {
  home = await tempHome('kairos-config-');
});
afterAll(async () => {
  await removeHome(home);
});

async function withFile(content: string): Promise<string> {
  const h = join(home, String(Math.random()).slice(2));
  await mkdir(h);
  await writeFile(join(h, 'config.json'), content);
  return h;
}

describe('loadConfig', () => {
  it('uses loopback, port 7377 and the embedded store by default', () => {
    const c = loadConfig({ KAIROS_HOME: home });
    expect(c).toMatchObject({ home, host: '127.0.0.1', port: DEFAULT_PORT, portExplicit: false, store: { kind: 'embedded', dataDir: join(home, 'data') } });
    expect(c.maxBodyBytes).toBe(1024 * 1024);
    expect(c.maxImportBytes).toBe(50 * 1024 * 1024);
  });

  it('lets the environment override config.json, and picks qdrant when QDRANT_URL is set', async () => {
    const h = await withFile(JSON.stringify({ port: 9000, host: '127.0.0.2', similarThreshold: 0.9 }));
    expect(loadConfig({ KAIROS_HOME: h })).toMatchObject({ port: 9000, portExplicit: true, host: '127.0.0.2', similarThreshold: 0.9 });
    expect(loadConfig({ KAIROS_HOME: h, KAIROS_PORT: '0', QDRANT_URL: 'http://127.0.0.1:6333' })).toMatchObject({
      port: 0,
      store: { kind: 'qdrant', url: 'http://127.0.0.1:6333' },
    });
  });

  it('refuses the retired supersede threshold with a message that says what replaced it', async () => {
    expect(() => loadConfig({ KAIROS_HOME: home, KAIROS_SUPERSEDE_THRESHOLD: '0.9' })).toThrow(
      /KAIROS_SUPERSEDE_THRESHOLD" was retired.*KAIROS_SIMILAR_THRESHOLD/,
    );
    const old = await withFile(JSON.stringify({ supersedeThreshold: 0.9 }));
    expect(() => loadConfig({ KAIROS_HOME: old })).toThrow(/"supersedeThreshold" was retired/);
  });

  it('names the offending key when config.json or the environment is invalid', async () => {
    expect(() => loadConfig({ KAIROS_HOME: home, KAIROS_PORT: 'eighty' })).toThrow(/"KAIROS_PORT"/);
    const typo = await withFile(JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ KAIROS_HOME: typo })).toThrow(/"prot" is not a known setting/);
    const wrongType = await withFile(JSON.stringify({ port: 'x' }));
    expect(() => loadConfig({ KAIROS_HOME: wrongType })).toThrow(/"port" is invalid/);
    const nested = await withFile(JSON.stringify({ store: { kind: 'qdrant', url: 'nope' } }));
    expect(() => loadConfig({ KAIROS_HOME: nested })).toThrow(/"store.url"/);
    const broken = await withFile('{ not json');
    expect(() => loadConfig({ KAIROS_HOME: broken })).toThrow(/not valid JSON/);
  });

  it('idles out only a server an editor started, after 30 s unless told otherwise', () => {
    expect(loadConfig({ KAIROS_HOME: home, KAIROS_UNUSED_EXIT_SECONDS: '1' }).exitWhenUnusedMs).toBeUndefined();
    expect(loadConfig({ KAIROS_HOME: home, KAIROS_EXIT_WHEN_UNUSED: '0' }).exitWhenUnusedMs).toBeUndefined();
    expect(loadConfig({ KAIROS_HOME: home, KAIROS_EXIT_WHEN_UNUSED: '1' }).exitWhenUnusedMs).toBe(DEFAULT_UNUSED_EXIT_SECONDS * 1000);
    expect(loadConfig({ KAIROS_HOME: home, KAIROS_EXIT_WHEN_UNUSED: '1', KAIROS_UNUSED_EXIT_SECONDS: '0.5' }).exitWhenUnusedMs).toBe(500);
    expect(() => loadConfig({ KAIROS_HOME: home, KAIROS_EXIT_WHEN_UNUSED: 'yes' })).toThrow(/"KAIROS_EXIT_WHEN_UNUSED"/);
    expect(() => loadConfig({ KAIROS_HOME: home, KAIROS_EXIT_WHEN_UNUSED: '1', KAIROS_UNUSED_EXIT_SECONDS: '-1' })).toThrow(/"KAIROS_UNUSED_EXIT_SECONDS"/);
  });
});
