/** Pure rules for checkouts (checkouts.ts): a checkout's repo id and a file's repo-relative path. */
import { basename } from 'node:path';
import { repoIdFor } from '../core/repoId.js';

/** A git remote as the git extension's API reports it. */
export interface GitRemote {
  readonly name: string;
  readonly fetchUrl?: string;
  readonly pushUrl?: string;
}

/** The repo id of a checkout: its remotes (origin first, fetch URL before push URL), else its folder name. */
export function checkoutRepoId(remotes: readonly GitRemote[], root: string): string {
  return repoIdFor(
    remotes.map((r) => ({ name: r.name, url: r.fetchUrl ?? r.pushUrl })),
    basename(root),
  );
}

export { repoRelative } from '../code/repoPath.js';
