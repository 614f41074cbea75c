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
  /** A file or folder could not be read or written (permissions, read-only, full disk). */
  io: 7,
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

/** System error codes (Node's `err.code`) → a short reason and the exit code. */
const SYSTEM_ERRORS: Record<string, { reason: string; exit: number }> = {
  ENOENT: { reason: 'no such file or directory', exit: EXIT.usage },
  EISDIR: { reason: 'is a directory; give a file', exit: EXIT.usage },
  ENOTDIR: { reason: 'a part of the path is not a directory', exit: EXIT.usage },
  EACCES: { reason: 'permission denied', exit: EXIT.io },
  EPERM: { reason: 'operation not permitted', exit: EXIT.io },
  EROFS: { reason: 'read-only file system', exit: EXIT.io },
  ENOSPC: { reason: 'no space left on the device', exit: EXIT.io },
  EMFILE: { reason: 'too many open files', exit: EXIT.io },
  EIO: { reason: 'input/output error', exit: EXIT.io },
  ECONNREFUSED: { reason: 'connection refused', exit: EXIT.unavailable },
  ECONNRESET: { reason: 'connection reset', exit: EXIT.unavailable },
  ETIMEDOUT: { reason: 'timed out', exit: EXIT.unavailable },
  ENOTFOUND: { reason: 'host not found', exit: EXIT.unavailable },
  EAI_AGAIN: { reason: 'name lookup failed', exit: EXIT.unavailable },
};

/** A file-system or network error as one line and its exit code; undefined for anything else. */
export function describeSystemError(e: unknown): { message: string; exitCode: number } | undefined {
  let current: unknown = e;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const err = current as NodeJS.ErrnoException & { hostname?: string; address?: string };
    const known = err.code ? SYSTEM_ERRORS[err.code] : undefined;
    if (known) {
      const where = err.path ?? err.hostname ?? err.address;
      return { message: where ? `${where}: ${known.reason}.` : `${known.reason} (${err.code}).`, exitCode: known.exit };
    }
    current = err.cause;
  }
  return undefined;
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
