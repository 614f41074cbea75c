/** Finds a running `kairos serve` for a home: engine.json plus a live /v1/healthz answer. */
import { readEngineFile, type EngineInfo } from './engineFile.js';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running server's engine info, or undefined when none answers. */
export async function findRunningServer(home: string, timeoutMs = 1500): Promise<EngineInfo | undefined> {
  const info = readEngineFile(home);
  if (!info || !pidAlive(info.pid)) return undefined;
  try {
    const res = await fetch(`${info.url}/v1/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok ? info : undefined;
  } catch {
    return undefined;
  }
}
