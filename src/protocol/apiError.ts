/**
 * The error of a failed call to the Kairos REST API, and the one mapping every client uses to
 * turn a failure (no answer, an error answer, an unreadable answer) into it. Pure: no DOM, no
 * vscode, no node imports.
 */
import type { ErrorCode } from '../core/errors.js';
import { BridgeError } from './messages.js';
import { codeForStatus } from './rest/errors.js';

/**
 * The server's codes, plus two only a client can see: `unreachable` (no answer at all) and
 * `bad_response` (an answer that is not what the contract promises, e.g. a proxy's HTML page).
 */
export type ApiErrorCode = ErrorCode | 'unreachable' | 'bad_response';

/**
 * An error answered by the server (`code` from its body) or raised reaching it; status 0: no
 * answer. A BridgeError, so the memory UI handles REST failures like any other host's.
 */
export class ApiError extends BridgeError {
  constructor(
    code: string,
    message: string,
    readonly status: number,
  ) {
    super(code, message);
    this.name = 'ApiError';
  }
}

/** The `code` and `message` of an `{ error: { code, message } }` answer body, each only where it is a string. */
export function errorBodyFields(body: unknown): { code?: string; message?: string } {
  const err = (body as { error?: { code?: unknown; message?: unknown } } | null | undefined)?.error;
  return {
    ...(typeof err?.code === 'string' ? { code: err.code } : {}),
    ...(typeof err?.message === 'string' ? { message: err.message } : {}),
  };
}

/** The request never got an answer (refused, reset, DNS, offline). */
export function unreachableError(base: string, cause: unknown): ApiError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new ApiError('unreachable', `Cannot reach the Kairos server${base ? ` at ${base}` : ''} (${why}).`, 0);
}

/**
 * The error a non-2xx answer stands for: the server's `{error:{code,message}}` body when it has
 * one, else the code its status means (the same table the server answers with).
 */
export function errorFromAnswer(status: number, statusText: string, bodyText: string): ApiError {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = undefined; // not our JSON error shape (a proxy page, an empty body)
  }
  const err = errorBodyFields(body);
  if (err.code !== undefined && err.message !== undefined) return new ApiError(err.code, err.message, status);
  const line = `${status} ${statusText}`.trim();
  return new ApiError(codeForStatus(status), `The Kairos server answered ${line}.`, status);
}

/** A 2xx answer that is not what the contract promises. */
export function badResponse(status: number, why: string): ApiError {
  return new ApiError('bad_response', `The Kairos server sent an answer this client cannot read (${why}).`, status);
}
