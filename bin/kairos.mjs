#!/usr/bin/env node
// `npx kairos …` in the checkout: runs the bundled CLI (built by `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/kairos.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('Kairos is not built yet. Run `npm run build` first.\n');
  process.exit(1);
}
await import(pathToFileURL(bundle).href);
