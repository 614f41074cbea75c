/**
 * Exclusive ownership of a data dir by one process: a pid lock file created with O_EXCL.
 *
 * Why not an mtime-refreshed lock (proper-lockfile): PGlite runs on the calling thread, so a
 * long index build can starve a refresh timer and let another process "take over" a live
 * store; and after a crash the next start would wait for staleness. A pid file is taken over
 * at once when its owner is dead, and never while it lives.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KairosError } from '../../core/errors.js';
import { pidAlive } from '../../util/pid.js';

export const LOCK_FILE = 'store.lock';

interface LockContent {
  pid: number;
  token: string;
}

/** Paths locked by this process; shared across module copies so a second open fails too. */
const held: Set<string> = ((globalThis as Record<symbol, unknown>)[Symbol.for('kairos.dataDirLocks')] ??= new Set<string>()) as Set<string>;

export interface DataDirLock {
  readonly dir: string;
  release(): void;
}

function lockedError(dir: string, pid: number): KairosError {
  return new KairosError('data_dir_locked', `Kairos data dir ${dir} is in use by another process (pid ${pid}). Stop it, or point KAIROS_HOME elsewhere.`, {
    details: { dataDir: dir, pid },
  });
}

function readLock(file: string): LockContent | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid === 'number' && typeof parsed.token === 'string') return { pid: parsed.pid, token: parsed.token };
  } catch {
    // Missing, half-written or foreign: treated as no valid owner below.
  }
  return null;
}

/** Creates the lock with its content in one step (link of a finished file), so no reader sees it half-written. */
function writeNew(file: string, content: LockContent): boolean {
  const tmp = writeTemp(file, content);
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

function writeTemp(file: string, content: LockContent): string {
  const tmp = `${file}.${process.pid}.${content.token}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeFileSync(fd, JSON.stringify(content));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/**
 * Replaces a dead owner's lock. A short-lived mkdir mutex serialises concurrent takeovers, and
 * the file is re-read inside it so a lock another process just took is never overwritten.
 */
function takeOver(file: string, stale: LockContent | null, content: LockContent): 'taken' | 'retry' {
  const mutex = `${file}.takeover`;
  try {
    mkdirSync(mutex);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // A takeover that died midway leaves its mutex behind; it only ever lives for milliseconds.
    try {
      if (Date.now() - statSync(mutex).mtimeMs > 10_000) rmdirSync(mutex);
    } catch {
      // Removed by its owner meanwhile.
    }
    return 'retry';
  }
  try {
    const now = readLock(file);
    if (now?.token !== stale?.token) return 'retry';
    renameSync(writeTemp(file, content), file);
    return 'taken';
  } finally {
    rmdirSync(mutex);
  }
}

/**
 * Takes the data dir for this process, or throws `data_dir_locked` naming the owner's pid.
 * A lock left by a dead process (crash, SIGKILL) is taken over.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  const file = join(dir, LOCK_FILE);
  mkdirSync(dir, { recursive: true });
  if (held.has(file)) throw lockedError(dir, process.pid);

  const content: LockContent = { pid: process.pid, token: randomUUID() };
  for (let attempt = 0; attempt < 50; attempt++) {
    if (writeNew(file, content)) return hold(dir, file, content);
    const owner = readLock(file);
    // Our own pid without our registry entry is a previous run that reused the pid (containers).
    if (owner && owner.pid !== process.pid && pidAlive(owner.pid)) throw lockedError(dir, owner.pid);
    if (takeOver(file, owner, content) === 'taken') return hold(dir, file, content);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new KairosError('data_dir_locked', `Kairos data dir ${dir} is locked and the lock could not be taken. Stop other Kairos processes and try again.`, {
    details: { dataDir: dir },
  });
}

function hold(dir: string, file: string, content: LockContent): DataDirLock {
  held.add(file);
  let released = false;
  return {
    dir,
    release(): void {
      if (released) return;
      released = true;
      held.delete(file);
      // Only remove the file if it is still ours.
      if (readLock(file)?.token === content.token) {
        try {
          unlinkSync(file);
        } catch {
          // Already gone.
        }
      }
    },
  };
}
