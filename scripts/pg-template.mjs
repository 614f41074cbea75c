// Builds dist/pgdata-template/: an empty PGlite cluster with pgvector created, which a new
// embedded store copies instead of running initdb on the user's machine (see
// src/stores/embedded/template.ts). Made by the installed PGlite, and made again only when
// that version changes: initdb takes seconds.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export async function ensurePgTemplate(dir) {
  const pkg = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const { version } = JSON.parse(await readFile(pkg, 'utf8'));
  const stamp = `${dir}.version`;
  // The suffix names this script's format: a change to it rebuilds older templates.
  const wanted = `${version} dirs-list`;
  if ((await readFile(stamp, 'utf8').catch(() => '')) === wanted) return;
  const staging = `${dir}.tmp`;
  await rm(staging, { recursive: true, force: true });
  const db = await PGlite.create({ dataDir: staging, extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  await db.close();
  // The VSIX (a zip) drops empty folders, which PostgreSQL needs: list them all for the copy.
  const dirs = (await readdir(staging, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(staging.length + 1));
  await writeFile(join(staging, 'kairos-dirs.json'), JSON.stringify(dirs));
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  await writeFile(stamp, wanted);
}
