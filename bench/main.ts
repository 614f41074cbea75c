/**
 * `npm run bench`: ingest, search latency/recall and MCP overhead on the embedded store with
 * precomputed vectors (embedding excluded). Every number is printed beside a baseline measured
 * in this same run, as a ratio; nothing here asserts a time.
 *
 * Sizes: KAIROS_BENCH_SIZES (default "10000,100000"); queries: KAIROS_BENCH_QUERIES (default 200);
 * HNSW query candidates: KAIROS_BENCH_EF_SEARCH (default: the store's, 160). KAIROS_BENCH_MODEL=0 skips
 * the parts that load the offline model (short facts through MCP, embedding rate).
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { normaliseCodeSource } from '../src/core/code.js';
import type { MemorySource } from '../src/core/memory.js';
import { contentHash } from '../src/core/contentHash.js';
import type { Embedder, StoredMemory } from '../src/core/ports.js';
import { bufferPoolMb, folderBytes } from '../src/stores/embedded/bufferPool.js';
import { EmbeddedStore } from '../src/stores/embedded/embeddedStore.js';
import { bruteForceTopK, makeCorpus, makeQueries, mulberry32, normalise, percentile, type Corpus } from './data.js';
import { benchEmbedding, benchFacts } from './facts.js';
import { benchMcpServer } from './mcpClient.js';

const DIM = 512;
const BATCH = 500;
const SPACE = 'kairos_user_bench';
const sizes = (process.env.KAIROS_BENCH_SIZES ?? '10000,100000').split(',').map((s) => Number(s.trim()));
const queryCount = Number(process.env.KAIROS_BENCH_QUERIES ?? 200);
const efSearch = process.env.KAIROS_BENCH_EF_SEARCH ? Number(process.env.KAIROS_BENCH_EF_SEARCH) : undefined;

type Row = [string, string, string, string];
const rows: Row[] = [];
const progress = (msg: string): void => void process.stderr.write(`\r\x1b[K${msg}`);
const done = (): void => void process.stderr.write('\r\x1b[K');

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

function stats(samples: number[]): { p50: number; p95: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95) };
}

const ms = (x: number): string => `${x.toFixed(2)} ms`;
const ratio = (x: number): string => `${x.toFixed(2)}×`;

const BENCH_REPO = 'github.com/acme/app';
const BENCH_FILES = 500;

/** Every other memory is about a repo: half of those anchored to one of 500 files, as an editor leaves them. */
function codeSource(i: number): MemorySource {
  if (i % 2 === 1) return { kind: 'api' };
  const path = `src/module${(i >> 1) % BENCH_FILES}/index.ts`;
  if (i % 4 === 0)
    return normaliseCodeSource<MemorySource>(
      { kind: 'editor', anchor: { repo: BENCH_REPO, path, startLine: 10, endLine: 11, lines: [`export function f${i}() {`, '  return 1;'] } },
      new Date(0).toISOString(),
    );
  return { kind: 'agent', scope: { repo: BENCH_REPO } };
}

function memoriesOf(corpus: Corpus, ids: string[]): StoredMemory[] {
  const now = new Date().toISOString();
  return corpus.vectors.map((vector, i) => ({
    id: ids[i]!,
    space: SPACE,
    text: corpus.texts[i]!,
    tags: i % 10 === 0 ? ['sampled'] : [],
    source: codeSource(i),
    contentHash: contentHash(corpus.texts[i]!),
    version: 1,
    createdAt: now,
    updatedAt: now,
    vector,
  }));
}

