/**
 * `$KAIROS_HOME/engine.json`: where a running `kairos serve` listens. Other processes (the CLI,
 * the VS Code extension) read it to talk to the server instead of opening the data dir. It never
 * holds the token, which lives in its own file.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EngineInfo {
  port: number;
  pid: number;
  url: string;
  startedAt: string;
}

export function engineFilePath(home: string): string {
  return join(home, 'engine.json');
}

export function writeEngineFile(home: string, info: EngineInfo): void {
  const path = engineFilePath(home);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

export function readEngineFile(home: string): EngineInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(engineFilePath(home), 'utf8')) as Partial<EngineInfo>;
    if (typeof v.url === 'string' && typeof v.port === 'number' && typeof v.pid === 'number') {
      return { port: v.port, pid: v.pid, url: v.url, startedAt: String(v.startedAt ?? '') };
    }
  } catch {
    // Absent or half-written: treated as "no server".
  }
  return undefined;
}

/** Removes engine.json, but only when it still describes this process. */
export function removeEngineFile(home: string, pid = process.pid): void {
  const info = readEngineFile(home);
  if (info && info.pid !== pid) return;
  rmSync(engineFilePath(home), { force: true });
}
