import { Bm25Index } from './src/core/bm25.ts';
import { fuseHybrid, type DenseCandidate, type KeywordCandidate, type FusionParams } from './src/core/hybrid.ts';
// @ts-ignore
import { load } from '/tmp/exp/items.mjs';
import fs from 'node:fs';
const { items, questions } = load();
const terms: Record<string, [string, number][]> = JSON.parse(fs.readFileSync('/tmp/exp/terms.json', 'utf8'));
const vecs: Record<string, number[]> = {};
for (const f of ['/tmp/exp/vec-0.json', '/tmp/exp/vec-1.json']) Object.assign(vecs, JSON.parse(fs.readFileSync(f, 'utf8')));
const ids: string[] = items.map((i: any) => i.id);
const ms = new Map(items.map((i: any) => [i.id, i.ms]));
const passages = new Map<string, Float32Array[]>();
for (const k of Object.keys(vecs)) { if (k.startsWith('Q|')) continue; const [id, n] = k.split('|'); if (!passages.has(id)) passages.set(id, []); passages.get(id)![Number(n)] = Float32Array.from(vecs[k]); }
const dot = (a: Float32Array, b: Float32Array) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);
const idx = new Bm25Index({ k1: env('K1', 1.2), b: env('B', 0.75) });
for (const id of ids) idx.set(id, new Map(terms[id]));
function dense(q: Float32Array, mode: 'first' | 'max'): DenseCandidate[] {
  return ids.map((id) => { const ps = passages.get(id)!; const s = mode === 'first' ? dot(q, ps[0]) : Math.max(...ps.map((p) => dot(q, p))); return { id, similarity: s, updatedMs: ms.get(id) as number }; }).sort((a, b) => b.similarity - a.similarity || (a.id < b.id ? -1 : 1)).slice(0, 300);
}
const kw = (t: string[]): KeywordCandidate[] => idx.search(t, 300).map((h) => ({ id: h.id, score: h.score, coverage: h.coverage, updatedMs: ms.get(h.id) as number }));
const all = questions.map((q: any) => { const qv = Float32Array.from(vecs['Q|' + q.id]); return { q, dFirst: dense(qv, 'first'), dMax: dense(qv, 'max'), kw: kw(terms['Q|' + q.id].map((t) => t[0])) }; });
const cache = all.filter((c: any) => !c.q.abs);
function evalRank(name: string, f: (c: any) => { id: string }[]) {
  const types = new Map<string, number[][]>(); let r5 = 0, r10 = 0;
  for (const c of cache) { const top = f(c).slice(0, 10).map((h) => h.id); const ev: string[] = c.q.evidence; const a = ev.filter((e) => top.slice(0, 5).includes(e)).length / ev.length, bb = ev.filter((e) => top.includes(e)).length / ev.length; r5 += a; r10 += bb; if (!types.has(c.q.type)) types.set(c.q.type, []); types.get(c.q.type)!.push([a, bb]); }
  const per = [...types].map(([t, v]) => `${t.replace('single-session-', 'ss-').slice(0, 12)} ${(v.reduce((x, y) => x + y[0], 0) / v.length).toFixed(2)}/${(v.reduce((x, y) => x + y[1], 0) / v.length).toFixed(2)}`).join(' ');
  console.log(`${name.padEnd(34)} r@5 ${(r5 / cache.length).toFixed(3)} r@10 ${(r10 / cache.length).toFixed(3)} | ${per}`);
  return r10 / cache.length;
}
const P = (o: Partial<FusionParams>): FusionParams => ({ method: 'rrf', k: 60, denseWeight: 1, keywordWeight: 1, window: 100, recency: 0, ...o });
const mode = process.argv[2] ?? 'grid';
if (mode === 'grid') {
  evalRank('dense-first', (c) => c.dFirst);
  evalRank('dense-max', (c) => c.dMax);
  evalRank('bm25', (c) => c.kw);
  evalRank('rrf60 first', (c) => fuseHybrid(c.dFirst, c.kw, P({})));
  for (const k of [10, 30, 60]) for (const wk of [0.7, 1, 1.5]) evalRank(`rrf k${k} wk${wk}`, (c) => fuseHybrid(c.dMax, c.kw, P({ k, keywordWeight: wk })));
  for (const wk of [0.2, 0.3, 0.5, 0.7, 1]) for (const win of [30, 100]) evalRank(`score wk${wk} win${win}`, (c) => fuseHybrid(c.dMax, c.kw, P({ method: 'score', keywordWeight: wk, window: win })));
}
if (mode === 'first') {
  for (const [k, wk] of [[10, 1.5], [10, 2], [5, 2], [20, 2]]) { evalRank(`rrf k${k} wk${wk} FIRST`, (c) => fuseHybrid(c.dFirst, c.kw, P({ k, keywordWeight: wk }))); evalRank(`rrf k${k} wk${wk} max`, (c) => fuseHybrid(c.dMax, c.kw, P({ k, keywordWeight: wk }))); }
  for (const wk of [0.3, 0.5, 0.7]) for (const win of [30, 100]) evalRank(`score wk${wk} win${win} FIRST`, (c) => fuseHybrid(c.dFirst, c.kw, P({ method: 'score', keywordWeight: wk, window: win })));
}
if (mode === 'recency') for (const r of [0, 0.02, 0.05, 0.1, 0.2]) evalRank(`rec ${r}`, (c) => fuseHybrid(c.dFirst, c.kw, P({ method: 'score', keywordWeight: env('WK', 0.4), recency: r })));
if (mode === 'floor') {
  const p = P({ method: 'score', keywordWeight: 0.4, recency: 0.05 });
  // similarity distribution of evidence vs non-evidence in dense top 10
  const evSims: number[] = [], nonSims: number[] = [];
  for (const c of cache) for (const d of c.dFirst.slice(0, 50)) (c.q.evidence.includes(d.id) ? evSims : nonSims).push(d.similarity);
  const pct = (a: number[], q: number) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(q * (s.length - 1))].toFixed(3); };
  console.log('evidence sim p5/p25/p50', pct(evSims, 0.05), pct(evSims, 0.25), pct(evSims, 0.5), ' non-evidence p50/p90/p99', pct(nonSims, 0.5), pct(nonSims, 0.9), pct(nonSims, 0.99));
  const abs = all.filter((c: any) => c.q.abs);
  for (const [minSim, ung, minCov] of [[0.3, 0.6, 0.2], [0.3, 0.6, 0.3], [0.35, 0.6, 0.2]]) {
    const floor = { minSimilarity: minSim, minSimilarityUngrounded: ung, minCoverage: minCov };
    const r = evalRank(`floor sim${minSim} cov${minCov}`, (c) => fuseHybrid(c.dFirst, c.kw, p, floor));
    const absEmpty = abs.filter((c: any) => fuseHybrid(c.dFirst, c.kw, p, floor).length === 0).length;
    console.log(`   abstention empty ${absEmpty}/${abs.length}`);
  }
}
