/**
 * The offline model on ONNX Runtime's native CPU kernels (onnxruntime-node), built at load time
 * from the weights the model package ships (no second copy on disk). About ten times the speed
 * of TF.js' WASM backend on this kind of CPU, with the same vectors; where the native runtime
 * cannot load (a platform without its binary), local.ts stays on TF.js.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeModel } from './proto.js';
import { EMBEDDING_WIDTH, MAX_POSITIONS, useLiteGraph } from './useLiteGraph.js';

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
}

/** Reads the TF.js weights (model.json's manifest over its binary shards) by name. */
export async function readWeights(modelDir: string): Promise<Map<string, Float32Array>> {
  const manifest = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8')) as {
    weightsManifest: Array<{ paths: string[]; weights: ManifestEntry[] }>;
  };
  const weights = new Map<string, Float32Array>();
  for (const group of manifest.weightsManifest) {
    const shards = await Promise.all(group.paths.map((p) => readFile(join(modelDir, p))));
    const buffer = Buffer.concat(shards);
    let offset = buffer.byteOffset;
    for (const entry of group.weights) {
      const count = entry.shape.reduce((a, b) => a * b, 1);
      // int32 constants are shapes and indices of the TF graph, which this one does not need.
      if (entry.dtype === 'float32') weights.set(entry.name, new Float32Array(buffer.buffer.slice(offset, offset + count * 4)));
      offset += count * 4;
    }
  }
  return weights;
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
export async function loadNativeModel(modelDir: string): Promise<NativeModel> {
  const ort = (await import('onnxruntime-node')) as Ort & { default?: Ort };
  const api: Ort = ort.InferenceSession ? ort : ort.default!;
  const bytes = encodeModel(useLiteGraph(await readWeights(modelDir)));
  const session = await api.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
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
