import { afterEach, describe, expect, it } from 'vitest';
import { KairosError } from '../../../src/core/errors.js';
import { QdrantStore } from '../../../src/stores/qdrant/qdrantStore.js';
import { atLeast, parseVersion } from '../../../src/stores/qdrant/version.js';
import { startFakeQdrant, type FakeQdrant } from '../../fakes/qdrantServer.js';

describe('the Qdrant version floor', () => {
  let fake: FakeQdrant | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('parses server versions and compares them part by part', () => {
    expect(parseVersion('1.17.0')).toEqual([1, 17, 0]);
    expect(parseVersion('v1.19.2-dev')).toEqual([1, 19, 2]);
    expect(parseVersion('latest')).toBeNull();
    expect(atLeast([1, 17, 0], [1, 17, 0])).toBe(true);
    expect(atLeast([1, 9, 9], [1, 17, 0])).toBe(false);
    expect(atLeast([2, 0, 0], [1, 17, 0])).toBe(true);
    expect(atLeast([1, 16, 3], [1, 17, 0])).toBe(false);
  });

  for (const old of ['1.15.5', '1.16.3']) {
    it(`refuses Qdrant ${old}, naming both versions, before any other request`, async () => {
      fake = await startFakeQdrant({ version: old });
      const err = await QdrantStore.open({ url: fake.url }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KairosError);
      expect((err as KairosError).code).toBe('unavailable');
      expect((err as KairosError).message).toContain(`runs ${old}`);
      expect((err as KairosError).message).toContain('needs Qdrant 1.17.0 or newer');
      expect((err as KairosError).details).toEqual({ qdrantVersion: old, minimumVersion: '1.17.0' });
      expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /']);
    });
  }

  it('refuses a server whose version it cannot read', async () => {
    fake = await startFakeQdrant({ version: 'nightly' });
    await expect(QdrantStore.open({ url: fake.url })).rejects.toThrow(/runs an unrecognised version \("nightly"\); Kairos needs Qdrant 1\.17\.0/);
  });

  it('opens on the floor and on newer servers', async () => {
    for (const version of ['1.17.0', '1.19.0']) {
      fake = await startFakeQdrant({ version });
      await expect(QdrantStore.open({ url: fake.url })).resolves.toBeInstanceOf(QdrantStore);
      await fake.close();
      fake = undefined;
    }
  });

  it('says Qdrant cannot be reached when nothing answers', async () => {
    fake = await startFakeQdrant();
    const url = fake.url;
    await fake.close();
    fake = undefined;
    await expect(QdrantStore.open({ url, timeoutMs: 2000 })).rejects.toThrow(/could not connect to .*Qdrant could not be reached/);
  });
});
