/**
 * The editor's background anchor re-check without VS Code: repo ids and paths of a checkout, the
 * watcher's scheduling (coalescing, one run at a time, whole-checkout runs), and a real engine
 * behind the extension's REST client recording what a save changed (moved, stale, verified).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRepoAnchors, type CheckSummary } from '../../src/code/checkAnchors.js';
import { AnchorWatcher } from '../../src/extension/anchorWatcher.js';
import { rememberSelectionParams } from '../../src/extension/capture.js';
import { checkoutRepoId, repoRelative } from '../../src/extension/checkoutPaths.js';
import type { Checkout } from '../../src/extension/checkouts.js';
import { KairosClient } from '../../src/extension/client.js';
import { removeHome, startTestServer, type TestServer } from '../server/helpers.js';

describe('checkout paths', () => {
  it('names a checkout by its origin remote, then any remote, then its folder', () => {
    expect(
      checkoutRepoId(
        [
          { name: 'upstream', fetchUrl: 'https://github.com/up/x.git' },
          { name: 'origin', fetchUrl: 'git@github.com:Acme/X.git' },
        ],
        '/w/x',
      ),
    ).toBe('github.com/acme/x');
    expect(checkoutRepoId([{ name: 'fork', pushUrl: 'ssh://git@gitlab.com/g/sub/y.git' }], '/w/y')).toBe('gitlab.com/g/sub/y');
    expect(checkoutRepoId([], '/home/me/My-Project')).toBe('local/my-project');
  });

  it('makes file paths repo-relative with forward slashes, and nothing for files outside', () => {
    expect(repoRelative('/w/app', '/w/app/src/a.ts')).toBe('src/a.ts');
    expect(repoRelative('/w/app', '/w/other/a.ts')).toBeUndefined();
    expect(repoRelative('/w/app', '/w/app')).toBeUndefined();
  });
});

const summary = (recorded = 0): CheckSummary => ({ checked: 1, fresh: 1, moved: 0, stale: 0, recorded, staleIds: [] });
const timers = { setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };

describe('anchor watcher', () => {
  const a: Checkout = { root: '/w/a', repo: 'github.com/o/a' };
  const b: Checkout = { root: '/w/b', repo: 'local/b' };

  it('coalesces a burst of saves into one run per checkout with every saved file', async () => {
    const runs: Array<[string, string[] | undefined]> = [];
    const w = new AnchorWatcher({
      ...timers,
      delayMs: 5,
      check: async (c, paths) => (runs.push([c.repo, paths]), summary()),
      onChecked: () => {},
      onError: () => {},
    });
    w.fileSaved(a, 'src/x.ts');
    w.fileSaved(a, 'src/y.ts');
    w.fileSaved(a, 'src/x.ts');
    w.fileSaved(b, 'README.md');
    await w.idle();
    expect(runs).toEqual([
      ['github.com/o/a', ['src/x.ts', 'src/y.ts']],
      ['local/b', ['README.md']],
    ]);
  });

  it('a HEAD change re-checks the whole checkout, absorbing saves queued for it', async () => {
    const runs: Array<string[] | undefined> = [];
    const w = new AnchorWatcher({ ...timers, delayMs: 5, check: async (_c, paths) => (runs.push(paths), summary()), onChecked: () => {}, onError: () => {} });
    w.fileSaved(a, 'src/x.ts');
    w.checkoutChanged(a);
    w.fileSaved(a, 'src/y.ts');
    await w.idle();
    expect(runs).toEqual([undefined]);
  });

  it('runs one check at a time; what arrives meanwhile runs next; failures are reported, not thrown', async () => {
    let active = 0;
    let most = 0;
    const runs: Array<string[] | undefined> = [];
    const errors: unknown[] = [];
    const checked: number[] = [];
    const w = new AnchorWatcher({
      ...timers,
      delayMs: 1,
      check: async (_c, paths) => {
        most = Math.max(most, ++active);
        await new Promise((r) => setTimeout(r, 20));
        active--;
        runs.push(paths);
        if (paths?.includes('boom.ts')) throw new Error('engine down');
        return summary(1);
      },
      onChecked: (_c, s) => checked.push(s.recorded),
      onError: (_c, e) => errors.push(e),
    });
    w.fileSaved(a, 'boom.ts');
    await new Promise((r) => setTimeout(r, 8));
    w.fileSaved(a, 'later.ts');
    await w.idle();
    expect(most).toBe(1);
    expect(runs).toEqual([['boom.ts'], ['later.ts']]);
    expect(errors).toHaveLength(1);
    expect(checked).toEqual([1]);
  });

  it('turns more saved files than its bound into one whole-checkout run', async () => {
    const runs: Array<string[] | undefined> = [];
    const w = new AnchorWatcher({
      ...timers,
      delayMs: 5,
      maxPaths: 3,
      check: async (_c, paths) => (runs.push(paths), summary()),
      onChecked: () => {},
      onError: () => {},
    });
    for (const f of ['1.ts', '2.ts', '3.ts', '4.ts']) w.fileSaved(a, f);
    await w.idle();
    expect(runs).toEqual([undefined]);
  });
});

describe('re-checking a saved file against a real engine through the extension client', () => {
  let s: TestServer;
  let root: string;
  let client: KairosClient;
  const repo = 'github.com/acme/app';
  const lines = ['export function backoff(attempt: number): number {', '  return Math.min(250 * 2 ** attempt, 8000);', '}'];

  beforeAll(async () => {
    s = await startTestServer();
    client = new KairosClient(async () => ({ baseUrl: s.url, token: s.token }));
    root = await mkdtemp(join(tmpdir(), 'kairos-anchors-'));
  });
  afterAll(async () => {
    await s?.close();
    await removeHome(s?.home);
    await rm(root, { recursive: true, force: true });
  });

  it('records a move, then a change, lists it as stale for its file, and "still true" clears it', async () => {
    await writeFile(join(root, 'retry.ts'), ['const A = 1;', '', ...lines, ''].join('\n'));
    const doc = ['const A = 1;', '', ...lines, ''];
    const created = await client.create(
      rememberSelectionParams({
        text: 'backoff doubles from 250 ms, capped at 8 s',
        uri: 'file:///x/retry.ts',
        languageId: 'typescript',
        range: { startLine: 2, startCharacter: 0, endLine: 4, endCharacter: 1 },
        code: { repo, path: 'retry.ts', commit: 'c1' },
        docLines: doc,
      }),
    );
    const id = created.memory.id;
    expect(created.memory.source.anchor).toMatchObject({ path: 'retry.ts', startLine: 3, endLine: 5, status: { state: 'fresh' } });
    const store = {
      list: (input: Parameters<KairosClient['list']>[0] & { limit: number }) => client.list(input),
      recordAnchorCheck: (mid: string, check: Parameters<KairosClient['recordAnchorCheck']>[0]['check'], commit: string | undefined) =>
        client.recordAnchorCheck({ id: mid, check, commit }),
    };
    const checkout: Checkout = { root, repo, commit: 'c2' };
    const results: CheckSummary[] = [];
    const w = new AnchorWatcher({
      ...timers,
      delayMs: 1,
      check: (c, paths) => checkRepoAnchors({ root: c.root, repo: c.repo, store, ...(c.commit ? { commit: c.commit } : {}), ...(paths ? { paths } : {}) }),
      onChecked: (_c, r) => results.push(r),
      onError: (_c, e) => {
        throw e;
      },
    });

    await writeFile(join(root, 'retry.ts'), ['const A = 1;', '// moved down', '', '', ...lines, ''].join('\n'));
    w.fileSaved(checkout, 'retry.ts');
    await w.idle();
    let m = await client.get({ id });
    expect(m.source.anchor).toMatchObject({ startLine: 5, endLine: 7, status: { state: 'fresh', moved: { fromLine: 3, commit: 'c2' } } });

    await writeFile(
      join(root, 'retry.ts'),
      ['const A = 1;', '// moved down', '', '', lines[0], '  return Math.min(100 * 3 ** attempt, 5000);', '}', ''].join('\n'),
    );
    w.fileSaved(checkout, 'retry.ts');
    await w.idle();
    m = await client.get({ id });
    expect(m.source.anchor?.status).toMatchObject({ state: 'stale', reason: 'changed', commit: 'c2' });
    expect(m.version).toBe(1);
    expect(results.map((r) => [r.moved, r.stale])).toEqual([
      [1, 0],
      [0, 1],
    ]);

    const stale = await client.list({ limit: 10, filter: { repo, stale: true } });
    expect(stale.items.map((x) => x.id)).toEqual([id]);
    const forFile = await client.forFile({ path: 'retry.ts', repo });
    expect(forFile.items).toMatchObject([{ match: 'file', memory: { id } }]);

    const verified = await client.verify({ id, commit: 'c3' });
    expect(verified.source.anchor?.status).toMatchObject({ state: 'fresh', verifiedCommit: 'c3' });
    expect((await client.list({ limit: 10, filter: { repo, stale: true } })).items).toEqual([]);
  });
});
