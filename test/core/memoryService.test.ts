/**
 * MemoryService on its own, against in-memory fakes of its ports (test/core/fakes.ts): every
 * outcome of a write (created, duplicate, similar, superseded), every refusal (validation,
 * access, not found, conflicts, the version cap, another embedder's space), forget/restore,
 * search (the relevance floor it asks the store for, paging, several spaces), import, export,
 * re-embedding and anchors. The store contract suite (test/stores) covers the real stores.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS, type MemorySource } from '../../src/core/memory.js';
import { contentHash } from '../../src/core/contentHash.js';
import { MemoryService, type ImportItem } from '../../src/core/memoryService.js';
import type { Embedder } from '../../src/core/ports.js';
import type { Principal, SpaceGrant, TenantContext } from '../../src/core/tenancy.js';
import { FakeClock, FakeEmbedder, InMemoryStore, SequentialIds } from './fakes.js';

const ME = 'kairos_user_u1';
const ORG = 'kairos_org_acme';
const READONLY = 'kairos_org_readers';
const SPACES: SpaceGrant[] = [
  { space: ME, role: 'owner', label: 'Personal', kind: 'personal' },
  { space: ORG, role: 'writer', label: 'Acme', kind: 'org' },
  { space: READONLY, role: 'reader', label: 'Readers', kind: 'org' },
];

interface World {
  svc: MemoryService;
  store: InMemoryStore;
  embedder: FakeEmbedder;
  clock: FakeClock;
  ctx: TenantContext;
}

function world(
  opts: {
    scopes?: Principal['scopes'];
    refusal?: string;
    spaceEmbedders?: Map<string, Embedder>;
    store?: InMemoryStore;
    embedder?: FakeEmbedder;
    ids?: SequentialIds;
    threshold?: number;
  } = {},
): World {
  const store = opts.store ?? new InMemoryStore();
  const embedder = opts.embedder ?? new FakeEmbedder();
  const clock = new FakeClock();
  const ctx: TenantContext = {
    principal: { uid: 'u1', via: 'test', scopes: opts.scopes ?? ['read', 'write'] },
    spaces: SPACES,
    embedder,
    ...(opts.spaceEmbedders ? { spaceEmbedders: opts.spaceEmbedders } : {}),
    ...(opts.refusal ? { refusal: opts.refusal } : {}),
  };
  const svc = new MemoryService(ctx, { store, clock, ids: opts.ids ?? new SequentialIds(), ...(opts.threshold ? { similarThreshold: opts.threshold } : {}) });
  return { svc, store, embedder, clock, ctx };
}

/** Rejects with a KairosError of this code (and message, when given). */
async function refused(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await expect(p).rejects.toMatchObject({ name: expect.stringMatching(/Error$/), code, ...(message ? { message: expect.stringMatching(message) } : {}) });
}

const FAKE_OPENAI_KEY = `sk-proj-${'A1b2C3d4E5f6G7h8'.repeat(4)}`;

