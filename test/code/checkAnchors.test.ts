/**
 * Anchors re-checked against a real git checkout on disk, recorded through the real REST API:
 * edited lines turn stale, moved lines and renamed files are followed, reverted code comes back
 * fresh, a deleted file is stale "deleted"; and `kairos check` does the same from the CLI.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRepoAnchors, type AnchorStore } from '../../src/code/checkAnchors.js';
import { removeHome, startTestServer, type TestServer } from '../server/helpers.js';
import { runCli } from '../server/cliProcess.js';

let s: TestServer;
let repo: string;

const AUTH = [
  'import { verifyJwt } from "./jwt";',
  '',
  'export function authenticate(req) {',
  '  const token = req.headers.authorization;',
  '  return verifyJwt(token);',
  '}',
  '',
];
const UTIL = ['export function slug(s) {', '  return s.toLowerCase().replace(/ /g, "-");', '}', ''];
const OLD = ['export const RETRIES = 3;', 'export const BACKOFF_MS = 200;', ''];

function git(...args: string[]): string {
  return execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' },
  }).trim();
}

async function write(path: string, lines: string[]): Promise<void> {
  await mkdir(join(repo, path, '..'), { recursive: true });
  await writeFile(join(repo, path), lines.join('\n'));
}

/** The engine as the checker sees it, over the real REST API. */
const store: AnchorStore = {
  async list(input) {
    const q = new URLSearchParams({ limit: String(input.limit) });
    if (input.cursor) q.set('cursor', input.cursor);
    if (input.filter.repo) q.set('repo', input.filter.repo);
    if (input.filter.path) q.set('path', input.filter.path);
    if (input.filter.stale !== undefined) q.set('stale', String(input.filter.stale));
    return (await s.api('GET', `/v1/memories?${q}`)).json;
  },
  async recordAnchorCheck(id, check, commit) {
    const r = await s.api('POST', `/v1/memories/${id}/anchor-check`, { body: { check, ...(commit ? { commit } : {}) } });
    expect(r.status, r.text).toBe(200);
    return r.json;
  },
};

async function anchored(text: string, path: string, startLine: number, lines: string[], commit: string): Promise<string> {
  const r = await s.api('POST', '/v1/memories', {
    body: {
      text,
      source: { kind: 'editor', anchor: { repo: 'git@github.com:acme/shop.git', path, startLine, endLine: startLine + lines.length - 1, commit, lines } },
    },
  });
  expect(r.status, r.text).toBe(201);
  return r.json.memory.id;
}

async function anchorOf(id: string): Promise<any> {
  return (await s.api('GET', `/v1/memories/${id}`)).json.source.anchor;
}

beforeAll(async () => {
  s = await startTestServer();
  repo = await mkdtemp(join(tmpdir(), 'kairos-anchors-'));
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', 'https://github.com/Acme/Shop.git');
  await write('src/auth.ts', AUTH);
  await write('src/util.ts', UTIL);
  await write('src/old.ts', OLD);
  git('add', '.');
  git('commit', '-q', '-m', 'init');
});

afterAll(async () => {
  await s?.close();
  if (s) await removeHome(s.home);
  if (repo) await rm(repo, { recursive: true, force: true });
});

describe('re-checking anchors against a checkout', () => {
  it('marks edited code stale, follows moves and renames, and records only changes', async () => {
    const head = git('rev-parse', 'HEAD');
    const auth = await anchored('authenticate() verifies the bearer token with verifyJwt.', 'src/auth.ts', 3, AUTH.slice(2, 6), head);
    const util = await anchored('slug() lowercases and replaces spaces with dashes.', 'src/util.ts', 1, UTIL.slice(0, 3), head);
    const old = await anchored('Payment retries: 3 attempts with 200 ms backoff.', 'src/old.ts', 1, OLD.slice(0, 2), head);

    const first = await checkRepoAnchors({ root: repo, repo: 'github.com/acme/shop', store, commit: head });
    expect(first).toMatchObject({ checked: 3, fresh: 3, moved: 0, stale: 0, recorded: 0 });

    await write(
      'src/auth.ts',
      AUTH.map((l) => l.replace('verifyJwt(token)', 'verifySession(token)')),
    );
    await write('src/util.ts', ['// helpers', '', ...UTIL]);
    await mkdir(join(repo, 'src/payments'), { recursive: true });
    git('mv', 'src/old.ts', 'src/payments/retry.ts');
    git('commit', '-q', '-am', 'refactor');
    const head2 = git('rev-parse', 'HEAD');

    const second = await checkRepoAnchors({ root: repo, repo: 'github.com/acme/shop', store, commit: head2 });
    expect(second).toMatchObject({ checked: 3, fresh: 0, moved: 2, stale: 1, recorded: 3, staleIds: [{ id: auth, path: 'src/auth.ts', reason: 'changed' }] });
    expect(await anchorOf(auth)).toMatchObject({ path: 'src/auth.ts', status: { state: 'stale', reason: 'changed', commit: head2 } });
    expect(await anchorOf(util)).toMatchObject({
      path: 'src/util.ts',
      startLine: 3,
      endLine: 5,
      status: { state: 'fresh', moved: { fromPath: 'src/util.ts', fromLine: 1 } },
    });
    expect(await anchorOf(old)).toMatchObject({ path: 'src/payments/retry.ts', startLine: 1, status: { state: 'fresh', moved: { fromPath: 'src/old.ts' } } });

    // Nothing changed since: nothing is written.
    expect(await checkRepoAnchors({ root: repo, repo: 'github.com/acme/shop', store, commit: head2 })).toMatchObject({
      checked: 3,
      fresh: 2,
      stale: 1,
      recorded: 0,
    });

    // The edit is reverted: the stale memory is fresh again. The util file is deleted: stale "deleted".
    await write('src/auth.ts', AUTH);
    await unlink(join(repo, 'src/util.ts'));
    const third = await checkRepoAnchors({ root: repo, repo: 'github.com/acme/shop', store });
    expect(third).toMatchObject({ checked: 3, fresh: 2, stale: 1, recorded: 2, staleIds: [{ id: util, reason: 'deleted' }] });
    expect((await anchorOf(auth)).status.state).toBe('fresh');
    expect((await anchorOf(util)).status).toMatchObject({ state: 'stale', reason: 'deleted' });
  });

  it('`kairos check` and `kairos stale` do it from the checkout through the running server', async () => {
    await write('src/util.ts', UTIL);
    await write(
      'src/auth.ts',
      AUTH.map((l) => l.replace('req.headers.authorization', 'req.get("authorization")')),
    );
    const check = await runCli(s.home, ['check', '--json'], { cwd: repo });
    expect(check.code, check.stderr).toBe(0);
    const summary = JSON.parse(check.stdout);
    expect(summary).toMatchObject({ checked: 3, stale: 1, staleIds: [{ path: 'src/auth.ts', reason: 'changed' }] });
    const stale = await runCli(s.home, ['stale']);
    expect(stale.code, stale.stderr).toBe(0);
    expect(stale.stdout).toContain('src/auth.ts:3, STALE: changed');
    const id = summary.staleIds[0].id;
    const verify = await runCli(s.home, ['verify', id, '--commit', 'abc1234']);
    expect(verify.stdout).toContain(`Verified ${id} at abc1234`);
    expect((await anchorOf(id)).status).toMatchObject({ state: 'fresh', verifiedCommit: 'abc1234' });
  });
});
