import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KairosError } from '../../src/core/errors.js';
import { EmbeddedStore, HNSW_MIN_ROWS } from '../../src/stores/embedded/embeddedStore.js';
import { KeywordIndex } from '../../src/stores/embedded/keywords.js';
import { LOCK_FILE } from '../../src/stores/embedded/lock.js';
import { tableNames } from '../../src/stores/embedded/schema.js';
import { findDataDirTemplate } from '../../src/stores/embedded/template.js';
import { angled, EMBEDDER, memory, newSpace, storeContract, vec } from './contract.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kairos-store-'));
  dirs.push(d);
  return d;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Opens the store in `dataDir`, runs `fn` and closes it whatever happens. */
async function withStore<T>(dataDir: string, fn: (store: EmbeddedStore) => Promise<T>): Promise<T> {
  const store = await EmbeddedStore.open({ dataDir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

storeContract('embedded (PGlite)', () => EmbeddedStore.open({ dataDir: tempDir() }));

/** The child fixture bundled to plain ESM next to node_modules, so its imports resolve. */
let childScript: string;
beforeAll(async () => {
  const outDir = resolve('test-output/stores');
  await mkdir(outDir, { recursive: true });
  childScript = join(outDir, `storeChild-${randomUUID()}.mjs`);
  await build({
    entryPoints: [resolve('test/stores/fixtures/storeChild.ts')],
    outfile: childScript,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
});
afterAll(() => {
  if (childScript) rmSync(childScript, { force: true });
});

function startChild(args: string[]): { child: ChildProcessWithoutNullStreams; lines: AsyncIterableIterator<string>; stderr: () => string } {
  const child = spawn(process.execPath, [childScript, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return { child, lines, stderr: () => err };
}

async function nextLine(lines: AsyncIterableIterator<string>, stderr: () => string): Promise<string> {
  const r = await lines.next();
  if (r.done) throw new Error(`child exited early: ${stderr()}`);
  return r.value;
}

function exited(child: ChildProcessWithoutNullStreams): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

async function expectLocked(p: Promise<unknown>, dataDir: string, pid: number): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KairosError);
  expect((e as KairosError).code).toBe('data_dir_locked');
  expect((e as KairosError).message).toBe(
    `Kairos data dir ${resolve(dataDir)} is in use by another process (pid ${pid}). Stop it, or point KAIROS_HOME elsewhere.`,
  );
}

describe('the embedded store', () => {
  it('fuses the dense leg and the BM25 keyword leg (OR semantics), by score or by reciprocal rank', async () => {
    const store = await EmbeddedStore.open({ dataDir: tempDir() });
    try {
      const name = newSpace();
      await store.ensureCollection(name, EMBEDDER);
      const top = memory(name, 'kubernetes ingress timeout', { vector: angled(0) });
      const second = memory(name, 'kubernetes pods restart', { vector: angled(0.5) });
      const far = memory(name, 'unrelated lunch menu', { vector: angled(3) });
      await store.insertMany(name, [top, second, far]);
      const query = { vector: angled(0), text: 'kubernetes ingress', limit: 10, offset: 0 };
      // Dense ranks: top 1, second 2, far 3. Keyword (OR, BM25): top 1 (both words), second 2 ('kubernetes').
      const byScore = await store.search(name, query);
      expect(byScore.map((h) => h.memory.id)).toEqual([top.id, second.id, far.id]);
      expect(byScore.map((h) => h.matchedBy)).toEqual([['dense', 'keyword'], ['dense', 'keyword'], ['dense']]);
      expect(byScore[1]!.similarity).toBeCloseTo(Math.cos(0.5), 5);
      const hits = await store.search(name, { ...query, fusion: { method: 'rrf', k: 60, keywordWeight: 1, recency: 0 } });
      expect(hits.map((h) => h.memory.id)).toEqual([top.id, second.id, far.id]);
      expect(hits[0]!.score).toBeCloseTo(1 / 61 + 1 / 61, 12);
      expect(hits[1]!.score).toBeCloseTo(1 / 62 + 1 / 62, 12);
      expect(hits[2]!.score).toBeCloseTo(1 / 63, 12);
      expect(hits[1]!.similarity).toBeCloseTo(Math.cos(0.5), 5);
    } finally {
      await store.close();
    }
  });

  it('keeps collections, memories, history and a pending re-embed across close and reopen', async () => {
    const dataDir = tempDir();
    const name = newSpace('org');
    const m = memory(name, 'persisted across restarts', { tags: ['keep'] });
    let store = await EmbeddedStore.open({ dataDir });
    await store.ensureCollection(name, EMBEDDER);
    await store.insert(name, m);
    const { vector: _v, ...plain } = m;
    const next = { ...plain, text: 'persisted, edited', version: 2 };
    const previous = { version: 1, text: m.text, tags: m.tags, source: m.source, replacedAt: m.updatedAt, reason: 'update' as const };
    await store.update(name, { memory: next, vector: vec(0, 1), previous });
    await store.beginReembed(name, { provider: 'test', model: 'next', dimension: 2 });
    await store.close();
    await store.close(); // idempotent
    await expect(store.get(name, m.id)).rejects.toThrow(/closed/);

    store = await EmbeddedStore.open({ dataDir });
    try {
      expect(await store.get(name, m.id)).toEqual(next);
      expect(await store.history(name, m.id)).toEqual([previous]);
      expect((await store.getCollection(name))?.pendingEmbedder).toEqual({ provider: 'test', model: 'next', dimension: 2 });
      expect((await store.pendingReembed(name, 10)).map((x) => x.id)).toEqual([m.id]);
      await store.writeReembedded(name, [{ id: m.id, vector: new Float32Array([1, 0]) }]);
      expect((await store.finishReembed(name)).embedder.dimension).toBe(2);
    } finally {
      await store.close();
    }
  });

  it("starts a new store from the build's empty cluster (or initdb without one), and reopens either as it was left", async () => {
    const built = findDataDirTemplate();
    expect(built, 'node esbuild.mjs builds dist/pgdata-template').toBeDefined();
    // As the VSIX ships it: a zip keeps no empty folders (PostgreSQL needs pg_notify, pg_tblspc…).
    const template = join(tempDir(), 'pgdata-template');
    cpSync(built!, template, { recursive: true });
    const empty = readdirSync(template, { recursive: true, withFileTypes: true }).filter(
      (e) => e.isDirectory() && readdirSync(join(e.parentPath, e.name)).length === 0,
    );
    expect(empty.length).toBeGreaterThan(0);
    for (const e of empty) rmSync(join(e.parentPath, e.name), { recursive: true });
    const dataDir = tempDir();
    // What a copy cut short by a crash leaves behind is replaced, never opened.
    mkdirSync(join(dataDir, 'pg.seeding'));
    writeFileSync(join(dataDir, 'pg.seeding', 'PG_VERSION'), 'half');
    const name = newSpace();
    const m = memory(name, 'written into a store seeded from the template');
    let store = await EmbeddedStore.open({ dataDir, template });
    expect(store.started).toBe('template');
    await store.ensureCollection(name, EMBEDDER);
    await store.insert(name, m);
    await store.close();
    expect(existsSync(join(dataDir, 'pg.seeding'))).toBe(false);
    store = await EmbeddedStore.open({ dataDir, template });
    try {
      expect(store.started).toBe('existing');
      expect((await store.get(name, m.id))?.text).toBe(m.text);
    } finally {
      await store.close();
    }

    // A template that does not start falls back to initdb.
    const broken = tempDir();
    writeFileSync(join(broken, 'PG_VERSION'), '17\n');
    const bare = await EmbeddedStore.open({ dataDir: tempDir(), template: broken });
    try {
      expect(bare.started).toBe('initdb');
      await bare.ensureCollection(name, EMBEDDER);
      await bare.insert(name, m);
      expect((await bare.nearest(name, m.vector, 1))[0]?.memory.id).toBe(m.id);
    } finally {
      await bare.close();
    }
  });

  it('rebuilds the HNSW index after a bulk insertMany and finds the true nearest neighbours', async () => {
    const dataDir = tempDir();
    const name = newSpace();
    const store = await EmbeddedStore.open({ dataDir });
    const n = 2500;
    const batch = Array.from({ length: n }, (_, i) => memory(name, `bulk ${i}`, { vector: angled((i / n) * Math.PI) }));
    await store.ensureCollection(name, EMBEDDER);
    await store.insertMany(name, batch);
    expect(await store.count(name)).toBe(n);
    const hits = await store.nearest(name, angled((1234 / n) * Math.PI), 3);
    expect(hits[0]!.memory.id).toBe(batch[1234]!.id);
    expect(new Set(hits.slice(1).map((h) => h.memory.id))).toEqual(new Set([batch[1233]!.id, batch[1235]!.id]));
    await store.close();

    // Look underneath: the index exists again and the planner uses it for kNN.
    const db = await PGlite.create({ dataDir: join(dataDir, 'pg'), extensions: { vector } });
    try {
      const idx = await db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = $1`, [name]);
      expect(idx.rows.some((r) => /USING hnsw/.test(r.indexdef) && /m='16'/.test(r.indexdef) && /ef_construction='64'/.test(r.indexdef))).toBe(true);
    } finally {
      await db.close();
    }
  });

  it(`searches a collection under ${HNSW_MIN_ROWS} memories exactly, and builds its HNSW index in the write that reaches ${HNSW_MIN_ROWS}`, async () => {
    const dataDir = tempDir();
    const name = newSpace();
    const indexes = async (s: EmbeddedStore): Promise<string[]> =>
      (await (s as unknown as { db: PGlite }).db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = $1`, [name])).rows
        .map((r) => r.indexdef)
        .filter((d) => /USING hnsw/.test(d));
    const n = HNSW_MIN_ROWS;
    const all = Array.from({ length: n }, (_, i) => memory(name, `row ${i}`, { vector: angled((i / n) * Math.PI) }));
    const store = await EmbeddedStore.open({ dataDir });
    try {
      await store.ensureCollection(name, EMBEDDER);
      await store.insertMany(name, all.slice(0, n - 2)); // one batch: no index below the size
      await store.insert(name, all[n - 2]!);
      expect(await indexes(store)).toEqual([]);
      const exact = await store.nearest(name, angled((500 / n) * Math.PI), 3);
      expect(exact[0]?.memory.id).toBe(all[500]!.id);
      expect(new Set(exact.slice(1).map((h) => h.memory.id))).toEqual(new Set([all[499]!.id, all[501]!.id]));
      await store.insert(name, all[n - 1]!); // reaches the size: the index is built in this write
      expect(await indexes(store)).toHaveLength(1);
      const indexed = await store.nearest(name, angled((500 / n) * Math.PI), 3);
      expect(indexed.map((h) => h.memory.id)).toEqual(exact.map((h) => h.memory.id));
    } finally {
      await store.close();
    }
    // A store whose process stopped between a write and the build gets its index at the next open.
    const raw = await PGlite.create({ dataDir: join(dataDir, 'pg'), extensions: { vector } });
    try {
      await raw.exec(`DROP INDEX "${name}:hnsw"`);
    } finally {
      await raw.close();
    }
    await withStore(dataDir, async (reopened) => expect(await indexes(reopened)).toHaveLength(1));
  });

  it('re-embeds from a large model to a smaller one although both vectors share a row meanwhile', async () => {
    const store = await EmbeddedStore.open({ dataDir: tempDir() });
    try {
      const name = newSpace();
      const big = { provider: 'openai', model: 'text-embedding-3-small', dimension: 1536 };
      const small = { provider: 'local', model: 'use-lite-512', dimension: 512 };
      const unit = (dim: number, i: number): Float32Array => {
        const v = new Float32Array(dim).map(() => Math.random());
        v[i] = 10;
        return v;
      };
      await store.ensureCollection(name, big);
      const rows = Array.from({ length: 3 }, (_, i) => memory(name, `wide ${i}`, { vector: unit(1536, i) }));
      await store.insertMany(name, rows);
      await store.beginReembed(name, small);
      await store.writeReembedded(
        name,
        rows.map((m, i) => ({ id: m.id, vector: unit(512, i) })),
      );
      expect((await store.finishReembed(name)).embedder).toEqual(small);
      const [top] = await store.nearest(name, unit(512, 1), 1);
      expect(top?.memory.id).toBe(rows[1]!.id);
    } finally {
      await store.close();
    }
  });

  it('keeps a loaded keyword index equal to a fresh load across inserts, updates, source changes and deletes', async () => {
    const dataDir = tempDir();
    const name = newSpace();
    const queries = ['quartz broker', 'basalt', 'granite schema', 'quartz', 'obsidian ledger'];
    const keywordOnly = async (s: EmbeddedStore, filter?: { stale?: boolean }) =>
      Promise.all(
        queries.map(async (text) =>
          (await s.search(name, { text, limit: 10, offset: 0, ...(filter ? { filter } : {}), fusion: { recency: 0 } })).map((h) => [h.memory.id, h.score]),
        ),
      );
    const store = await EmbeddedStore.open({ dataDir });
    let live: Awaited<ReturnType<typeof keywordOnly>>;
    let liveStale: Awaited<ReturnType<typeof keywordOnly>>;
    try {
      await store.ensureCollection(name, EMBEDDER);
      const base = ['quartz broker one', 'granite schema two', 'basalt three', 'quartz quartz four'].map((t, i) => memory(name, t, { vector: angled(i) }));
      await store.insertMany(name, base);
      expect(await keywordOnly(store)).toHaveLength(queries.length); // loads the index
      const added = memory(name, 'obsidian ledger quartz', { vector: angled(5) });
      await store.insert(name, added); // the single-row path: its terms come back with the INSERT
      const m = base[1]!;
      await store.update(name, {
        memory: { ...m, text: 'basalt broker rewritten', version: 2, updatedAt: new Date().toISOString() },
        vector: angled(6),
        previous: { version: 1, text: m.text, tags: [], source: m.source, replacedAt: m.updatedAt, reason: 'update' },
      });
      const anchored = {
        kind: 'editor' as const,
        anchor: {
          repo: 'github.com/a/b',
          path: 'src/x.ts',
          startLine: 1,
          endLine: 1,
          lines: ['x'],
          status: { state: 'stale' as const, checkedAt: new Date().toISOString() },
        },
      };
      expect(await store.setSource(name, base[0]!.id, 1, anchored as never)).toBe(true);
      expect(await store.delete(name, base[3]!.id)).toBe(true);
      live = await keywordOnly(store);
      liveStale = await keywordOnly(store, { stale: true });
      // What the writes did is visible: the new memory, the new text (not the old), nothing deleted.
      expect(live[4]!.map(([id]) => id)).toEqual([added.id]);
      expect(live[1]!.map(([id]) => id)).toContain(m.id);
      expect(live[2]!.map(([id]) => id)).not.toContain(m.id);
      expect(live.flat().map(([id]) => id)).not.toContain(base[3]!.id);
      expect(liveStale[0]!.map(([id]) => id)).toEqual([base[0]!.id]);
    } finally {
      await store.close();
    }
    await withStore(dataDir, async (reopened) => {
      expect(await keywordOnly(reopened)).toEqual(live);
      expect(await keywordOnly(reopened, { stale: true })).toEqual(liveStale);
    });
  });

  it('loads the keyword index page range by page range into the same index as one statement would', async () => {
    const store = await EmbeddedStore.open({ dataDir: tempDir() });
    try {
      const name = newSpace();
      await store.ensureCollection(name, EMBEDDER);
      const words = ['quartz', 'basalt', 'granite', 'obsidian', 'schist', 'marble', 'slate'];
      const rows = Array.from({ length: 300 }, (_, i) =>
        memory(name, `${words[i % 7]} ${words[(i * 3) % 7]} note ${i} ${'padding '.repeat(i % 5)}`, { vector: angled(i / 10), tags: i % 4 ? [] : ['four'] }),
      );
      await store.insertMany(name, rows);
      const { db } = store as unknown as { db: PGlite };
      const t = tableNames(name);
      const pages = (await db.query<{ n: number }>(`SELECT (pg_relation_size($1::regclass) / 8192)::int AS n`, [t.rows])).rows[0]!.n;
      expect(pages).toBeGreaterThan(3); // several pages, so several ranges below
      const whole = await KeywordIndex.load(db, t, pages + 1);
      const paged = await KeywordIndex.load(db, t, 1);
      expect(paged.size).toBe(rows.length);
      for (const q of [['quartz'], ['basalt', 'note'], ['slate', 'padding', 'absent']])
        for (const filter of [undefined, { tags: ['four'] }]) expect(paged.search(q, 100, filter)).toEqual(whole.search(q, 100, filter));
    } finally {
      await store.close();
    }
  });

  it('writes and searches vectors passed as binary parameters, both as vector(512) and as a halfvec column (3072-d)', async () => {
    const store = await EmbeddedStore.open({ dataDir: tempDir() });
    try {
      for (const dim of [512, 3072]) {
        const name = newSpace();
        await store.ensureCollection(name, { provider: 'test', model: `m${dim}`, dimension: dim });
        const axis = (i: number, j = i): Float32Array => {
          const v = new Float32Array(dim).fill(0.01);
          v[i] = 1;
          v[j] = 1;
          return v;
        };
        const one = memory(name, `one ${dim}`, { vector: axis(0) });
        await store.insertMany(name, [one]); // the single-row statement
        const more = [1, 2, 3].map((i) => memory(name, `more ${i} ${dim}`, { vector: axis(i) }));
        await store.insertMany(name, more); // one statement (halfvec) or the binary COPY path (vector)
        const [top] = await store.nearest(name, axis(2), 1);
        expect(top?.memory.id).toBe(more[1]!.id);
        expect(top?.similarity).toBeCloseTo(1, dim > 2000 ? 3 : 6);
        // An update moves the memory's vector: axis 0 now answers with "more 3".
        const m = more[2]!;
        await store.update(name, {
          memory: { ...m, text: `moved ${dim}`, version: 2, updatedAt: new Date().toISOString() },
          vector: axis(0, 5),
          previous: { version: 1, text: m.text, tags: [], source: m.source, replacedAt: m.updatedAt, reason: 'update' },
        });
        const hits = await store.search(name, { vector: axis(0, 5), limit: 2, offset: 0 });
        expect(hits.map((h) => h.memory.text)).toEqual([`moved ${dim}`, `one ${dim}`]);
        // A zero query vector has no cosine distance (NaN): the keyword leg still answers.
        const zero = await store.search(name, { vector: new Float32Array(dim), text: `moved ${dim}`, limit: 5, offset: 0 });
        expect(zero[0]?.memory.text).toBe(`moved ${dim}`);
        await expect(store.nearest(name, new Float32Array(dim).fill(Number.NaN), 1)).rejects.toThrow(/non-finite/);
        await expect(store.nearest(name, new Float32Array(dim + 1), 1)).rejects.toThrow(/dimensions/);
      }
    } finally {
      await store.close();
    }
  });

  describe('data dir lock', () => {
    it('refuses a second open in the same process until the first is closed', async () => {
      const dataDir = tempDir();
      const first = await EmbeddedStore.open({ dataDir });
      await expectLocked(EmbeddedStore.open({ dataDir }), dataDir, process.pid);
      await first.close();
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
      const again = await EmbeddedStore.open({ dataDir });
      await again.close();
    });

    it('refuses an open from another process while this one holds the dir', async () => {
      const dataDir = tempDir();
      const store = await EmbeddedStore.open({ dataDir });
      try {
        const { child, lines, stderr } = startChild(['open', dataDir]);
        const out = JSON.parse(await nextLine(lines, stderr)) as { ok: boolean; code: string; message: string };
        await exited(child);
        expect(out).toEqual({
          ok: false,
          code: 'data_dir_locked',
          message: `Kairos data dir ${resolve(dataDir)} is in use by another process (pid ${process.pid}). Stop it, or point KAIROS_HOME elsewhere.`,
        });
      } finally {
        await store.close();
      }
    });

    it('is refused while another process holds it and taken over once that process is killed', async () => {
      const dataDir = tempDir();
      const { child, lines, stderr } = startChild(['hold', dataDir]);
      try {
        expect(await nextLine(lines, stderr)).toBe('ready');
        await expectLocked(EmbeddedStore.open({ dataDir }), dataDir, child.pid!);
      } finally {
        child.kill('SIGKILL');
        await exited(child);
      }
      // The dead owner's lock file is still there; it is taken over.
      expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).pid).toBe(child.pid);
      const store = await EmbeddedStore.open({ dataDir });
      await store.close();
    });

    it('takes over a lock file left by a dead process or by an earlier run with our pid', async () => {
      for (const pid of [2 ** 22 + 12345, process.pid]) {
        const dataDir = tempDir();
        writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid, token: randomUUID() }));
        const store = await EmbeddedStore.open({ dataDir });
        expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
        await store.close();
      }
    });
  });

  it('keeps every acknowledged write when its process is killed with SIGKILL mid-load', async () => {
    const dataDir = tempDir();
    const name = newSpace();
    const { child, lines, stderr } = startChild(['insert', dataDir, name]);
    const acked: string[] = [];
    try {
      expect(await nextLine(lines, stderr)).toBe('ready');
      while (acked.length < 400) acked.push(await nextLine(lines, stderr));
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
    expect(child.signalCode).toBe('SIGKILL');
    // Lines already in the pipe were acknowledged too.
    for (let r = await lines.next(); !r.done; r = await lines.next()) acked.push(r.value);

    const store = await EmbeddedStore.open({ dataDir });
    try {
      const missing: string[] = [];
      for (const id of acked) if (!(await store.get(name, id))) missing.push(id);
      expect(missing).toEqual([]);
      expect(await store.count(name)).toBeGreaterThanOrEqual(acked.length);
      // The reopened database is healthy: searchable and writable.
      expect((await store.search(name, { text: 'durable', limit: 5, offset: 0 })).length).toBe(5);
      await store.insert(name, memory(name, 'after the crash', { vector: new Float32Array(16).fill(1) }));
    } finally {
      await store.close();
    }
  });
});
