/**
 * `npm run eval`: retrieval quality on the dev half of LongMemEval (oracle split), measured the
 * way a user meets it. Protocol: ../shared/eval/README.md. Every chat turn becomes one memory in
 * one space, loaded with the product's own `kairos import`; every non-abstention question is
 * asked once through the MCP `search` tool (SDK client, Streamable HTTP, k = 10) of a running
 * `kairos serve`. Baselines in the same run, on the same data dir and query vectors: the dense leg
 * alone, the keyword leg alone, and reciprocal-rank fusion of the two (k = 60).
 *
 * Env: KAIROS_EVAL_DATA (default ../shared/eval/longmemeval_oracle_dev.json), KAIROS_EVAL_LIMIT
 * (first N instances, for a quick run), KAIROS_EVAL_HOME (a home to keep: imported once, later
 * runs skip the import and measure search again), KAIROS_EVAL_WINDOWS (e.g. 30,50: extra hybrid rows with
 * smaller candidate windows), KAIROS_EVAL_EF_SEARCH (the in-process rows' HNSW ef_search).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MIN_KEYWORD_COVERAGE, type FusionParams, type RelevanceFloor } from '../src/core/hybrid.js';
import { userSpace } from '../src/core/memory.js';
import { createLocalEmbedder } from '../src/embeddings/local.js';
import { readEngineFile } from '../src/runtime/engineFile.js';
import { EmbeddedStore } from '../src/stores/embedded/embeddedStore.js';
import { percentile } from './data.js';

interface Turn {
  role: string;
  content: string;
  has_answer?: boolean;
}
interface Instance {
  question_id: string;
  question_type: string;
  question: string;
  haystack_session_ids: string[];
  haystack_dates: string[];
  haystack_sessions: Turn[][];
  answer_session_ids: string[];
}
interface Question {
  id: string;
  type: string;
  text: string;
  evidence: string[];
}

const CLI = resolve('dist/kairos.mjs');

/** "2023/05/21 (Sun) 19:50" → ISO, plus the turn index in ms so turns of a session keep their order. */
function sessionTime(date: string, turn: number): string {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) \(\w+\) (\d{2}):(\d{2})$/.exec(date);
  if (!m) throw new Error(`unexpected date ${date}`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!) + turn).toISOString();
}

function build(instances: Instance[]): { lines: string[]; questions: Question[]; abstentions: string[] } {
  const seen = new Set<string>();
  const lines: string[] = [];
  const questions: Question[] = [];
  const abstentions: string[] = [];
  for (const inst of instances) {
    const evidence: string[] = [];
    inst.haystack_sessions.forEach((session, s) => {
      const sid = inst.haystack_session_ids[s]!;
      const date = inst.haystack_dates[s]!;
      session.forEach((turn, i) => {
        const id = `${sid}#${i}`;
        if (turn.has_answer) evidence.push(id);
        if (seen.has(id)) return;
        seen.add(id);
        const at = sessionTime(date, i);
        lines.push(JSON.stringify({ id, text: `[${date}] ${turn.role}: ${turn.content}`, createdAt: at, updatedAt: at, source: { kind: 'import' } }));
      });
    });
    if (evidence.length === 0) {
      inst.haystack_sessions.forEach((session, s) => {
        if (inst.answer_session_ids.includes(inst.haystack_session_ids[s]!)) session.forEach((_, i) => evidence.push(`${inst.haystack_session_ids[s]}#${i}`));
      });
    }
    if (inst.question_id.endsWith('_abs')) abstentions.push(inst.question);
    else questions.push({ id: inst.question_id, type: inst.question_type, text: inst.question, evidence: [...new Set(evidence)] });
  }
  return { lines, questions, abstentions };
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`kairos ${args.join(' ')} exited with ${code}`))));
  });
}

