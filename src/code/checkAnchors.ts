/**
 * Re-checks the anchors of one repository's memories against a checkout on disk: reads each
 * anchored file, follows renames git reports since the anchor's commit, compares with
 * core/code.ts checkAnchor and records only what changed (a move, a new stale mark, or a stale
 * memory whose code came back). Used by `kairos check` and by the editor's background check.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { checkAnchor, type AnchorCheck, type CodeAnchor } from '../core/code.js';
import { repoRelative } from './repoPath.js';
import type { Memory, MemoryFilter, Page } from '../core/memory.js';

const run = promisify(execFile);

/** What the checker needs from the engine (a MemoryService, the CLI backend or a REST client). */
export interface AnchorStore {
  list(input: { filter: MemoryFilter; limit: number; cursor?: string }): Promise<Page<Memory>>;
  recordAnchorCheck(id: string, check: AnchorCheck, commit: string | undefined): Promise<unknown>;
}

export interface CheckSummary {
  checked: number;
  fresh: number;
  moved: number;
  stale: number;
  /** Memories whose recorded status changed in this run. */
  recorded: number;
  /** Anchored memories found stale by this run, with the reason. */
  staleIds: Array<{ id: string; path: string; reason: 'changed' | 'deleted' }>;
}

/** Files git reports renamed since `commit` (old path → new path); empty when git cannot say. */
async function renamesSince(root: string, commit: string): Promise<Map<string, string>> {
  try {
    const { stdout } = await run('git', ['diff', '--name-status', '-M', '--diff-filter=R', commit, '--'], {
      cwd: root,
      timeout: 10_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const out = new Map<string, string>();
    for (const line of stdout.split('\n')) {
      const [status, from, to] = line.split('\t');
      if (status?.startsWith('R') && from && to) out.set(from, to);
    }
    return out;
  } catch {
    return new Map();
  }
}

/** Reads a repo-relative file inside `root`, or null when it is gone (or would escape the root). */
async function readInRepo(root: string, path: string): Promise<string | null> {
  const full = normalize(join(root, path));
  if (repoRelative(root, full) === undefined) return null;
  try {
    return await readFile(full, 'utf8');
  } catch {
    return null;
  }
}

/** Whether the check says something the stored status does not. */
function changes(anchor: CodeAnchor, check: AnchorCheck): boolean {
  const st = anchor.status;
  if (check.state === 'moved') return true;
  if (check.state === 'stale') return st?.state !== 'stale' || st.reason !== check.reason;
  return st?.state === 'stale';
}

export async function checkRepoAnchors(opts: {
  root: string;
  repo: string;
  store: AnchorStore;
  /** HEAD of the checkout, recorded with each change. */
  commit?: string;
  /** Only anchors on these repo-relative files (e.g. the file just saved); default: all. */
  paths?: readonly string[];
  onProgress?: (done: number) => void;
}): Promise<CheckSummary> {
  const summary: CheckSummary = { checked: 0, fresh: 0, moved: 0, stale: 0, recorded: 0, staleIds: [] };
  const renames = new Map<string, Map<string, string>>();
  // Anchored memories only: fresh ones, then stale ones (a stale one may have come back).
  const filters: MemoryFilter[] = opts.paths
    ? opts.paths.map((path) => ({ repo: opts.repo, path }))
    : [
        { repo: opts.repo, stale: false },
        { repo: opts.repo, stale: true },
      ];
  const seen = new Set<string>();
  for (const filter of filters) {
    let cursor: string | undefined;
    do {
      const page = await opts.store.list({ filter, limit: 100, ...(cursor ? { cursor } : {}) });
      for (const m of page.items) {
        const anchor = m.source.anchor;
        if (!anchor || seen.has(m.id) || (opts.paths && !opts.paths.includes(anchor.path))) continue;
        seen.add(m.id);
        let current = await readInRepo(opts.root, anchor.path);
        let renamedTo: string | undefined;
        if (current === null && anchor.commit) {
          let map = renames.get(anchor.commit);
          if (!map) renames.set(anchor.commit, (map = await renamesSince(opts.root, anchor.commit)));
          renamedTo = map.get(anchor.path);
          if (renamedTo) current = await readInRepo(opts.root, renamedTo);
        }
        const check = checkAnchor(anchor, current, renamedTo);
        summary.checked++;
        if (check.state === 'fresh') summary.fresh++;
        else if (check.state === 'moved') summary.moved++;
        else {
          summary.stale++;
          summary.staleIds.push({ id: m.id, path: anchor.path, reason: check.reason });
        }
        if (changes(anchor, check)) {
          await opts.store.recordAnchorCheck(m.id, check, opts.commit);
          summary.recorded++;
        }
        opts.onProgress?.(summary.checked);
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  return summary;
}