describe('remember', () => {
  it('creates a memory in the personal space with the clock, the id generator and normalised tags', async () => {
    const w = world();
    const r = await w.svc.remember({ text: '  We deploy on Fridays. ', tags: ['Ops', 'ops', ' deploy '] });
    expect(r).toEqual({
      outcome: 'created',
      memory: {
        id: 'm1',
        space: ME,
        text: 'We deploy on Fridays.',
        tags: ['deploy', 'ops'],
        source: { kind: 'api' },
        contentHash: contentHash('We deploy on Fridays.'),
        version: 1,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      },
    });
    expect(await w.store.getCollection(ME)).toMatchObject({ embedder: w.embedder.info });
    expect(w.embedder.calls).toEqual([{ texts: ['We deploy on Fridays.'], purpose: 'document' }]);
    expect(Array.from(w.store.vectorOf(ME, 'm1')!)).toEqual(Array.from((await w.embedder.embed(['We deploy on Fridays.'], 'document'))[0]!));
  });

  it('answers a duplicate (same words whatever the case, spacing or punctuation) with the existing memory and writes nothing', async () => {
    const w = world();
    const first = await w.svc.remember({ text: 'We deploy on Fridays.' });
    const writes = w.store.calls.filter((c) => c === 'insert' || c === 'update').length;
    const embeds = w.embedder.calls.length;
    const again = await w.svc.remember({ text: 'we   DEPLOY on fridays', tags: ['new'] });
    expect(again).toEqual({ outcome: 'duplicate', memory: first.memory });
    expect(w.store.calls.filter((c) => c === 'insert' || c === 'update').length).toBe(writes);
    expect(w.embedder.calls.length).toBe(embeds);
    // Values stay distinct: 1.2.3 is not 12.3.
    expect((await w.svc.remember({ text: 'Version 1.2.3 ships' })).outcome).toBe('created');
    expect((await w.svc.remember({ text: 'Version 12.3 ships' })).outcome).toBe('created');
  });

  it('reports similar memories above the threshold, most similar first (at most three), and replaces none', async () => {
    const w = world();
    const pin = (text: string, v: number[]): void => void w.embedder.vectors.set(text, v);
    const base = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const near = (x: number): number[] => [1, x, ...base.slice(2)];
    pin('Shard 436 is owned by infra', near(0.2)); // cos ≈ 0.98 to base
    pin('Shard 437 is owned by infra', near(0.5)); // ≈ 0.89
    pin('Shard 438 is owned by infra', near(0.8)); // ≈ 0.78
    pin('Shard 439 is owned by infra', near(0.85)); // ≈ 0.76: above 0.75, but fourth
    pin('Shard 440 is owned by infra', near(1)); // ≈ 0.71: below 0.75
    pin('Lunch is at noon', [0, 1, ...base.slice(2)]); // ≈ 0
    pin('Shard 435 is owned by infra', base);
    for (const t of [
      'Shard 440 is owned by infra',
      'Shard 439 is owned by infra',
      'Lunch is at noon',
      'Shard 438 is owned by infra',
      'Shard 436 is owned by infra',
      'Shard 437 is owned by infra',
    ])
      await w.svc.remember({ text: t });
    const r = await w.svc.remember({ text: 'Shard 435 is owned by infra' });
    expect(r.outcome).toBe('created');
    expect(r.similar?.map((s) => s.text)).toEqual(['Shard 436 is owned by infra', 'Shard 437 is owned by infra', 'Shard 438 is owned by infra']);
    expect(r.similar?.[0]).toEqual({
      id: 'm5',
      text: 'Shard 436 is owned by infra',
      similarity: expect.closeTo(0.98, 2),
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(await w.svc.count()).toBe(7);
    // Nothing above the threshold: no `similar` at all.
    w.embedder.vectors.set('Shard 441 is owned by ops', [0, 0, 1, ...base.slice(3)]);
    expect(await w.svc.remember({ text: 'Shard 441 is owned by ops' })).not.toHaveProperty('similar');
  });

  it('supersedes a named memory: same id, next version, merged tags, old text kept as history', async () => {
    const w = world();
    const old = await w.svc.remember({ text: 'The API runs on port 8080', tags: ['api'] });
    w.clock.advance(60_000);
    const r = await w.svc.remember({ text: 'The API runs on port 9090', tags: ['ports'], supersedes: old.memory.id });
    expect(r).toMatchObject({
      outcome: 'superseded',
      supersededId: 'm1',
      memory: {
        id: 'm1',
        version: 2,
        text: 'The API runs on port 9090',
        tags: ['api', 'ports'],
        createdAt: old.memory.createdAt,
        updatedAt: '2026-01-01T00:01:00.000Z',
      },
    });
    const got = await w.svc.get('m1');
    expect(got.history).toEqual([
      { version: 1, text: 'The API runs on port 8080', tags: ['api'], source: { kind: 'api' }, replacedAt: '2026-01-01T00:01:00.000Z', reason: 'supersede' },
    ]);
    await refused(w.svc.remember({ text: 'Replaces nothing', supersedes: 'nope' }), 'not_found', /No memory with id "nope"/);
  });

  it('refuses invalid input with a message saying what to fix, and writes nothing', async () => {
    const w = world();
    const cases: Array<[Parameters<MemoryService['remember']>[0], RegExp]> = [
      [{ text: '' }, /must not be empty/],
      [{ text: ' \n\t ' }, /must not be empty/],
      [{ text: 'x'.repeat(LIMITS.maxTextChars + 1) }, /limit is 16000/],
      [{ text: `The staging key is ${FAKE_OPENAI_KEY}` }, /OpenAI/],
      [{ text: 'ok', tags: Array.from({ length: LIMITS.maxTags + 1 }, (_, i) => `t${i}`) }, /At most 32 tags/],
      [{ text: 'ok', tags: ['x'.repeat(LIMITS.maxTagChars + 1)] }, /longer than 64/],
      [{ text: 'ok', source: { kind: 'editor', range: { startLine: -1, endLine: 2 } } }, /source\.range\.startLine/],
      [{ text: 'nul \u0000 inside' }, /./],
      [
        {
          text: 'ok',
          source: { kind: 'editor', anchor: { path: 'src/a.ts', startLine: 1, endLine: 1, lines: [`key = "${FAKE_OPENAI_KEY}"`] } as MemorySource['anchor'] },
        },
        /anchor/,
      ],
    ];
    for (const [input, message] of cases) await refused(w.svc.remember(input), 'invalid_input', message);
    expect(w.store.calls.filter((c) => c === 'insert')).toEqual([]);
    const secret = await w.svc.remember({ text: `Key: ${FAKE_OPENAI_KEY}` }).catch((e: unknown) => e);
    expect(secret).toMatchObject({ details: { reason: 'secret', line: 1 } });
  });

  it('writes only where the context may: no reader space, no unknown space, no read-only credential, no refused context', async () => {
    await refused(world().svc.remember({ text: 'a', space: READONLY }), 'forbidden', /role: reader/);
    await refused(world().svc.remember({ text: 'a', space: 'kairos_user_someone_else' }), 'forbidden', /no access to space/);
    await refused(world({ scopes: ['read'] }).svc.remember({ text: 'a' }), 'forbidden', /"write" scope/);
    await refused(world({ refusal: 'Link your account first.' }).svc.remember({ text: 'a' }), 'forbidden', /Link your account first/);
    const w = world();
    expect((await w.svc.remember({ text: 'Shared with Acme', space: ORG })).memory.space).toBe(ORG);
    // An admin credential may write without the write scope.
    expect((await world({ scopes: ['admin'] }).svc.remember({ text: 'a' })).outcome).toBe('created');
  });

  it('refuses to mix vectors: a space embedded by another model is an embedder_mismatch', async () => {
    const store = new InMemoryStore();
    await world({ store, embedder: new FakeEmbedder({ model: 'old', dimension: 8 }) }).svc.remember({ text: 'Written with the old model' });
    const w = world({ store });
    await refused(w.svc.remember({ text: 'Written with the new model' }), 'embedder_mismatch', /kairos reembed --space kairos_user_u1/);
    await refused(w.svc.search({ query: 'model' }), 'embedder_mismatch');
  });

  it('uses a space’s own embedder there (an org key) and the context’s elsewhere', async () => {
    const orgEmbedder = new FakeEmbedder({ provider: 'org', dimension: 8 });
    const w = world({ spaceEmbedders: new Map([[ORG, orgEmbedder]]) });
    await w.svc.remember({ text: 'Org fact', space: ORG });
    await w.svc.remember({ text: 'Personal fact' });
    expect(orgEmbedder.calls.map((c) => c.texts)).toEqual([['Org fact']]);
    expect(w.embedder.calls.map((c) => c.texts)).toEqual([['Personal fact']]);
    expect((await w.store.getCollection(ORG))?.embedder.provider).toBe('org');
  });
});

describe('update and restore', () => {
  it('updates text, tags or source as a new version, re-embedding only what it writes', async () => {
    const w = world();
    await w.svc.remember({ text: 'Builds take ten minutes', tags: ['ci'] });
    w.clock.advance(1000);
    const m = await w.svc.update('m1', { text: 'Builds take four minutes' });
    expect(m).toMatchObject({ id: 'm1', version: 2, text: 'Builds take four minutes', tags: ['ci'], updatedAt: '2026-01-01T00:00:01.000Z' });
    expect(w.embedder.calls.at(-1)).toEqual({ texts: ['Builds take four minutes'], purpose: 'document' });
    const tagged = await w.svc.update('m1', { tags: ['CI', 'speed'] });
    expect(tagged).toMatchObject({ version: 3, tags: ['ci', 'speed'], text: 'Builds take four minutes' });
    expect((await w.svc.get('m1')).history.map((h) => [h.version, h.reason])).toEqual([
      [2, 'update'],
      [1, 'update'],
    ]);
  });

  it('refuses an empty patch, a missing or blank id, an unknown id and a text another memory already has', async () => {
    const w = world();
    await w.svc.remember({ text: 'First fact' });
    await w.svc.remember({ text: 'Second fact' });
    await refused(w.svc.update('m1', {}), 'invalid_input', /Nothing to update/);
    await refused(w.svc.update('', { text: 'x' }), 'invalid_input', /"id" must not be empty/);
    await refused(w.svc.update('m9', { text: 'x' }), 'not_found', /search or list_memories/);
    const clash = await w.svc.update('m2', { text: 'first FACT.' }).catch((e: unknown) => e);
    expect(clash).toMatchObject({ code: 'conflict', details: { id: 'm1' } });
    expect((await w.svc.get('m2')).version).toBe(1);
    // Its own text with other tags is not a clash.
    expect((await w.svc.update('m2', { text: 'Second fact', tags: ['x'] })).version).toBe(2);
  });

  it('finds a memory in any of the context’s spaces, but writes only where the role allows', async () => {
    const store = new InMemoryStore();
    const owner = world({ store });
    await owner.svc.remember({ text: 'Acme ships on Tuesdays', space: ORG });
    expect((await owner.svc.update('m1', { text: 'Acme ships on Wednesdays' })).space).toBe(ORG);
    await refused(owner.svc.update('m1', { text: 'x' }, ME), 'not_found');
    // A reader of the space finds it but may not change it.
    const reader = new MemoryService(
      { ...owner.ctx, spaces: [SPACES[0]!, { ...SPACES[1]!, role: 'reader' }] },
      { store, clock: new FakeClock(), ids: new SequentialIds() },
    );
    expect((await reader.get('m1')).text).toBe('Acme ships on Wednesdays');
    await refused(reader.update('m1', { text: 'x' }), 'forbidden', /role: reader/);
    await refused(reader.forget('m1'), 'forbidden');
  });

  it('stops at the version cap instead of overflowing', async () => {
    const w = world();
    await w.svc.import([
      {
        text: 'Old and much edited',
        history: [{ version: LIMITS.maxVersion - 1, text: 'before', tags: [], source: { kind: 'api' }, replacedAt: '2025-01-01T00:00:00Z', reason: 'update' }],
      },
    ]);
    expect((await w.svc.get('m1')).version).toBe(LIMITS.maxVersion);
    await refused(w.svc.update('m1', { text: 'One more edit' }), 'conflict', /the most Kairos keeps/);
    await refused(w.svc.remember({ text: 'Replacement', supersedes: 'm1' }), 'conflict');
  });

  it('restores an older version as a new one, keeping the replaced text too', async () => {
    const w = world();
    await w.svc.remember({ text: 'Release on Monday', tags: ['release'] });
    await w.svc.update('m1', { text: 'Release on Friday', tags: ['release', 'moved'] });
    const back = await w.svc.restore('m1', 1);
    expect(back).toMatchObject({ version: 3, text: 'Release on Monday', tags: ['release'] });
    expect((await w.svc.get('m1')).history.map((h) => [h.version, h.text, h.reason])).toEqual([
      [2, 'Release on Friday', 'restore'],
      [1, 'Release on Monday', 'update'],
    ]);
    await refused(w.svc.restore('m1', 7), 'not_found', /no version 7/);
    for (const bad of [0, 1.5, LIMITS.maxVersion + 1]) await refused(w.svc.restore('m1', bad), 'invalid_input', /"version" must be a whole number/);
  });
});

describe('forget, get, list and count', () => {
  it('forgets a memory for good and says where it was; a second forget is not_found', async () => {
    const w = world();
    await w.svc.remember({ text: 'Temporary note', space: ORG });
    expect(await w.svc.forget('m1')).toEqual({ id: 'm1', space: ORG });
    await refused(w.svc.get('m1'), 'not_found');
    await refused(w.svc.forget('m1'), 'not_found');
    expect(await w.svc.count(ORG)).toBe(0);
  });

  it('lists newest first in pages, filters, and answers an empty space without creating it', async () => {
    const w = world();
    expect(await w.svc.list()).toEqual({ items: [] });
    expect(await w.svc.count()).toBe(0);
    expect(w.store.calls).not.toContain('ensureCollection');
    for (const [i, t] of ['one', 'two', 'three'].entries()) {
      w.clock.advance(1000);
      await w.svc.remember({ text: `Fact ${t}`, tags: i === 1 ? ['odd'] : [] });
    }
    const first = await w.svc.list({ limit: 2 });
    expect(first.items.map((m) => m.text)).toEqual(['Fact three', 'Fact two']);
    const second = await w.svc.list({ limit: 2, cursor: first.nextCursor! });
    expect(second).toEqual({ items: [expect.objectContaining({ text: 'Fact one' })] });
    expect((await w.svc.list({ filter: { tags: ['odd'] } })).items.map((m) => m.text)).toEqual(['Fact two']);
    for (const limit of [0, LIMITS.maxPageSize + 1, 2.5]) await refused(w.svc.list({ limit }), 'invalid_input', /"limit"/);
    await refused(w.svc.list({ space: 'kairos_org_other' }), 'forbidden');
    expect((await w.svc.list({ space: READONLY })).items).toEqual([]);
  });
});

describe('search', () => {
  async function seeded(): Promise<World> {
    const w = world();
    await w.svc.remember({ text: 'Staging runs Postgres 16' });
    await w.svc.remember({ text: 'Production runs Postgres 15' });
    await w.svc.remember({ text: 'Lunch is at noon' });
    await w.svc.remember({ text: 'Acme uses Postgres for billing', space: ORG });
    return w;
  }

  it('refuses an empty or overlong query and a cursor past the deepest page', async () => {
    const w = world();
    await refused(w.svc.search({ query: '  ' }), 'invalid_input', /"query" must not be empty/);
    await refused(w.svc.search({ query: 'q'.repeat(LIMITS.maxQueryChars + 1) }), 'invalid_input', /longer than/);
    await refused(w.svc.search({ query: 'x', cursor: 'not a cursor' }), 'invalid_input', /cursor/);
    await refused(
      w.svc.search({ query: 'x', cursor: Buffer.from(JSON.stringify({ o: LIMITS.maxOffset + 1 })).toString('base64url') }),
      'invalid_input',
      /narrow the query/,
    );
    await refused(w.svc.search({ query: 'x', spaces: ['kairos_user_other'] }), 'forbidden');
  });

  it('answers an empty space with nothing, without embedding the query', async () => {
    const w = world();
    expect(await w.svc.search({ query: 'anything' })).toEqual({ items: [] });
    expect(w.embedder.calls).toEqual([]);
  });

  it('asks the store for hits above the embedder’s relevance floor', async () => {
    const w = await seeded();
    w.embedder.minRelevantSimilarity = 0.3;
    w.embedder.knownWordShare = async (q) => (q.includes('zzqq') ? 0 : 1);
    await w.svc.search({ query: 'postgres version' });
    expect(w.store.searches.at(-1)?.query.floor).toEqual({ minCoverage: 0.2, minSimilarity: 0.3, queryUnderstood: true });
    expect(w.embedder.calls.at(-1)).toEqual({ texts: ['postgres version'], purpose: 'query' });
    const noise = await w.svc.search({ query: 'zzqq zzqq' });
    expect(w.store.searches.at(-1)?.query.floor).toMatchObject({ queryUnderstood: false });
    expect(noise.items).toEqual([]);
    // An embedder without a floor: every candidate may be a hit.
    const plain = await seeded();
    await plain.svc.search({ query: 'postgres' });
    expect(plain.store.searches.at(-1)?.query.floor).toEqual({ minCoverage: 0.2 });
  });

  it('labels hits with their space, pages with a cursor, and fuses several spaces embedding the query once', async () => {
    const w = await seeded();
    w.embedder.minRelevantSimilarity = 0.5;
    const page1 = await w.svc.search({ query: 'Postgres', limit: 1 });
    expect(page1.items).toHaveLength(1);
    expect(page1.items[0]).toMatchObject({ space: ME, spaceLabel: 'Personal' });
    const page2 = await w.svc.search({ query: 'Postgres', limit: 1, cursor: page1.nextCursor! });
    expect(page2.items[0]!.memory.id).not.toBe(page1.items[0]!.memory.id);
    const before = w.embedder.calls.length;
    const both = await w.svc.search({ query: 'Postgres', spaces: [ME, ORG], limit: 10 });
    expect(w.embedder.calls.length).toBe(before + 1);
    expect(new Set(both.items.map((h) => h.space))).toEqual(new Set([ME, ORG]));
    expect(both.items.find((h) => h.space === ORG)).toMatchObject({ spaceLabel: 'Acme', memory: { text: 'Acme uses Postgres for billing' } });
    expect(both.items.map((h) => h.memory.text)).not.toContain('Lunch is at noon');
    expect(both.nextCursor).toBeUndefined();
  });
});

describe('import and export', () => {
  it('imports new memories, counts duplicates, keeps ids and timestamps, and names the line of each refusal', async () => {
    const w = world();
    await w.svc.remember({ text: 'Already here' });
    const items: ImportItem[] = [
      { text: 'Imported one', id: 'keep-me', createdAt: '2025-05-01T00:00:00Z', line: 1 },
      { text: 'already HERE', line: 2 },
      { text: 'Imported one.', line: 3 },
      { text: '', line: 4 },
      { text: 'Bad time', createdAt: 'yesterday', line: 5 },
      { text: 'Imported two', id: 'keep-me', line: 6 },
    ];
    const progress: number[] = [];
    const s = await w.svc.import(items, { onProgress: (p) => progress.push(p.done) });
    expect(s).toEqual({
      created: 2,
      duplicate: 2,
      failed: 2,
      errors: [
        { index: 3, message: expect.stringMatching(/^Line 4: "text" must not be empty/) },
        { index: 4, message: expect.stringMatching(/^Line 5: "createdAt" must be an ISO 8601 timestamp/) },
      ],
    });
    expect(progress.at(-1)).toBe(6);
    const one = await w.svc.get('keep-me');
    expect(one).toMatchObject({ text: 'Imported one', createdAt: '2025-05-01T00:00:00Z', updatedAt: '2025-05-01T00:00:00Z', source: { kind: 'import' } });
    // The second item asked for a taken id: it got a fresh one.
    expect((await w.svc.list()).items.find((m) => m.text === 'Imported two')?.id).toBe('m2');
    expect((await w.svc.import(items)).created).toBe(0);
  });

  it('fails a record the store refuses on its own, and the whole import when the store is down', async () => {
    const w = world();
    w.store.refuseText = 'The store refuses this one';
    const s = await w.svc.import([{ text: 'Fine one' }, { text: 'The store refuses this one' }, { text: 'Fine two' }]);
    expect(s).toMatchObject({ created: 2, failed: 1, errors: [{ index: 1, message: 'The store refused this record.' }] });
    w.store.down = true;
    await expect(w.svc.import([{ text: 'Nowhere to go' }])).rejects.toThrow('connection refused');
    await refused(w.svc.import([{ text: 'x' }], { space: READONLY }), 'forbidden');
  });

  it('exports every memory with its history', async () => {
    const w = world();
    await w.svc.remember({ text: 'Exported fact' });
    await w.svc.update('m1', { text: 'Exported fact, edited' });
    await w.svc.remember({ text: 'Another fact' });
    const out = [];
    for await (const r of w.svc.export()) out.push(r);
    expect(out.map((r) => [r.text, r.history.map((h) => h.text)])).toEqual(
      expect.arrayContaining([
        ['Exported fact, edited', ['Exported fact']],
        ['Another fact', []],
      ]),
    );
    const none = [];
    for await (const r of w.svc.export(ORG)) none.push(r);
    expect(none).toEqual([]);
  });
});

describe('re-embedding and dropping a space', () => {
  it('re-embeds a space with the context’s new embedder, and does nothing when it already matches', async () => {
    const store = new InMemoryStore();
    const ids = new SequentialIds();
    const old = world({ store, ids });
    await old.svc.remember({ text: 'First' });
    await old.svc.remember({ text: 'Second' });
    expect(await old.svc.reembed(undefined)).toEqual({ space: ME, reembedded: 0, embedder: old.embedder.info });
    const next = world({ store, ids, embedder: new FakeEmbedder({ model: 'v2', dimension: 8 }) });
    const progress: Array<[number, number | undefined]> = [];
    const r = await next.svc.reembed(undefined, (p) => progress.push([p.done, p.total]));
    expect(r).toEqual({ space: ME, reembedded: 2, embedder: next.embedder.info });
    expect(progress).toEqual([
      [0, 2],
      [2, 2],
    ]);
    expect(store.vectorOf(ME, 'm1')).toHaveLength(8);
    expect((await next.svc.remember({ text: 'Third' })).outcome).toBe('created');
    await refused(next.svc.reembed(ORG), 'not_found', /nothing to re-embed/);
  });

  it('refuses to start another re-embed over an interrupted one', async () => {
    const store = new InMemoryStore();
    await world({ store }).svc.remember({ text: 'First' });
    await store.beginReembed(ME, { provider: 'fake', model: 'v2', dimension: 8 });
    await refused(world({ store, embedder: new FakeEmbedder({ model: 'v3', dimension: 8 }) }).svc.reembed(undefined), 'invalid_input', /interrupted/);
  });

  it('drops a space for its owner only', async () => {
    const w = world();
    await w.svc.remember({ text: 'Mine' });
    await w.svc.remember({ text: 'Acme', space: ORG });
    await refused(w.svc.dropSpace(ORG), 'forbidden', /Only an owner/);
    await w.svc.dropSpace();
    expect(await w.store.getCollection(ME)).toBeNull();
    expect(await w.svc.count(ORG)).toBe(1);
  });
});

describe('anchors', () => {
  const anchored = { kind: 'editor', anchor: { path: 'src/a.ts', startLine: 1, endLine: 2, lines: ['const a = 1;', 'const b = 2;'] } } as MemorySource;

  it('verifies and re-anchors without a new version, and refuses a memory with no anchor', async () => {
    const w = world();
    await w.svc.remember({ text: 'a and b are constants', source: anchored });
    await w.svc.remember({ text: 'Not about code' });
    const v = await w.svc.verify('m1', { commit: 'abc123' });
    expect(v.version).toBe(1);
    expect(v.source.anchor?.status).toMatchObject({ state: 'fresh', commit: 'abc123' });
    const moved = await w.svc.reanchor('m1', { path: 'src/b.ts', startLine: 5, endLine: 5, lines: ['const a = 1;'] });
    expect(moved.source.anchor).toMatchObject({ path: 'src/b.ts', startLine: 5, status: { moved: { fromPath: 'src/a.ts', fromLine: 1 } } });
    expect((await w.svc.get('m1')).source.anchor?.path).toBe('src/b.ts');
    await refused(w.svc.verify('m2'), 'invalid_input', /not anchored/);
    await refused(w.svc.reanchor('m1', { path: 'src/b.ts', startLine: 1, endLine: 1, lines: [`k = "${FAKE_OPENAI_KEY}"`] }), 'invalid_input');
  });

  it('retries when a concurrent write moved the memory on, and gives up with a conflict after three tries', async () => {
    const w = world();
    await w.svc.remember({ text: 'anchored', source: anchored });
    w.store.setSourceConflicts = 2;
    expect((await w.svc.verify('m1')).source.anchor?.status?.state).toBe('fresh');
    w.store.setSourceConflicts = 3;
    await refused(w.svc.verify('m1'), 'conflict', /kept changing/);
  });

  it('recalls memories for an open file before the repo’s most recent', async () => {
    const w = world();
    await w.svc.remember({ text: 'About a.ts', source: { ...anchored, anchor: { ...anchored.anchor!, repo: 'github.com/acme/app' } } as MemorySource });
    await w.svc.remember({ text: 'About the repo', source: { kind: 'editor', scope: { repo: 'github.com/acme/app' } } as MemorySource });
    const r = await w.svc.forFile({ path: 'src/a.ts', repo: 'github.com/acme/app' });
    expect(r.items.map((i) => [i.memory.text, i.match])).toEqual([
      ['About a.ts', 'file'],
      ['About the repo', 'repo'],
    ]);
    expect(await world().svc.forFile({ path: 'src/a.ts' })).toEqual({ items: [] });
  });
});
