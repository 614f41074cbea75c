/** CLI exit codes, and the mapping from error codes to them (done once, here). */
import type { ErrorCode } from '../core/errors.js';

export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  notFound: 3,
  auth: 4,
  embedder: 5,
  unavailable: 6,
} as const;

const BY_CODE: Record<ErrorCode, number> = {
  invalid_input: EXIT.usage,
  payload_too_large: EXIT.usage,
  conflict: EXIT.usage,
  not_found: EXIT.notFound,
  unauthorized: EXIT.auth,
  forbidden: EXIT.auth,
  embedder_mismatch: EXIT.embedder,
  embedder_auth: EXIT.embedder,
  embedder_quota: EXIT.embedder,
  embedder_not_found: EXIT.embedder,
  embedder_unavailable: EXIT.embedder,
  unavailable: EXIT.unavailable,
  data_dir_locked: EXIT.unavailable,
  rate_limited: EXIT.unexpected,
  internal: EXIT.unexpected,
};

export function exitCodeFor(code: string): number {
  return (BY_CODE as Record<string, number>)[code] ?? EXIT.unexpected;
}

/** An error the CLI reports as `kairos: <message>` and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
