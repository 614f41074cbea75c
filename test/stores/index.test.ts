import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KairosError } from '../../src/core/errors.js';
import { EmbeddedStore } from '../../src/stores/embedded/embeddedStore.js';
import { openStore } from '../../src/stores/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kairos-open-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openStore', () => {
  it('opens the embedded store in the configured data dir', async () => {
    const store = await openStore({ kind: 'embedded', dataDir: dir });
    try {
      expect(store).toBeInstanceOf(EmbeddedStore);
      expect(store.kind).toBe('embedded');
      expect((store as EmbeddedStore).dataDir).toBe(dir);
    } finally {
      await store.close();
    }
  });

  it('reports an unreachable Qdrant as an error that names what to check', async () => {
    // Port 9 (discard) on loopback refuses connections.
    const err = await openStore({ kind: 'qdrant', url: 'http://127.0.0.1:9', apiKey: 'k' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KairosError);
    expect((err as KairosError).message).toMatch(/Qdrant could not be reached.*QDRANT_URL/);
  });
});
