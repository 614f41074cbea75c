/**
 * Named errors shared by every layer. Each edge (HTTP, MCP, CLI, VS Code) maps `code` once;
 * messages are written for the person or agent who has to act on them.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'embedder_mismatch'
  | 'embedder_auth'
  | 'embedder_quota'
  | 'embedder_not_found'
  | 'embedder_unavailable'
  | 'data_dir_locked'
  /** A dependency (identity provider, database) did not answer; retry later. */
  | 'unavailable'
  | 'internal';

export class KairosError extends Error {
  readonly code: ErrorCode;
  /** Extra machine-readable facts (never secrets). */
  readonly details: Record<string, unknown> | undefined;
  /** Seconds a client should wait before retrying (rate limits, provider 429s). */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, opts: { details?: Record<string, unknown>; retryAfter?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KairosError';
    this.code = code;
    this.details = opts.details;
    this.retryAfter = opts.retryAfter;
  }
}

export class InvalidInputError extends KairosError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('invalid_input', message, details ? { details } : {});
    this.name = 'InvalidInputError';
  }
}

export class NotFoundError extends KairosError {
  constructor(message: string) {
    super('not_found', message);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends KairosError {
  constructor(message: string) {
    super('forbidden', message);
    this.name = 'ForbiddenError';
  }
}

export class EmbedderMismatchError extends KairosError {
  constructor(space: string, stored: string, requested: string) {
    super(
      'embedder_mismatch',
      `Space ${space} was embedded with ${stored}, but the current embedder is ${requested}. ` +
        `Vectors from different models cannot be compared. Switch back to ${stored}, or run ` +
        `\`kairos reembed --space ${space}\` to re-embed it with ${requested}.`,
      { details: { space, stored, requested } },
    );
    this.name = 'EmbedderMismatchError';
  }
}

export function isKairosError(e: unknown): e is KairosError {
  return e instanceof KairosError;
}
