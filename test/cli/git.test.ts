/** The CLI's git context against real git checkouts in temp folders. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitContext, gitRoot } from '../../src/cli/git.js';

const base = mkdtempSync(join(tmpdir(), 'kairos-git-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe('gitContext', () => {
  it('has no repo context outside a checkout', async () => {
    const plain = join(base, 'plain');
    mkdirSync(plain);
    expect(await gitRoot(plain)).toBeUndefined();
    expect(await gitContext(plain)).toBeUndefined();
  });

  it('reads the repo id, branch and commit from any folder of a checkout', async () => {
    const repo = join(base, 'shop');
    mkdirSync(join(repo, 'src', 'deep'), { recursive: true });
    git(repo, 'init', '-q', '-b', 'trunk');
    git(repo, 'remote', 'add', 'origin', 'git@github.com:Acme/Shop.git');
    writeFileSync(join(repo, 'a.txt'), 'a');
    git(repo, 'add', 'a.txt');
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'first');
    const commit = git(repo, 'rev-parse', 'HEAD');
    const expected = { repo: 'github.com/acme/shop', branch: 'trunk', commit };
    expect(await gitContext(repo)).toEqual(expected);
    expect(await gitContext(join(repo, 'src', 'deep'))).toEqual(expected);
    expect(await gitRoot(join(repo, 'src', 'deep'))).toBe(git(repo, 'rev-parse', '--show-toplevel'));
  });

  it('names a checkout without a remote or commits by its folder', async () => {
    const repo = join(base, 'scratch');
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    expect(await gitContext(repo)).toEqual({ repo: 'local/scratch' });
  });

  it('gives a detached checkout its commit and no branch', async () => {
    const repo = join(base, 'shop');
    git(repo, 'checkout', '-q', '--detach');
    expect(await gitContext(repo)).toEqual({ repo: 'github.com/acme/shop', commit: git(repo, 'rev-parse', 'HEAD') });
  });
});
