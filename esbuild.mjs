// Bundles each entry point. Server/CLI keep node_modules external (they run from the checkout
// or an installed package); the extension and webview entries are added with their issues.
import { build } from 'esbuild';
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import { bundleCli } from './scripts/cli-bundle.mjs';
import { ensurePgTemplate } from './scripts/pg-template.mjs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  packages: 'external',
};

// The memory UI: one browser bundle for the VS Code webview and the web console.
async function buildWebview() {
  const out = 'media/webview';
  await mkdir(out, { recursive: true });
  const web = { bundle: true, platform: 'browser', target: 'chrome114', minify: true, logLevel: 'warning', legalComments: 'none' };
  await Promise.all([
    build({ ...web, entryPoints: ['webview-ui/main.ts'], outfile: `${out}/main.js`, format: 'iife' }),
    build({ ...web, entryPoints: ['webview-ui/styles/main.css'], outfile: `${out}/main.css` }),
    build({ ...web, entryPoints: ['webview-ui/styles/console.css'], outfile: `${out}/console.css` }),
    // The Account page of a shared service (/account): its own small bundle, no toolkit.
    build({ ...web, entryPoints: ['webview-ui/account/main.ts'], outfile: `${out}/account.js`, format: 'iife' }),
    build({ ...web, entryPoints: ['webview-ui/styles/account.css'], outfile: `${out}/account.css` }),
    copyFile('node_modules/@vscode/codicons/dist/codicon.css', `${out}/codicon.css`),
    copyFile('node_modules/@vscode/codicons/dist/codicon.ttf', `${out}/codicon.ttf`),
  ]);
}

if (process.argv.includes('--webview')) {
  await buildWebview();
  process.exit(0);
}

await mkdir('dist', { recursive: true });
await Promise.all([
  buildWebview(),
  // The CLI: dist/kairos.mjs and the kairos-*.mjs chunks its commands load on demand.
  bundleCli('dist', { sourcemap: true }),
  // An empty store cluster, so a first start skips initdb (src/stores/embedded/template.ts).
  ensurePgTemplate('dist/pgdata-template'),
  build({ ...common, entryPoints: ['bench/main.ts'], outfile: 'dist/bench.mjs', format: 'esm' }),
  build({ ...common, entryPoints: ['bench/service.ts'], outfile: 'dist/bench-service.mjs', format: 'esm' }),
  build({ ...common, entryPoints: ['bench/cli.ts'], outfile: 'dist/bench-cli.mjs', format: 'esm' }),
  build({ ...common, entryPoints: ['bench/eval.ts'], outfile: 'dist/eval.mjs', format: 'esm' }),
  // Bulk offline embedding runs in worker threads beside dist/kairos.mjs (src/embeddings/workerPool.ts).
  build({ ...common, entryPoints: ['src/embeddings/localWorker.ts'], outfile: 'dist/embed-worker.mjs', format: 'esm' }),
  // The VS Code extension: one CJS file with its dependencies inlined (the VSIX ships no
  // node_modules); `vscode` is provided by the extension host.
  build({
    ...common,
    packages: undefined,
    entryPoints: ['src/extension/activate.ts'],
    outfile: 'dist/extension.cjs',
    format: 'cjs',
    external: ['vscode'],
    minify: true,
  }),
  build({ ...common, packages: undefined, entryPoints: ['src/extension/embedders.ts'], outfile: 'dist/embedders.cjs', format: 'cjs', minify: true }),
]);
await chmod('dist/kairos.mjs', 0o755);
