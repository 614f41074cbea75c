// The CLI bundle, shared by esbuild.mjs, the engine bundle and the tests: <outdir>/kairos.mjs plus
// the chunks its commands import on demand (kairos-*.mjs). Code splitting keeps `kairos --version`
// and a search against a running server from loading the store, the embedders and the server.
// Chunks sit beside the entry, so paths resolved from import.meta.url hold in every chunk.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const CLI_ENTRY = 'src/cli/entry.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/**
 * Packages stay external (they run from node_modules), except commander: every command loads it,
 * and inlined it costs a fraction of loading its CommonJS files through Node's ESM loader.
 */
const externalPackagesButCommander = {
  name: 'external-packages-but-commander',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.kind === 'entry-point' || args.path === 'commander' ? undefined : { external: true }));
  },
};

/** CommonJS code inlined into ESM (commander) calls require() for Node built-ins: give it one. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __kairosCreateRequire } from 'node:module'; const require = __kairosCreateRequire(import.meta.url);";

/** esbuild options for a split CLI build into `outdir`; `extra` adds or overrides options. */
export function cliBuildOptions(outdir, extra = {}) {
  return {
    entryPoints: { kairos: CLI_ENTRY },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'kairos-[name]-[hash]',
    plugins: [externalPackagesButCommander],
    banner: { js: ESM_REQUIRE_BANNER },
    // `kairos --version` prints this without reading package.json (src/cli/entry.ts).
    define: { KAIROS_VERSION: JSON.stringify(version) },
    logLevel: 'warning',
    ...extra,
  };
}

/** Builds the CLI into `outdir`, first removing chunks an earlier build left there. */
export async function bundleCli(outdir, extra = {}) {
  await mkdir(outdir, { recursive: true });
  for (const f of await readdir(outdir)) {
    if (/^kairos-.+\.mjs(\.map)?$/.test(f)) await rm(join(outdir, f), { force: true });
  }
  return build(cliBuildOptions(outdir, extra));
}
