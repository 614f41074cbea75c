/**
 * The VectorStore contract: one suite every store must pass. `open` returns a fresh store; it is
 * opened once per suite and every test works in its own new collection (space).
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KairosError } from '../../src/core/errors.js';
import { applyCheck, normaliseCodeSource } from '../../src/core/code.js';
import type { Memory, MemoryFilter, MemorySource, MemoryVersion } from '../../src/core/memory.js';
import type { EmbedderInfo, StoredMemory, VectorStore } from '../../src/core/ports.js';

export const DIM = 8;
export const EMBEDDER: EmbedderInfo = { provider: 'test', model: 'contract-8', dimension: DIM };

export function newSpace(kind: 'user' | 'org' = 'user'): string {
  return `kairos_${kind}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

/** A vector of DIM dimensions from its leading components (the rest are zero). */
export function vec(...values: number[]): Float32Array {
  const v = new Float32Array(DIM);
  values.forEach((x, i) => (v[i] = x));
  return v;
}

/** A unit vector at `angle` radians in the plane of the first two axes. */
export function angled(angle: number): Float32Array {
  return vec(Math.cos(angle), Math.sin(angle));
}

let clock = Date.parse('2024-03-01T00:00:00.000Z');

export function memory(space: string, text: string, over: Partial<StoredMemory> = {}): StoredMemory {
  clock += 1000;
  const at = new Date(clock).toISOString();
  return {
    id: randomUUID(),
    space,
    text,
    tags: [],
    source: { kind: 'api' },
    contentHash: createHash('sha256').update(text).digest('hex'),
    version: 1,
    createdAt: at,
    updatedAt: at,
    vector: vec(1),
    ...over,
  };
}

function plain(m: StoredMemory): Memory {
  const { vector: _vector, ...rest } = m;
  return rest;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<KairosError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KairosError);
  expect((e as KairosError).code).toBe(code);
  return e as KairosError;
}

/** What a store's own test can offer the contract beyond `open`. */
export interface ContractExtras {
  /** Opens a second store on the same storage, as a second process would (for concurrent writes). */
  openAnother?: () => Promise<VectorStore>;
  /** Whatever of a dropped space is still stored (collections, aliases, points), described. */
  remnants?: (space: string) => Promise<string[]>;
}