async function startServer(env: NodeJS.ProcessEnv, home: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [CLI, 'serve'], { env: { ...env, KAIROS_PORT: '0' }, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 600; i++) {
    const info = readEngineFile(home);
    if (info && info.pid === child.pid) return { url: info.url, stop: async () => void (child.kill('SIGTERM'), await exited) };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('kairos serve did not start within 60 s');
}

type Ranker = (q: Question) => Promise<string[]>;

interface Scored {
  r5: number;
  r10: number;
  byType: Map<string, { r5: number; r10: number; n: number }>;
  latencies: number[];
}

async function score(questions: Question[], rank: Ranker): Promise<Scored> {
  const out: Scored = { r5: 0, r10: 0, byType: new Map(), latencies: [] };
  for (const q of questions) {
    const t0 = performance.now();
    const ids = await rank(q);
    out.latencies.push(performance.now() - t0);
    const at = (k: number): number => q.evidence.filter((e) => ids.slice(0, k).includes(e)).length / q.evidence.length;
    const t = out.byType.get(q.type) ?? { r5: 0, r10: 0, n: 0 };
    t.r5 += at(5);
    t.r10 += at(10);
    t.n++;
    out.byType.set(q.type, t);
    out.r5 += at(5);
    out.r10 += at(10);
  }
  out.r5 /= questions.length;
  out.r10 /= questions.length;
  return out;
}

const f3 = (x: number): string => x.toFixed(3);
const ms = (x: number): string => `${x.toFixed(1)} ms`;

async function main(): Promise<void> {
  const dataPath = resolve(process.env.KAIROS_EVAL_DATA ?? '../shared/eval/longmemeval_oracle_dev.json');
  let instances = JSON.parse(readFileSync(dataPath, 'utf8')) as Instance[];
  const limit = Number(process.env.KAIROS_EVAL_LIMIT ?? 0);
  if (limit > 0) instances = instances.slice(0, limit);
  const { lines, questions, abstentions } = build(instances);
  console.log(
    `LongMemEval (${dataPath.split('/').pop()}): ${instances.length} instances, ${lines.length} turns, ${questions.length} questions scored, ${abstentions.length} abstentions`,
  );

  const kept = process.env.KAIROS_EVAL_HOME;
  const home = kept ? resolve(kept) : mkdtempSync(join(tmpdir(), 'kairos-eval-'));
  const env: NodeJS.ProcessEnv = { ...process.env, KAIROS_HOME: home, KAIROS_EMBEDDER: 'local' };
  try {
    let imported = '';
    if (!kept || !existsSync(join(home, 'data'))) {
      mkdirSync(home, { recursive: true });
      const file = join(home, 'turns.jsonl');
      writeFileSync(file, lines.join('\n') + '\n');
      console.log('importing with `kairos import` (offline embedder)…');
      const t0 = performance.now();
      const summary = JSON.parse(await run(['import', file, '--json'], env)) as { created: number; duplicate: number };
      const importMs = performance.now() - t0;
      imported = `${summary.created} turns in ${(importMs / 1000).toFixed(1)} s = ${((summary.created * 1000) / importMs).toFixed(1)} turns/s, process start included (${summary.duplicate} turns repeat another's text and were counted as duplicates)`;
      console.log(`imported ${imported}`);
    }

    const server = await startServer(env, home);
    const token = readFileSync(join(home, 'token'), 'utf8').trim();
    const client = new Client({ name: 'kairos-eval', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    const mcpSearch: Ranker = async (q) => {
      const r = await client.callTool({ name: 'search', arguments: { query: q.text, limit: 10 } });
      const results = (r.structuredContent as { results: Array<{ id: string }> }).results;
      return results.map((x) => x.id);
    };
    // Warm-up: the first call loads the model and the keyword index.
    await mcpSearch({ id: 'warm', type: 'warm', text: 'warm up', evidence: ['x'] });
    console.log('asking every question through MCP search…');
    const kairos = await score(questions, mcpSearch);
    let emptyAbstentions = 0;
    for (const a of abstentions) if ((await mcpSearch({ id: 'a', type: 'a', text: a, evidence: ['x'] })).length === 0) emptyAbstentions++;
    const nonsense = ['zzqqxx', 'qwpoeiruty asdlkfj', 'xj9 vq7 pl2', 'flurbo gnarfle wibble', '🦄🦄🦄'];
    let emptyNonsense = 0;
    for (const n of nonsense) if ((await mcpSearch({ id: 'n', type: 'n', text: n, evidence: ['x'] })).length === 0) emptyNonsense++;
    await client.close();
    await server.stop();

    // Baselines on the same data dir, in this process, with the same query vectors.
    const efSearch = process.env.KAIROS_EVAL_EF_SEARCH ? Number(process.env.KAIROS_EVAL_EF_SEARCH) : undefined;
    const store = await EmbeddedStore.open({ dataDir: join(home, 'data'), ...(efSearch ? { efSearch } : {}) });
    const embedder = createLocalEmbedder();
    const space = (await store.listCollections()).map((c) => c.name).find((n) => n.startsWith(userSpace('')))!;
    const vectors = new Map<string, Float32Array>();
    const embedMs: number[] = [];
    for (const q of questions) {
      const t0 = performance.now();
      vectors.set(q.id, (await embedder.embed([q.text], 'query'))[0]!);
      embedMs.push(performance.now() - t0);
    }
    const via =
      (legs: 'dense' | 'keyword' | 'both', fusion?: Partial<FusionParams>, floor?: RelevanceFloor): Ranker =>
      async (q) => {
        const hits = await store.search(space, {
          ...(legs !== 'keyword' ? { vector: vectors.get(q.id)! } : {}),
          ...(legs !== 'dense' ? { text: q.text } : {}),
          limit: 10,
          offset: 0,
          ...(fusion ? { fusion } : {}),
          ...(floor ? { floor } : {}),
        });
        return hits.map((h) => h.memory.id);
      };
    const rows: Array<[string, Scored]> = [
      ['Kairos (MCP search, hybrid)', kairos],
      ['dense leg alone', await score(questions, via('dense'))],
      ['keyword leg alone (BM25)', await score(questions, via('keyword'))],
      ['RRF k=60 of the two legs', await score(questions, via('both', { method: 'rrf', k: 60, keywordWeight: 1, recency: 0 }))],
      ['hybrid without relevance floor', await score(questions, via('both'))],
      [
        'hybrid with floor, in process',
        await score(questions, via('both', undefined, { minSimilarity: embedder.minRelevantSimilarity!, minCoverage: MIN_KEYWORD_COVERAGE })),
      ],
    ];
    // KAIROS_EVAL_WINDOWS=30,50: the hybrid again with smaller candidate windows (a tuning aid).
    for (const w of (process.env.KAIROS_EVAL_WINDOWS ?? '').split(',').filter(Boolean).map(Number)) {
      rows.push([
        `hybrid with floor, window ${w}`,
        await score(questions, via('both', { window: w }, { minSimilarity: embedder.minRelevantSimilarity!, minCoverage: MIN_KEYWORD_COVERAGE })),
      ]);
    }
    await store.close();

    const types = [...kairos.byType.keys()].sort();
    console.log('\n| method | recall@5 | recall@10 | ratio@10 to dense | search p50 | ' + types.join(' | ') + ' |');
    console.log('|---|---|---|---|---|' + types.map(() => '---|').join(''));
    const dense = rows[1]![1].r10;
    for (const [name, s] of rows) {
      const per = types.map((t) => {
        const x = s.byType.get(t)!;
        return `${f3(x.r5 / x.n)} / ${f3(x.r10 / x.n)}`;
      });
      const p50 = percentile(
        [...s.latencies].sort((x, y) => x - y),
        50,
      );
      console.log(`| ${name} | ${f3(s.r5)} | ${f3(s.r10)} | ${(s.r10 / dense).toFixed(2)}× | ${ms(p50)} | ${per.join(' | ')} |`);
    }
    const lat = [...kairos.latencies].sort((a, b) => a - b);
    console.log(`\nMCP search latency at the client (query embedding included): p50 ${ms(percentile(lat, 50))}, p95 ${ms(percentile(lat, 95))}`);
    const emb = [...embedMs].sort((a, b) => a - b);
    console.log(
      `query embedding alone (offline model, in process): p50 ${ms(percentile(emb, 50))}, p95 ${ms(percentile(emb, 95))}; the in-process rows' "search p50" is the store's search with the vector given`,
    );
    if (imported) console.log(`import: ${imported}`);
    console.log(
      `relevance floor: ${emptyNonsense}/${nonsense.length} nonsense queries and ${emptyAbstentions}/${abstentions.length} abstention questions returned nothing`,
    );
  } finally {
    if (!kept) rmSync(home, { recursive: true, force: true });
  }
}

await main();
