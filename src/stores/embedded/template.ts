/**
 * A new store skips PostgreSQL's initdb and pgvector's CREATE EXTENSION (most of a first start:
 * seconds on a small machine) by copying an empty cluster that the build made with the same
 * PGlite (scripts/pg-template.mjs). The copy goes to a sibling folder and is renamed into
 * place, so an interrupted copy is never mistaken for a cluster.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPLATE_DIR = 'pgdata-template';
/**
 * Every folder of the template, listed by the build: a VSIX (a zip) drops empty folders, and
 * PostgreSQL will not start without pg_notify, pg_tblspc and the like.
 */
export const TEMPLATE_DIRS_FILE = 'kairos-dirs.json';

/** The template beside the bundle (dist/ or dist/engine/), or in dist/ from the source tree. */
export function findDataDirTemplate(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const rel of [TEMPLATE_DIR, `../../../dist/${TEMPLATE_DIR}`]) {
    const dir = resolve(here, rel);
    if (existsSync(join(dir, 'PG_VERSION'))) return dir;
  }
  return undefined;
}

/** True when `pgDir` holds a cluster (PostgreSQL writes PG_VERSION during initdb). */
export function hasCluster(pgDir: string): boolean {
  return existsSync(join(pgDir, 'PG_VERSION'));
}

/** Puts a copy of `template` at `pgDir`, which holds no cluster yet. */
export function seedFromTemplate(pgDir: string, template: string): void {
  const staging = `${pgDir}.seeding`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(template, staging, { recursive: true });
  const listed = join(staging, TEMPLATE_DIRS_FILE);
  if (existsSync(listed)) {
    for (const dir of JSON.parse(readFileSync(listed, 'utf8')) as string[]) {
      const full = resolve(staging, dir);
      // Only folders inside the copy, whatever the list says.
      if (full.startsWith(staging + '/')) mkdirSync(full, { recursive: true });
    }
    rmSync(listed);
  }
  rmSync(pgDir, { recursive: true, force: true });
  renameSync(staging, pgDir);
}
