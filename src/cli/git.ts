/**
 * The git checkout the CLI runs in: its portable repo id (core/repoId.ts), branch and commit.
 * Two short git calls; outside a checkout, or without git, the CLI simply has no repo context.
 */
import { execFile } from 'node:child_process';
import { basename } from 'node:path';
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

/** The checkout's top folder, or undefined outside one. */
export async function gitRoot(cwd: string = process.cwd()): Promise<string | undefined> {
  return (await git(cwd, ['rev-parse', '--show-toplevel']))?.trim() || undefined;
}

export async function gitContext(cwd: string = process.cwd()): Promise<GitContext | undefined> {
  const top = await gitRoot(cwd);
  if (!top) return undefined;
  const [remotesOut, headOut] = await Promise.all([git(top, ['remote', '-v']), git(top, ['rev-parse', '--abbrev-ref', 'HEAD', 'HEAD'])]);
  const remotes = (remotesOut ?? '')
    .split('\n')
    .map((l) => /^(\S+)\s+(\S+)\s+\(fetch\)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, url: m[2] }));
  const [branch, commit] = (headOut ?? '').trim().split('\n');
  return {
    repo: repoIdFor(remotes, basename(top)),
    ...(branch && branch !== 'HEAD' ? { branch } : {}),
    ...(commit && /^[0-9a-f]{7,64}$/.test(commit) ? { commit } : {}),
  };
}
