/**
 * File-system failures of the CLI: each ends as one `kairos: …` line with a documented exit
 * code (2 a bad path, 3 nothing there, 7 cannot read or write), never a stack trace.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliBundle, runCli } from '../server/cliProcess.js';
import { removeHome, tempHome } from '../server/helpers.js';

const homes: string[] = [];
async function home(): Promise<string> {
  const h = await tempHome('kairos-cli-fs-');
  homes.push(h);
  return h;
}

beforeAll(async () => {
  await cliBundle();
});
afterAll(async () => {
  for (const h of homes) await removeHome(h);
});

function oneLine(r: { stderr: string; code: number | null }, code: number, pattern: RegExp): void {
  // Progress lines (non-TTY) may come first; the error is the one kairos: line.
  const lines = r.stderr.trim().split('\n').filter((l) => !/^Importing: /.test(l));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^kairos: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at |unexpected error/);
  expect(r.code).toBe(code);
}

describe('kairos CLI file-system errors', () => {
  it('answers a missing folder, a directory and /dev/zero with one line each', { timeout: 180_000 }, async () => {
    const h = await home();
    oneLine(await runCli(h, ['export', join(h, 'no-such-dir', 'x.jsonl')]), 2, /no-such-dir\/x\.jsonl: no such file or directory/);
    oneLine(await runCli(h, ['export', h]), 2, /is a directory/);
    oneLine(await runCli(h, ['import', h]), 2, /is a directory/);
    oneLine(await runCli(h, ['import', '/dev/zero'], { env: { KAIROS_MAX_IMPORT_BYTES: String(1024 * 1024) } }), 2, /larger than 1048576 bytes/);
  });

  it('refuses `keys rotate-master` on a fresh home instead of inventing a master key', async () => {
    const h = join(await home(), 'fresh');
    oneLine(await runCli(h, ['keys', 'rotate-master']), 3, /No master key in .*fresh/);
  });

  it.skipIf(process.getuid?.() === 0)('answers an unreadable file with exit 7 (skipped as root, which can read anything)', async () => {
    const h = await home();
    const file = join(h, 'secret.jsonl');
    await writeFile(file, '{"text":"x"}\n');
    await chmod(file, 0o000);
    oneLine(await runCli(h, ['import', file]), 7, /permission denied/);
    await mkdir(join(h, 'ro'), { mode: 0o500 });
    oneLine(await runCli(h, ['export', join(h, 'ro', 'x.jsonl')]), 7, /permission denied/);
  });
});