/** Baseline ingest: the same rows into a bare PGlite table with a vector column and no indexes. */
async function rawIngestRate(dir: string, corpus: Corpus, ids: string[]): Promise<number> {
  const db = await PGlite.create({ dataDir: join(dir, 'raw'), extensions: { vector } });
  await db.exec(`CREATE EXTENSION IF NOT EXISTS vector; CREATE TABLE raw (id text PRIMARY KEY, text text, v vector(${DIM}))`);
  const [, elapsed] = await time(async () => {
    for (let i = 0; i < corpus.vectors.length; i += BATCH) {
      const params: unknown[] = [];
      const values: string[] = [];
      for (let j = i; j < Math.min(i + BATCH, corpus.vectors.length); j++) {
        params.push(ids[j], corpus.texts[j], `[${Array.from(corpus.vectors[j]!).join(',')}]`);
        values.push(`($${params.length - 2}, $${params.length - 1}, $${params.length}::vector)`);
      }
      await db.query(`INSERT INTO raw VALUES ${values.join(',')}`, params);
      progress(`baseline ingest ${Math.min(i + BATCH, corpus.vectors.length)}/${corpus.vectors.length}`);
    }
  });
  done();
  await db.close();
  return corpus.vectors.length / (elapsed / 1000);
}

async function benchSize(n: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kairos-bench-'));
  try {
    progress(`generating ${n} vectors…`);
    const corpus = makeCorpus(n, DIM);
    const ids = corpus.vectors.map(() => randomUUID());
    const memories = memoriesOf(corpus, ids);
    const queries = makeQueries(corpus, queryCount);

    const baseRate = await rawIngestRate(dir, corpus, ids);
    const open = (): Promise<EmbeddedStore> => EmbeddedStore.open({ dataDir: join(dir, 'kairos'), ...(efSearch ? { efSearch } : {}) });
    const [first, emptyOpenMs] = await time(open);
    let store = first;
    await store.ensureCollection(SPACE, { provider: 'bench', model: 'precomputed', dimension: DIM });
    // Bulk path (import): all but the last INCREMENTAL rows in one insertMany, which loads the
    // rows and builds the HNSW graph once. Then single-batch inserts into the built graph.
    const INCREMENTAL = 1000;
    const bulk = memories.slice(0, n - INCREMENTAL);
    progress(`bulk ingest ${bulk.length}…`);
    const [, bulkMs] = await time(() => store.insertMany(SPACE, bulk));
    done();
    const bulkRate = bulk.length / (bulkMs / 1000);
    rows.push([
      `${n}`,
      'bulk ingest (one insertMany, indexes built)',
      `${Math.round(bulkRate)} /s`,
      `${ratio(bulkRate / baseRate)} of bare-table insert (${Math.round(baseRate)} /s)`,
    ]);
    const [, incMs] = await time(async () => {
      for (let i = n - INCREMENTAL; i < n; i += 100) {
        await store.insertMany(SPACE, memories.slice(i, i + 100));
        progress(`incremental ingest ${i + 100 - (n - INCREMENTAL)}/${INCREMENTAL}`);
      }
    });
    done();
    const incRate = INCREMENTAL / (incMs / 1000);
    rows.push([`${n}`, 'incremental ingest (batches of 100 into the graph)', `${Math.round(incRate)} /s`, `${ratio(incRate / baseRate)} of bare-table insert`]);

    // Searches run on the store as an engine start finds it: its buffer pool is sized at open
    // (src/stores/embedded/bufferPool.ts), which the empty store above was not.
    await store.close();
    const [reopened, reopenMs] = await time(open);
    store = reopened;
    rows.push([
      `${n}`,
      'store open (existing, buffer pool sized to it)',
      ms(reopenMs),
      `${ratio(reopenMs / emptyOpenMs)} of opening it new (${ms(emptyOpenMs)}); ${bufferPoolMb(folderBytes(join(dir, 'kairos', 'pg', 'base')))} MB pool`,
    ]);

    // Exact brute force: the recall ground truth and the latency baseline.
    const truth: string[][] = [];
    const bruteMs: number[] = [];
    for (const [i, q] of queries.entries()) {
      const t0 = performance.now();
      truth.push(bruteForceTopK(corpus.vectors, ids, q.vector, 10));
      bruteMs.push(performance.now() - t0);
      if (i % 20 === 0) progress(`brute force ${i}/${queries.length}`);
    }
    done();
    const brute = stats(bruteMs);
    // The corpus (hundreds of MB at 100k) is not needed past this point: released, so that the
    // searches below are not timed through the bench's own garbage collection of it.
    for (const held of [corpus.vectors, corpus.texts, memories, bulk]) held.length = 0;
    (globalThis as { gc?: () => void }).gc?.();

    // One untimed pass first: the reopened store's buffer pool starts cold, and the hybrid rows
    // below run after this pass, so both are timed warm.
    for (const q of queries) await store.nearest(SPACE, q.vector, 10);
    const denseMs: number[] = [];
    let hits = 0;
    for (const [i, q] of queries.entries()) {
      const [res, t] = await time(() => store.nearest(SPACE, q.vector, 10));
      denseMs.push(t);
      const want = new Set(truth[i]);
      hits += res.filter((r) => want.has(r.memory.id)).length;
    }
    const dense = stats(denseMs);
    const recall = hits / (queries.length * 10);
    rows.push([
      `${n}`,
      'dense kNN p50 / p95 (HNSW)',
      `${ms(dense.p50)} / ${ms(dense.p95)}`,
      `${ratio(brute.p50 / dense.p50)} faster than exact scan (p50 ${ms(brute.p50)})`,
    ]);
    rows.push([`${n}`, 'recall@10 vs exact brute force', recall.toFixed(3), `${queries.length} queries`]);

    // The first search of a space loads its keyword index from the table.
    const [, loadMs] = await time(() => store.search(SPACE, { vector: queries[0]!.vector, text: queries[0]!.text, limit: 10, offset: 0 }));
    rows.push([
      `${n}`,
      'keyword index load (first search after open)',
      ms(loadMs),
      `${ratio(loadMs / (bulkMs / (n - INCREMENTAL)) / n)} of the bulk ingest time`,
    ]);
    const hybridMs: number[] = [];
    const filteredMs: number[] = [];
    for (const q of queries) {
      hybridMs.push((await time(() => store.search(SPACE, { vector: q.vector, text: q.text, limit: 10, offset: 0 })))[1]);
      filteredMs.push((await time(() => store.search(SPACE, { vector: q.vector, text: q.text, limit: 10, offset: 0, filter: { tags: ['sampled'] } })))[1]);
    }
    const hybrid = stats(hybridMs);
    const filtered = stats(filteredMs);
    rows.push([
      `${n}`,
      'hybrid search p50 / p95 (dense + BM25, fused)',
      `${ms(hybrid.p50)} / ${ms(hybrid.p95)}`,
      `${ratio(hybrid.p50 / dense.p50)} of dense-only p50`,
    ]);
    rows.push([
      `${n}`,
      'hybrid + tag filter (10% match) p50 / p95',
      `${ms(filtered.p50)} / ${ms(filtered.p95)}`,
      `${ratio(filtered.p50 / dense.p50)} of dense-only p50`,
    ]);

    // "For this file": memories anchored to the open file, then the repo's newest (MemoryService.forFile's two queries).
    const fileMs: number[] = [];
    const pageMs: number[] = [];
    let found = 0;
    for (let i = 0; i < 100; i++) {
      const path = `src/module${(i * 7) % BENCH_FILES}/index.ts`;
      const [onFile, t1] = await time(() => store.list(SPACE, { limit: 20, filter: { path, repo: BENCH_REPO } }));
      const [, t2] = await time(() => store.list(SPACE, { limit: 20, filter: { repo: BENCH_REPO } }));
      fileMs.push(t1 + t2);
      found += onFile.items.length;
      pageMs.push((await time(() => store.list(SPACE, { limit: 20 })))[1]);
    }
    const file = stats(fileMs);
    const page = stats(pageMs);
    rows.push([
      `${n}`,
      '"for this file" p50 / p95 (anchored to the file + repo newest)',
      `${ms(file.p50)} / ${ms(file.p95)}`,
      `${ratio(file.p50 / page.p50)} of an unfiltered list page (p50 ${ms(page.p50)}); ${(found / 100).toFixed(1)} per file`,
    ]);

    if (n === sizes[0]) {
      await benchMcp(store, queries, ids);
      if (process.env.KAIROS_BENCH_MODEL !== '0') await benchFacts(store, rows, progress);
      done();
    }
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** MCP tool call over loopback HTTP vs the same MemoryService call in process. */
async function benchMcp(store: EmbeddedStore, queries: Array<{ vector: Float32Array; text: string }>, ids: string[]): Promise<void> {
  const byText = new Map(queries.map((q) => [q.text, q.vector]));
  // A new text (remember) gets a query's vector moved a little, so no two writes are identical.
  const moved = (text: string): Float32Array => {
    const rand = mulberry32([...text].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619), 2166136261));
    const base = queries[Math.floor(rand() * queries.length)]!.vector;
    return normalise(base.map((x) => x + (rand() - 0.5) * 0.02));
  };
  const embedder: Embedder = {
    info: { provider: 'bench', model: 'precomputed', dimension: DIM },
    embed: async (texts) => texts.map((t) => byText.get(t) ?? moved(t)),
  };
  const { client, service, close } = await benchMcpServer(store, SPACE, embedder);
  const n = Math.min(200, queries.length);
  const measure = async (label: string, direct: (i: number) => Promise<unknown>, viaMcp: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 10; i++) {
      await direct(i);
      await viaMcp(i);
    }
    const d: number[] = [];
    const m: number[] = [];
    for (let i = 0; i < n; i++) {
      d.push((await time(() => direct(i)))[1]);
      m.push((await time(() => viaMcp(i)))[1]);
    }
    const ds = stats(d);
    const mm = stats(m);
    // Per call, against the same call made in process just before it: a difference of two
    // separate p95s can come out negative.
    const over = stats(m.map((x, i) => x - d[i]!));
    rows.push([
      `${ids.length}`,
      `MCP ${label} overhead p50 / p95`,
      `${ms(over.p50)} / ${ms(over.p95)}`,
      `${ratio(mm.p50 / ds.p50)} of in-process call (p50 ${ms(ds.p50)})`,
    ]);
  };
  await measure(
    'get_memory',
    (i) => service.get(ids[i]!),
    (i) => client.callTool({ name: 'get_memory', arguments: { id: ids[i]! } }),
  );
  await measure(
    'search',
    (i) => service.search({ query: queries[i]!.text, limit: 10 }),
    (i) => client.callTool({ name: 'search', arguments: { query: queries[i]!.text, limit: 10 } }),
  );
  // Remember into this space, whose HNSW graph every write joins (the short-fact part of the
  // bench writes into a new space under 1,000 memories, which has no graph yet: HNSW_MIN_ROWS).
  const remembered: number[] = [];
  const inProcess: number[] = [];
  for (let i = 0; i < n; i++) {
    inProcess.push((await time(() => service.remember({ text: `bench note ${i}: service ${i * 7} deploys on day ${i % 7}` })))[1]);
    remembered.push(
      (await time(() => client.callTool({ name: 'remember', arguments: { text: `bench note ${i}: worker ${i * 11} retries ${i % 5} times` } })))[1],
    );
  }
  const r = stats(remembered.slice(10));
  rows.push([
    `${ids.length}`,
    'MCP remember p50 / p95 (precomputed vectors, the write joins the HNSW graph)',
    `${ms(r.p50)} / ${ms(r.p95)}`,
    `${ratio(r.p50 / stats(inProcess.slice(10)).p50)} of in-process remember (p50 ${ms(stats(inProcess.slice(10)).p50)})`,
  ]);
  await close();
}

const started = performance.now();
if (process.env.KAIROS_BENCH_MODEL !== '0') await benchEmbedding(rows);
for (const n of sizes) await benchSize(n);
const widths = [0, 1, 2, 3].map((c) => Math.max(...[['memories', 'measure', 'value', 'ratio to baseline (same run)'], ...rows].map((r) => r[c]!.length)));
const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
process.stdout.write(
  [
    `Kairos bench — ${DIM}-d precomputed vectors, ${queryCount} queries, ef_search ${efSearch ?? 'default (160)'}, node ${process.version}, ${((performance.now() - started) / 1000) | 0} s`,
    line(['memories', 'measure', 'value', 'ratio to baseline (same run)']),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
  ].join('\n'),
);
