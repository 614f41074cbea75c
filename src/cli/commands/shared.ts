/**
 * Helpers shared by the command modules: option parsers and backend lifetime. Registering the
 * commands must stay cheap (`kairos --version`, `--help`): heavy modules are imported inside the
 * actions that need them, never at the top of a command module.
 */
import { InvalidArgumentError } from 'commander';
import type { KairosConfig } from '../../config.js';
import { isSpaceName, SPACE_NAME_HINT } from '../../core/memory.js';
import type { Backend } from '../backend.js';

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('Expected a positive whole number.');
  return Number(value);
}

/** Validates --space like the REST API does (the same pattern), so both paths refuse the same input. */
export function spaceName(value: string): string {
  if (!isSpaceName(value)) throw new InvalidArgumentError(SPACE_NAME_HINT);
  return value;
}

export function spaceNames(value: string, previous: string[]): string[] {
  return [...previous, spaceName(value)];
}

export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** The process configuration; config.ts (and zod with it) loads only for commands that read it. */
export async function loadCliConfig(): Promise<KairosConfig> {
  const { loadConfig } = await import('../../config.js');
  return loadConfig();
}

/** Runs `fn` against the server or the data dir, always releasing the data dir afterwards. */
export async function withBackend<T>(fn: (backend: Backend) => Promise<T>): Promise<T> {
  const { connect } = await import('../backend.js');
  const backend = await connect();
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}
