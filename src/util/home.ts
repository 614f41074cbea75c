/** KAIROS_HOME, resolved; kept apart from config.ts so finding a running server needs no config parsing. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function kairosHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.KAIROS_HOME || join(homedir(), '.kairos'));
}
