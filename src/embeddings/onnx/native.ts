/**
 * The offline model on ONNX Runtime's native CPU kernels (onnxruntime-node), built from the
 * weights the model package ships. About ten times the speed of TF.js' WASM backend on this kind
 * of CPU, with the same vectors; where the native runtime cannot load (a platform without its
 * binary), local.ts stays on TF.js.
 *
 * Building the graph touches 28 MB of new memory, which held the event loop for ~0.5 s at the
 * first embed; so the built model is kept in a per-user cache file (one build per model and graph
 * version, written atomically) and the session reads it from there. Weights are read and the file
 * written with asynchronous I/O; only the session's own set-up (~0.2 s) holds the thread.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { encodeModelParts } from './proto.js';
import { EMBEDDING_WIDTH, GRAPH_VERSION, MAX_POSITIONS, useLiteGraph } from './useLiteGraph.js';

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
}

interface Manifest {
  weightsManifest: Array<{ paths: string[]; weights: ManifestEntry[] }>;
}

/** Reads the TF.js weights (model.json's manifest over its binary shards) by name. */
export async function readWeights(modelDir: string): Promise<Map<string, Float32Array>> {
  const manifest = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8')) as Manifest;
  const weights = new Map<string, Float32Array>();
  for (const group of manifest.weightsManifest) {
    // Shards cut entries anywhere: read them end to end into one buffer, off this thread.
    const files = group.paths.map((p) => join(modelDir, p));
    const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
    const buffer = new ArrayBuffer(sizes.reduce((a, b) => a + b, 0));
    let at = 0;
    for (const [i, f] of files.entries()) {
      const fh = await open(f, 'r');
      try {
        await fh.read(new Uint8Array(buffer, at, sizes[i]!), 0, sizes[i]!, 0);
      } finally {
        await fh.close();
      }
      at += sizes[i]!;
    }
    let offset = 0;
    for (const entry of group.weights) {
      const count = entry.shape.reduce((a, b) => a * b, 1);
      // int32 constants are shapes and indices of the TF graph, which this one does not need.
      if (entry.dtype === 'float32') weights.set(entry.name, new Float32Array(buffer, offset, count));
      offset += count * 4;
    }
  }
  return weights;
}

/** Per-user cache folder: KAIROS_CACHE_DIR, else the platform's (XDG_CACHE_HOME, LOCALAPPDATA, ~/.cache). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KAIROS_CACHE_DIR) return env.KAIROS_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || env.LOCALAPPDATA || join(homedir(), '.cache'), 'kairos');
}

/**
 * The built model's file in `cacheDir`, building it first when absent. Its name carries a hash
 * of the model's manifest and the graph's version, so another model or graph never reads it.
 */
export async function cachedModelFile(modelDir: string, cacheDir: string): Promise<string> {
  const manifest = await readFile(join(modelDir, 'model.json'));
  const key = createHash('sha256').update(manifest).update(`graph ${GRAPH_VERSION}`).digest('hex').slice(0, 16);
  const file = join(cacheDir, `use-lite-512-${key}.onnx`);
  if (
    await stat(file).then(
      (s) => s.isFile() && s.size > 0,
      () => false,
    )
  )
    return file;
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const parts = encodeModelParts(useLiteGraph(await readWeights(modelDir)));
  // Written whole under a unique name, then renamed: a reader never sees a partial file.
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    for (let i = 0; i < parts.length; i += 512) await fh.writev(parts.slice(i, i + 512));
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  return file;
}

export interface NativeModel {
  /** Embeds texts given as token ids (the first MAX_POSITIONS of each are read): raw model rows. */
  embed(ids: ReadonlyArray<ArrayLike<number>>, batchSize: number): Promise<Float32Array[]>;
}

async function run(ort: Ort, session: Session, batch: ReadonlyArray<ArrayLike<number>>): Promise<Float32Array[]> {
  const len = Math.max(1, ...batch.map((t) => Math.min(t.length, MAX_POSITIONS)));
  const ids = new Int32Array(batch.length * len);
  const mask = new Float32Array(batch.length * len);
  batch.forEach((t, row) => {
    for (let i = 0; i < Math.min(t.length, MAX_POSITIONS); i++) {
      ids[row * len + i] = t[i]!;
      mask[row * len + i] = 1;
    }
  });
  const out = await session.run({ ids: new ort.Tensor('int32', ids, [batch.length, len]), mask: new ort.Tensor('float32', mask, [batch.length, len]) });
  const data = out.embedding!.data as Float32Array;
  return batch.map((_, row) => data.slice(row * EMBEDDING_WIDTH, (row + 1) * EMBEDDING_WIDTH));
}

/**
 * Loads ONNX Runtime and builds the session. One thread: a query is too small to gain from
 * more, and bulk work already runs on one worker thread per core (workerPool.ts). `run`
 * holds its thread until the batch is done, so batches are yielded between.
 * Throws where the native runtime has no binary for this platform.
 */
export async function loadNativeModel(modelDir: string, cacheDir = defaultCacheDir()): Promise<NativeModel> {
  const ort = (await import('onnxruntime-node')) as Ort & { default?: Ort };
  const api: Ort = ort.InferenceSession ? ort : ort.default!;
  const options: import('onnxruntime-node').InferenceSession.SessionOptions = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const file = await cachedModelFile(modelDir, cacheDir).catch(() => undefined);
  const cached = file
    ? await api.InferenceSession.create(file, options).catch(async () => {
        // A damaged file: removed, so the next load rebuilds it.
        await rm(file, { force: true }).catch(() => undefined);
        return undefined;
      })
    : undefined;
  // No writable cache or a damaged file: built in memory.
  const session: Session = cached ?? (await api.InferenceSession.create(Buffer.concat(encodeModelParts(useLiteGraph(await readWeights(modelDir)))), options));
  return {
    async embed(texts, batchSize) {
      // Group by length so a batch pads little; answer in the callers' order.
      const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
      const vectors = new Array<Float32Array>(texts.length);
      for (let start = 0; start < order.length; start += batchSize) {
        if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        const chunk = order.slice(start, start + batchSize);
        const out = await run(
          api,
          session,
          chunk.map((i) => texts[i]!),
        );
        chunk.forEach((i, k) => (vectors[i] = out[k]!));
      }
      return vectors;
    },
  };
}