export function storeContract(label: string, open: () => Promise<VectorStore>, extras: ContractExtras = {}): void {
  describe(`${label} store contract`, () => {
    let store: VectorStore;

    beforeAll(async () => {
      store = await open();
    });

    afterAll(async () => {
      await store?.close();
    });

    async function space(embedder: EmbedderInfo = EMBEDDER): Promise<string> {
      const name = newSpace();
      await store.ensureCollection(name, embedder);
      return name;
    }

    describe('collections', () => {
      it('are created once and keep the embedder they were created with', async () => {
        const name = newSpace('org');
        expect(await store.getCollection(name)).toBeNull();
        const created = await store.ensureCollection(name, EMBEDDER);
        expect(created).toMatchObject({ name, embedder: EMBEDDER });
        expect(created.pendingEmbedder).toBeUndefined();
        expect(Number.isNaN(Date.parse(created.createdAt))).toBe(false);
        const again = await store.ensureCollection(name, { provider: 'other', model: 'm', dimension: 3 });
        expect(again).toEqual(created);
        expect(await store.getCollection(name)).toEqual(created);
        expect((await store.listCollections()).map((c) => c.name)).toContain(name);
      });

      it('reject names that are not space names before touching storage', async () => {
        for (const bad of ['users', 'kairos_user_a"; DROP TABLE x; --', 'kairos_team_1', `kairos_user_${'x'.repeat(65)}`]) {
          await expectCode(store.ensureCollection(bad, EMBEDDER), 'invalid_input');
          await expectCode(store.get(bad, 'id'), 'invalid_input');
        }
      });

      it('accept the longest valid space names without mixing them up', async () => {
        const a = `kairos_org_${'a'.repeat(63)}1`;
        const b = `kairos_org_${'a'.repeat(63)}2`;
        await store.ensureCollection(a, EMBEDDER);
        await store.ensureCollection(b, EMBEDDER);
        const m = memory(a, 'long names stay apart');
        await store.insert(a, m);
        expect(await store.get(a, m.id)).toEqual(plain(m));
        expect(await store.get(b, m.id)).toBeNull();
        await store.dropCollection(a);
        await store.dropCollection(b);
      });

      it('answer reads of a missing collection with empty results', async () => {
        const name = newSpace();
        expect(await store.get(name, randomUUID())).toBeNull();
        expect(await store.findByHash(name, 'abc')).toBeNull();
        expect(await store.history(name, randomUUID())).toEqual([]);
        expect(await store.delete(name, randomUUID())).toBe(false);
        expect(await store.nearest(name, vec(1), 3)).toEqual([]);
        expect(await store.search(name, { vector: vec(1), text: 'x', limit: 5, offset: 0 })).toEqual([]);
        expect(await store.list(name, { limit: 5 })).toEqual({ items: [] });
        expect(await store.count(name)).toBe(0);
        await expectCode(store.insert(name, memory(name, 'x')), 'not_found');
      });

      it('are dropped with all their memories and history', async () => {
        const name = await space();
        const m = memory(name, 'to be dropped');
        await store.insert(name, m);
        await store.update(name, {
          memory: { ...plain(m), text: 'dropped v2', version: 2 },
          vector: vec(0, 1),
          previous: { version: 1, text: m.text, tags: [], source: m.source, replacedAt: m.updatedAt, reason: 'update' },
        });
        await store.dropCollection(name);
        expect(await store.getCollection(name)).toBeNull();
        expect((await store.listCollections()).map((c) => c.name)).not.toContain(name);
        // Recreated with another dimension: nothing of the old collection is left.
        await store.ensureCollection(name, { provider: 'test', model: 'three', dimension: 3 });
        expect(await store.get(name, m.id)).toBeNull();
        expect(await store.history(name, m.id)).toEqual([]);
        expect(await store.count(name)).toBe(0);
        await store.insert(name, memory(name, 'three dims', { vector: new Float32Array([1, 2, 3]) }));
        expect(await store.count(name)).toBe(1);
        await store.dropCollection(name);
        await store.dropCollection(name); // idempotent
      });
    });

    describe('memories', () => {
      it('round-trip every field through insert and get', async () => {
        const name = await space();
        const source: MemorySource = {
          kind: 'editor',
          uri: 'file:///repo/src/a.ts',
          range: { startLine: 3, startCharacter: 1, endLine: 9, endCharacter: 4 },
          language: 'typescript',
          repo: 'acme/app',
          client: 'copilot',
        };
        const m = memory(name, 'Use pnpm, not npm, in this repo — it\'s a "workspace".', {
          tags: ['build', 'pnpm'],
          source,
          version: 3,
          createdAt: '2024-01-02T03:04:05.678Z',
          updatedAt: '2024-02-03T04:05:06Z',
        });
        await store.insert(name, m);
        expect(await store.get(name, m.id)).toEqual(plain(m));
        expect(await store.get(name, randomUUID())).toBeNull();
        expect(await store.findByHash(name, m.contentHash)).toEqual(plain(m));
        expect(await store.findByHash(name, 'f'.repeat(64))).toBeNull();
        expect(await store.count(name)).toBe(1);
      });

      it('refuse a vector of the wrong dimension and a duplicate id', async () => {
        const name = await space();
        await expectCode(store.insert(name, memory(name, 'short', { vector: new Float32Array(DIM - 1) })), 'invalid_input');
        const m = memory(name, 'first');
        await store.insert(name, m);
        await expectCode(store.insert(name, memory(name, 'second', { id: m.id })), 'conflict');
        expect(await store.get(name, m.id)).toEqual(plain(m));
        expect(await store.count(name)).toBe(1);
      });

      it('insert batches with insertMany, all or none', async () => {
        const name = await space();
        const batch = Array.from({ length: 30 }, (_, i) =>
          memory(name, `batch memory ${i} — "quoted", ünïcode`, {
            vector: angled(i / 10),
            tags: [`t${i % 3}`, 'bulk'],
            source: { kind: 'editor', uri: `file:///src/f${i}.ts`, range: { startLine: i, endLine: i + 2 }, language: 'typescript' },
          }),
        );
        await store.insertMany(name, batch);
        expect(await store.count(name)).toBe(30);
        for (const i of [0, 17, 29]) expect(await store.get(name, batch[i]!.id)).toEqual(plain(batch[i]!));
        const [top] = await store.nearest(name, angled(17 / 10), 1);
        expect(top?.memory.id).toBe(batch[17]!.id);
        const bad = [memory(name, 'fine'), memory(name, 'wrong', { vector: new Float32Array(2) })];
        await expectCode(store.insertMany(name, bad), 'invalid_input');
        expect(await store.count(name)).toBe(30);
      });

      it('update atomically: the row and vector are replaced and the old state joins the history', async () => {
        const name = await space();
        const m = memory(name, 'the cache lives in redis', { tags: ['infra'], vector: vec(1, 0) });
        await store.insert(name, m);
        const previous: MemoryVersion = { version: 1, text: m.text, tags: m.tags, source: m.source, replacedAt: '2024-05-01T00:00:00.000Z', reason: 'update' };
        const next: Memory = { ...plain(m), text: 'the cache lives in memcached', tags: ['cache'], version: 2, updatedAt: '2024-05-01T00:00:00.000Z' };
        await store.update(name, { memory: next, vector: vec(0, 1), previous });
        expect(await store.get(name, m.id)).toEqual(next);
        expect(await store.history(name, m.id)).toEqual([previous]);
        const [top] = await store.nearest(name, vec(0, 1), 1);
        expect(top?.memory.id).toBe(m.id);
        expect(top?.similarity).toBeCloseTo(1, 5);
        const byWord = await store.search(name, { text: 'memcached', limit: 5, offset: 0 });
        expect(byWord.map((h) => h.memory.id)).toEqual([m.id]);
        expect(await store.search(name, { text: 'redis', limit: 5, offset: 0 })).toEqual([]);

        const third: Memory = { ...next, text: 'the cache is gone', version: 3 };
        const previous2: MemoryVersion = { ...previous, version: 2, text: next.text, tags: next.tags, reason: 'supersede' };
        await store.update(name, { memory: third, vector: vec(1, 1), previous: previous2 });
        expect((await store.history(name, m.id)).map((h) => h.version)).toEqual([1, 2]);
      });

      it('update of an unknown id fails with not_found and writes no history', async () => {
        const name = await space();
        const ghost = memory(name, 'ghost');
        const previous: MemoryVersion = { version: 1, text: 'x', tags: [], source: { kind: 'api' }, replacedAt: ghost.updatedAt, reason: 'update' };
        await expectCode(store.update(name, { memory: plain(ghost), vector: vec(1), previous }), 'not_found');
        expect(await store.history(name, ghost.id)).toEqual([]);
      });

      it('delete hard-deletes a memory and its history', async () => {
        const name = await space();
        const m = memory(name, 'short lived');
        const keep = memory(name, 'kept');
        await store.insert(name, m);
        await store.insert(name, keep);
        await store.update(name, {
          memory: { ...plain(m), text: 'short lived v2', version: 2 },
          vector: vec(1),
          previous: { version: 1, text: m.text, tags: [], source: m.source, replacedAt: m.updatedAt, reason: 'update' },
        });
        expect(await store.delete(name, m.id)).toBe(true);
        expect(await store.get(name, m.id)).toBeNull();
        expect(await store.history(name, m.id)).toEqual([]);
        expect(await store.findByHash(name, m.contentHash)).toBeNull();
        expect(await store.delete(name, m.id)).toBe(false);
        expect(await store.count(name)).toBe(1);
        expect(await store.get(name, keep.id)).toEqual(plain(keep));
      });
    });

    describe('nearest', () => {
      it('returns the k most similar by cosine similarity, best first', async () => {
        const name = await space();
        const same = memory(name, 'same direction', { vector: vec(2, 0) });
        const diagonal = memory(name, 'diagonal', { vector: vec(1, 1) });
        const orthogonal = memory(name, 'orthogonal', { vector: vec(0, 3) });
        const opposite = memory(name, 'opposite', { vector: vec(-1, 0) });
        await store.insertMany(name, [orthogonal, opposite, same, diagonal]);
        const hits = await store.nearest(name, vec(1, 0), 3);
        expect(hits.map((h) => h.memory.id)).toEqual([same.id, diagonal.id, orthogonal.id]);
        expect(hits[0]!.similarity).toBeCloseTo(1, 5);
        expect(hits[1]!.similarity).toBeCloseTo(Math.SQRT1_2, 5);
        expect(hits[2]!.similarity).toBeCloseTo(0, 5);
        expect(hits.every((h) => h.matchedBy.join() === 'dense')).toBe(true);
        expect(hits[0]!.memory).toEqual(plain(same));
        expect(await store.nearest(name, vec(1, 0), 10)).toHaveLength(4);
      });
    });

    describe('search', () => {
      it('fuses the dense and keyword legs and reports which legs matched', async () => {
        const name = await space();
        const both = memory(name, 'Deploy the docker image to staging', { vector: angled(0) });
        const denseOnly = memory(name, 'Ship containers to the test environment', { vector: angled(0.05) });
        const farWithKeyword = memory(name, 'docker compose needs the env file', { vector: angled(3) });
        const neither = memory(name, 'Lunch is at noon', { vector: angled(3.1) });
        await store.insertMany(name, [both, denseOnly, farWithKeyword, neither]);
        const hits = await store.search(name, { vector: angled(0), text: 'docker', limit: 10, offset: 0 });
        const byId = new Map(hits.map((h) => [h.memory.id, h]));
        expect(hits[0]!.memory.id).toBe(both.id);
        expect(byId.get(both.id)!.matchedBy.sort()).toEqual(['dense', 'keyword']);
        expect(byId.get(denseOnly.id)!.matchedBy).toEqual(['dense']);
        expect(byId.get(farWithKeyword.id)!.matchedBy.sort()).toEqual(['dense', 'keyword']);
        expect(byId.get(both.id)!.similarity).toBeCloseTo(1, 5);
        expect(byId.get(denseOnly.id)!.similarity).toBeCloseTo(Math.cos(0.05), 5);
        expect(byId.get(neither.id)!.matchedBy).toEqual(['dense']);
        for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
        expect(hits[0]!.memory).toEqual(plain(both));
      });

      it('searches by keywords alone and by vector alone', async () => {
        const name = await space();
        const a = memory(name, 'Vitest runs the unit tests', { vector: angled(0) });
        const b = memory(name, 'Playwright drives Chromium', { vector: angled(1.5) });
        await store.insertMany(name, [a, b]);
        const kw = await store.search(name, { text: 'tests', limit: 10, offset: 0 });
        expect(kw.map((h) => h.memory.id)).toEqual([a.id]);
        expect(kw[0]!.matchedBy).toEqual(['keyword']);
        expect(kw[0]!.similarity).toBeUndefined();
        const dense = await store.search(name, { vector: angled(1.4), limit: 10, offset: 0 });
        expect(dense.map((h) => h.memory.id)).toEqual([b.id, a.id]);
        expect(dense.every((h) => h.matchedBy.join() === 'dense')).toBe(true);
        expect(await store.search(name, { text: '   ', limit: 10, offset: 0 })).toEqual([]);
      });

      it('never fails on query punctuation or stop words', async () => {
        const name = await space();
        const m = memory(name, 'foo bar baz handles the edge');
        await store.insert(name, m);
        for (const text of ['foo:* & | !(', '\'"\\', '!!! (( ))', 'the of and', '-', 'foo OR', '"unterminated foo', '<-> :* ~ @@ ::vector']) {
          const hits = await store.search(name, { text, limit: 5, offset: 0 });
          expect(Array.isArray(hits)).toBe(true);
        }
        const hits = await store.search(name, { text: 'foo:* & | !(', limit: 5, offset: 0 });
        expect(hits.map((h) => h.memory.id)).toEqual([m.id]);
      });

      it('applies tag, source kind and time filters inside both legs', async () => {
        const name = await space();
        // Many unfiltered memories sit right next to the query in both legs...
        const noise = Array.from({ length: 70 }, (_, i) =>
          memory(name, `release checklist item ${i}`, { vector: angled(i / 1000), tags: ['misc'], updatedAt: '2024-01-01T00:00:00.000Z' }),
        );
        // ...and the matching ones are far away; the filter must still find `limit` of them.
        const wanted = Array.from({ length: 12 }, (_, i) =>
          memory(name, `release notes draft ${i}`, {
            vector: angled(2 + i / 100),
            tags: ['docs', 'release'],
            source: { kind: i % 2 === 0 ? 'cli' : 'editor' },
            updatedAt: `2024-06-${String(10 + i).padStart(2, '0')}T00:00:00.000Z`,
          }),
        );
        await store.insertMany(name, [...noise, ...wanted]);
        const q = { vector: angled(0), text: 'release', limit: 10, offset: 0 };

        const tagged = await store.search(name, { ...q, filter: { tags: ['release', 'docs'] } });
        expect(tagged).toHaveLength(10);
        expect(tagged.every((h) => h.memory.tags.includes('release'))).toBe(true);
        expect(tagged.every((h) => h.matchedBy.includes('dense') && h.matchedBy.includes('keyword'))).toBe(true);
        // ALL tags must be present: one missing tag excludes the memory.
        expect(await store.search(name, { ...q, filter: { tags: ['release', 'misc'] } })).toEqual([]);

        const cli = await store.search(name, { ...q, filter: { sourceKinds: ['cli'] } });
        expect(cli.map((h) => h.memory.id).sort()).toEqual(
          wanted
            .filter((_, i) => i % 2 === 0)
            .map((m) => m.id)
            .sort(),
        );

        const window = await store.search(name, { ...q, filter: { since: '2024-06-12T00:00:00.000Z', until: '2024-06-14T00:00:00.000Z' } });
        expect(window.map((h) => h.memory.updatedAt).sort()).toEqual(['2024-06-12T00:00:00.000Z', '2024-06-13T00:00:00.000Z', '2024-06-14T00:00:00.000Z']);
        const kwOnly = await store.search(name, { text: 'release', limit: 10, offset: 0, filter: { tags: ['docs'] } });
        expect(kwOnly).toHaveLength(10);
        expect(kwOnly.every((h) => h.memory.tags.includes('docs'))).toBe(true);
      });

      it('pages with offset without repeating or skipping hits', async () => {
        const name = await space();
        const all = Array.from({ length: 24 }, (_, i) => memory(name, `paging note ${i} about kafka`, { vector: angled(i / 20) }));
        await store.insertMany(name, all);
        const q = { vector: angled(0), text: 'kafka', offset: 0 };
        const whole = await store.search(name, { ...q, limit: 24 });
        expect(whole).toHaveLength(24);
        const pages: string[] = [];
        for (let offset = 0; offset < 24; offset += 5) {
          pages.push(...(await store.search(name, { ...q, offset, limit: 5 })).map((h) => h.memory.id));
        }
        expect(pages).toEqual(whole.map((h) => h.memory.id));
        expect(await store.search(name, { ...q, offset: 24, limit: 5 })).toEqual([]);
      });

      it('pages through tied ranks the same way every time (20 runs)', async () => {
        const name = await space();
        // Equal vectors, equal text, equal time: every fused score ties.
        const all = Array.from({ length: 17 }, () => memory(name, 'tied hybrid note about grpc', { vector: vec(1, 1), updatedAt: '2024-07-01T00:00:00.000Z' }));
        await store.insertMany(name, all);
        const q = { vector: vec(1, 1), text: 'grpc', offset: 0 };
        const whole = (await store.search(name, { ...q, limit: 17 })).map((h) => h.memory.id);
        expect([...whole].sort()).toEqual(all.map((m) => m.id).sort());
        for (let run = 0; run < 20; run++) {
          const pages: string[] = [];
          for (let offset = 0; offset < 17; offset += 4) pages.push(...(await store.search(name, { ...q, offset, limit: 4 })).map((h) => h.memory.id));
          expect(pages).toEqual(whole);
        }
      });

      it("ranks a space's keyword hits the same however other spaces' texts skew the term statistics", async (ctx) => {
        // A Qdrant older than 1.19 in payload-partition mode cannot (docs/deployment.md).
        if ((store as { spaceLocalKeywordStats?: boolean }).spaceLocalKeywordStats === false) ctx.skip();
        const a = await space();
        const b = await space();
        await store.insertMany(a, [
          memory(a, 'webpack config lives in tools', { vector: angled(0) }),
          memory(a, 'the bundler is esbuild not webpack', { vector: angled(1) }),
          memory(a, 'bundler flags for production builds', { vector: angled(2) }),
        ]);
        const ranked = async (): Promise<Array<[string, number]>> =>
          (await store.search(a, { text: 'webpack bundler config', limit: 10, offset: 0, fusion: { recency: 0 } })).map((h) => [h.memory.id, h.score]);
        const before = await ranked();
        expect(before).toHaveLength(3);
        await store.insertMany(
          b,
          Array.from({ length: 40 }, (_, i) => memory(b, `webpack note ${i}`, { vector: angled(i / 10) })),
        );
        const after = await ranked();
        expect(after.map(([id]) => id)).toEqual(before.map(([id]) => id));
        after.forEach(([, score], i) => expect(score).toBeCloseTo(before[i]![1], 9));
      });
    });

    describe('list', () => {
      it('pages newest first by updatedAt, then id, with an opaque cursor', async () => {
        const name = await space();
        const same = '2024-04-01T00:00:00.000Z';
        const items = [
          ...Array.from({ length: 7 }, (_, i) => memory(name, `dated ${i}`, { updatedAt: `2024-03-${String(10 + i).padStart(2, '0')}T00:00:00.000Z` })),
          ...Array.from({ length: 4 }, (_, i) => memory(name, `tied ${i}`, { updatedAt: same })),
        ];
        await store.insertMany(name, items);
        const expected = [...items]
          .sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
          .map((m) => m.id);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.list(name, { limit: 3, ...(cursor ? { cursor } : {}) });
          expect(page.items.length).toBeLessThanOrEqual(3);
          seen.push(...page.items.map((m) => m.id));
          cursor = page.nextCursor;
          pages++;
        } while (cursor);
        expect(seen).toEqual(expected);
        expect(pages).toBe(4);
        const first = await store.list(name, { limit: 11 });
        expect(first.nextCursor).toBeUndefined();
        expect(first.items[0]).toEqual(plain(items.find((m) => m.id === expected[0])!));
      });

      it('applies filters and rejects a forged cursor', async () => {
        const name = await space();
        const a = memory(name, 'a', { tags: ['x', 'y'], source: { kind: 'cli' }, updatedAt: '2024-01-01T00:00:00.000Z' });
        const b = memory(name, 'b', { tags: ['x'], source: { kind: 'agent' }, updatedAt: '2024-01-02T00:00:00.000Z' });
        const c = memory(name, 'c', { tags: [], source: { kind: 'cli' }, updatedAt: '2024-01-03T00:00:00.000Z' });
        await store.insertMany(name, [a, b, c]);
        const ids = async (filter: object): Promise<string[]> => (await store.list(name, { limit: 10, filter })).items.map((m) => m.id);
        expect(await ids({ tags: ['x'] })).toEqual([b.id, a.id]);
        expect(await ids({ tags: ['x', 'y'] })).toEqual([a.id]);
        expect(await ids({ sourceKinds: ['cli'] })).toEqual([c.id, a.id]);
        expect(await ids({ since: '2024-01-02T00:00:00.000Z' })).toEqual([c.id, b.id]);
        expect(await ids({ until: '2024-01-02T00:00:00.000Z' })).toEqual([b.id, a.id]);
        await expectCode(store.list(name, { limit: 2, cursor: 'not-a-cursor' }), 'invalid_input');
      });

      it('filters by scope repo, file path and anchor state in lists and in search, and setSource changes no version', async () => {
        const name = await space();
        const anchor = { repo: 'github.com/acme/shop', path: 'src/auth.ts', startLine: 3, endLine: 4, lines: ['function auth() {', '  return ok;'] };
        const anchored = memory(name, 'auth checks the token', {
          vector: vec(1, 0),
          source: normaliseCodeSource<MemorySource>({ kind: 'editor', anchor }, '2025-12-01T00:00:00.000Z'),
        });
        const dir = memory(name, 'server code is strict', {
          vector: vec(1, 0.1),
          source: normaliseCodeSource<MemorySource>({ kind: 'cli', scope: { repo: 'github.com/acme/shop', paths: ['src/'] } }),
        });
        const other = memory(name, 'billing auth token rules', {
          vector: vec(1, 0.2),
          source: normaliseCodeSource<MemorySource>({ kind: 'cli', scope: { repo: 'github.com/acme/billing', paths: ['**/*.ts'] } }),
        });
        const plainOne = memory(name, 'I like tabs', { vector: vec(0, 1) });
        await store.insertMany(name, [anchored, dir, other, plainOne]);
        const ids = async (filter: MemoryFilter): Promise<string[]> => (await store.list(name, { limit: 10, filter })).items.map((m) => m.id).sort();
        const sorted = (...xs: StoredMemory[]): string[] => xs.map((m) => m.id).sort();
        expect(await ids({ repo: 'github.com/acme/shop' })).toEqual(sorted(anchored, dir));
        expect(await ids({ path: 'src/auth.ts' })).toEqual(sorted(anchored, dir, other));
        expect(await ids({ path: 'src/auth.ts', repo: 'github.com/acme/shop' })).toEqual(sorted(anchored, dir));
        expect(await ids({ path: 'lib/x.js' })).toEqual([]);
        expect(await ids({ stale: false })).toEqual(sorted(anchored));
        expect(await ids({ stale: true })).toEqual([]);

        const stale = { ...anchored.source, anchor: applyCheck(anchored.source.anchor!, { state: 'stale', reason: 'changed' }, '2026-01-01T00:00:00.000Z') };
        expect(await store.setSource(name, anchored.id, 2, stale)).toBe(false);
        expect(await store.setSource(name, anchored.id, 1, stale)).toBe(true);
        expect(await store.setSource(name, 'no-such-id', 1, stale)).toBe(false);
        const after = await store.get(name, anchored.id);
        expect(after).toMatchObject({ version: 1, source: { anchor: { status: { state: 'stale', reason: 'changed' } } } });
        expect(await store.history(name, anchored.id)).toEqual([]);
        expect(await ids({ stale: true })).toEqual(sorted(anchored));
        expect(await ids({ stale: false })).toEqual([]);
        const hits = await store.search(name, {
          vector: vec(1, 0),
          text: 'auth token',
          limit: 10,
          offset: 0,
          filter: { repo: 'github.com/acme/shop', stale: true },
        });
        expect(hits.map((h) => h.memory.id)).toEqual([anchored.id]);
        const keyword = await store.search(name, { text: 'token', limit: 10, offset: 0, filter: { path: 'src/auth.ts' } });
        expect(keyword.map((h) => h.memory.id).sort()).toEqual(sorted(anchored, other));
      });
    });

    describe('re-embedding', () => {
      const NEXT: EmbedderInfo = { provider: 'test', model: 'contract-3', dimension: 3 };

      it('switches the embedder only after every vector was rewritten, and resumes where it stopped', async () => {
        const name = await space();
        const old = Array.from({ length: 5 }, (_, i) => memory(name, `reembed ${i}`, { vector: angled(i) }));
        await store.insertMany(name, old);

        const begun = await store.beginReembed(name, NEXT);
        expect(begun.embedder).toEqual(EMBEDDER);
        expect(begun.pendingEmbedder).toEqual(NEXT);
        expect((await store.getCollection(name))?.pendingEmbedder).toEqual(NEXT);
        // Beginning again with the same target resumes; another target is refused.
        expect((await store.beginReembed(name, NEXT)).pendingEmbedder).toEqual(NEXT);
        await expectCode(store.beginReembed(name, { ...NEXT, model: 'other' }), 'conflict');

        expect(await store.countPendingReembed(name)).toBe(5);
        const firstBatch = await store.pendingReembed(name, 2);
        expect(firstBatch.map((m) => m.id)).toEqual(old.slice(0, 2).map((m) => m.id));
        expect(firstBatch[0]).toEqual(plain(old[0]!));
        await expectCode(store.writeReembedded(name, [{ id: old[0]!.id, vector: vec(1) }]), 'invalid_input');
        await store.writeReembedded(
          name,
          firstBatch.map((m, i) => ({ id: m.id, vector: new Float32Array([1, i, 0]) })),
        );
        expect(await store.countPendingReembed(name)).toBe(3);

        // Search keeps working on the old vectors meanwhile; a memory added now is pending too.
        expect((await store.nearest(name, angled(0), 1))[0]?.memory.id).toBe(old[0]!.id);
        const late = memory(name, 'added during the re-embed', { vector: angled(0.5) });
        await store.insert(name, late);
        expect(await store.countPendingReembed(name)).toBe(4);
        await expectCode(store.finishReembed(name), 'conflict');

        // A "crash": nothing in memory is reused, the pending set is read from the store again.
        const rest = await store.pendingReembed(name, 100);
        expect(rest.map((m) => m.id)).toEqual([...old.slice(2).map((m) => m.id), late.id]);
        await store.writeReembedded(
          name,
          rest.map((m) => ({ id: m.id, vector: m.id === late.id ? new Float32Array([0, 0, 1]) : new Float32Array([0, 1, 0]) })),
        );
        expect(await store.countPendingReembed(name)).toBe(0);
        expect(await store.pendingReembed(name, 10)).toEqual([]);

        const done = await store.finishReembed(name);
        expect(done.embedder).toEqual(NEXT);
        expect(done.pendingEmbedder).toBeUndefined();
        expect(await store.getCollection(name)).toEqual(done);
        const [top] = await store.nearest(name, new Float32Array([0, 0, 1]), 1);
        expect(top?.memory.id).toBe(late.id);
        expect(top?.similarity).toBeCloseTo(1, 5);
        expect(await store.count(name)).toBe(6);
        await expectCode(store.insert(name, memory(name, 'old dims', { vector: vec(1) })), 'invalid_input');
        await store.insert(name, memory(name, 'new dims', { vector: new Float32Array([1, 1, 1]) }));
        // Finishing twice is harmless.
        expect(await store.finishReembed(name)).toEqual(await store.getCollection(name));
      });

      it('keeps a memory deleted mid re-embed deleted once it finishes', async () => {
        const name = await space();
        const [copied, read, kept] = ['copied then deleted', 'read then deleted', 'kept'].map((t) => memory(name, t));
        await store.insertMany(name, [copied!, read!, kept!]);
        await store.beginReembed(name, NEXT);
        await store.writeReembedded(name, [{ id: copied!.id, vector: new Float32Array([1, 0, 0]) }]);
        expect(await store.delete(name, copied!.id)).toBe(true); // its copy exists already
        const batch = await store.pendingReembed(name, 10);
        expect(await store.delete(name, read!.id)).toBe(true); // read for re-embedding, not yet written
        await store.writeReembedded(
          name,
          batch.map((m) => ({ id: m.id, vector: new Float32Array([0, 1, 0]) })),
        );
        const done = await store.finishReembed(name);
        expect(done.embedder).toEqual(NEXT);
        expect(await store.get(name, copied!.id)).toBeNull();
        expect(await store.get(name, read!.id)).toBeNull();
        expect(await store.history(name, read!.id)).toEqual([]);
        expect(await store.count(name)).toBe(1);
        expect((await store.nearest(name, new Float32Array([0, 1, 0]), 5)).map((h) => h.memory.id)).toEqual([kept!.id]);
      });

      it('puts a memory updated during a re-embed back in the pending set', async () => {
        const name = await space();
        const m = memory(name, 'before');
        await store.insert(name, m);
        await store.beginReembed(name, NEXT);
        await store.writeReembedded(name, [{ id: m.id, vector: new Float32Array([1, 0, 0]) }]);
        expect(await store.countPendingReembed(name)).toBe(0);
        await store.update(name, {
          memory: { ...plain(m), text: 'after', version: 2 },
          vector: vec(0, 1),
          previous: { version: 1, text: 'before', tags: [], source: m.source, replacedAt: m.updatedAt, reason: 'update' },
        });
        expect((await store.pendingReembed(name, 10)).map((x) => x.text)).toEqual(['after']);
      });
    });

    describe.runIf(extras.remnants)('erasure', () => {
      it('dropping a space mid re-embed leaves no point, alias or generation collection of it', async () => {
        const name = await space();
        const m = memory(name, 'personal data');
        await store.insertMany(name, [m, memory(name, 'more personal data')]);
        await store.update(name, {
          memory: { ...plain(m), text: 'personal data v2', version: 2 },
          vector: vec(0, 1),
          previous: { version: 1, text: m.text, tags: [], source: m.source, replacedAt: m.updatedAt, reason: 'update' },
        });
        await store.beginReembed(name, { provider: 'test', model: 'contract-3', dimension: 3 });
        await store.writeReembedded(name, [{ id: m.id, vector: new Float32Array([1, 0, 0]) }]);
        await store.dropCollection(name);
        expect(await extras.remnants!(name)).toEqual([]);
        expect(await store.getCollection(name)).toBeNull();
      });
    });

    describe.runIf(extras.openAnother)('two instances', () => {
      let other: VectorStore;
      beforeAll(async () => {
        other = await extras.openAnother!();
      });
      afterAll(async () => {
        await other?.close();
      });

      it('updating one memory at once keep both versions: one wins, the other gets a conflict and applies on a fresh read', async () => {
        const name = await space();
        const m = memory(name, 'the broker is rabbitmq');
        await store.insert(name, m);
        const edit = (text: string, at: string, base: Memory) => ({
          memory: { ...base, text, contentHash: createHash('sha256').update(text).digest('hex'), version: base.version + 1, updatedAt: at },
          vector: vec(0, 1),
          previous: { version: base.version, text: base.text, tags: base.tags, source: base.source, replacedAt: at, reason: 'update' as const },
        });
        const results = await Promise.allSettled([
          store.update(name, edit('the broker is kafka', '2024-08-01T00:00:00.000Z', plain(m))),
          other.update(name, edit('the broker is nats', '2024-08-01T00:00:01.000Z', plain(m))),
        ]);
        const lost = results.filter((r) => r.status === 'rejected');
        expect(lost).toHaveLength(1);
        expect(((lost[0] as PromiseRejectedResult).reason as KairosError).code).toBe('conflict');
        const loserText = results[0]!.status === 'rejected' ? 'the broker is kafka' : 'the broker is nats';
        const winner = (await store.get(name, m.id))!;
        expect(winner.version).toBe(2);
        await store.update(name, edit(loserText, '2024-08-01T00:00:02.000Z', winner));
        expect((await other.history(name, m.id)).map((h) => h.text)).toEqual(['the broker is rabbitmq', winner.text]);
        expect(await other.get(name, m.id)).toMatchObject({ version: 3, text: loserText });
      });

      it('inserting one id at once: one insert wins whole, the other gets a conflict', async () => {
        const name = await space();
        const id = randomUUID();
        const results = await Promise.allSettled([store.insert(name, memory(name, 'from one', { id })), other.insert(name, memory(name, 'from two', { id }))]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const won = results[0]!.status === 'fulfilled' ? 'from one' : 'from two';
        expect((await other.get(name, id))?.text).toBe(won);
        expect(await store.count(name)).toBe(1);
      });
    });
  });
}
