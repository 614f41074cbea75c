/** Finds a running `kairos serve` for a home: engine.json plus a live /v1/healthz answer. */
import { readEngineFile, type EngineInfo } from './engineFile.js';
import { pidAlive } from '../util/pid.js';
import { requestText } from '../util/httpRequest.js';

/** The running server's engine info, or undefined when none answers. */
export async function findRunningServer(home: string, timeoutMs = 1500): Promise<EngineInfo | undefined> {
  const info = readEngineFile(home);
  if (!info || !pidAlive(info.pid)) return undefined;
  try {
    const res = await requestText(`${info.url}/v1/healthz`, { timeoutMs });
    return res.status >= 200 && res.status < 300 ? info : undefined;
  } catch {
    return undefined;
  }
}
