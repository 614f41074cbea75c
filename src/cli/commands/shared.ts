/** Helpers shared by the command modules: option parsers and backend lifetime. */
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config.js';
import { SpaceNameSchema } from '../../protocol/schemas.js';
import { connect, type Backend } from '../backend.js';

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('Expected a positive whole number.');
  return Number(value);
}

/** Validates --space like the REST API does, so both paths refuse the same input the same way. */
export function spaceName(value: string): string {
  const parsed = SpaceNameSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError('A space looks like kairos_user_<id> or kairos_org_<id>.');
  return parsed.data;
}

export function spaceNames(value: string, previous: string[]): string[] {
  return [...previous, spaceName(value)];
}

export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** Runs `fn` against the server or the data dir, always releasing the data dir afterwards. */
export async function withBackend<T>(fn: (backend: Backend) => Promise<T>): Promise<T> {
  const backend = await connect(loadConfig());
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}
