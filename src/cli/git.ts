/**
 * The git checkout the CLI runs in: its portable repo id (core/repoId.ts), branch and commit.
 * Three short git calls, run together; outside a checkout, or without git, the CLI simply has no
 * repo context.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { repoIdFor } from '../core/repoId.js';

const run = promisify(execFile);

export interface GitContext {
  repo: string;
  branch?: string;
  commit?: string;
}

async function git(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd, timeout: 2_000, windowsHide: true });
    return stdout;
  } catch {
    return undefined;
  }
}

/**
 * Whether `cwd` or a folder above it holds `.git` (a folder, or a file in a worktree or
 * submodule). Without one git can only fail, so the CLI does not spend a process start on it;
 * GIT_DIR / GIT_WORK_TREE point git elsewhere, so then it always asks git.
 */
function mayBeCheckout(cwd: string): boolean {
  if (process.env.GIT_DIR || process.env.GIT_WORK_TREE) return true;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return true;
    if (dirname(dir) === dir) return false;
  }
}

/** The checkout's top folder, or undefined outside one. */
export async function gitRoot(cwd: string = process.cwd()): Promise<string | undefined> {
  if (!mayBeCheckout(cwd)) return undefined;
  return (await git(cwd, ['rev-parse', '--show-toplevel']))?.trim() || undefined;
}

export async function gitContext(cwd: string = process.cwd()): Promise<GitContext | undefined> {
  if (!mayBeCheckout(cwd)) return undefined;
  // Each call works from any folder of the checkout: one round of git starts, not two.
  const [topOut, remotesOut, headOut] = await Promise.all([
    git(cwd, ['rev-parse', '--show-toplevel']),
    git(cwd, ['remote', '-v']),
    // --abbrev-ref applies to the names after it: the commit first, then the branch.
    git(cwd, ['rev-parse', 'HEAD', '--abbrev-ref', 'HEAD']),
  ]);
  const top = topOut?.trim();
  if (!top) return undefined;
  const remotes = (remotesOut ?? '')
    .split('\n')
    .map((l) => /^(\S+)\s+(\S+)\s+\(fetch\)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, url: m[2] }));
  const [commit, branch] = (headOut ?? '').trim().split('\n');
  return {
    repo: repoIdFor(remotes, basename(top)),
    ...(branch && branch !== 'HEAD' ? { branch } : {}),
    ...(commit && /^[0-9a-f]{7,64}$/.test(commit) ? { commit } : {}),
  };
}
