/**
 * The REST error table: each error code and the HTTP status it is answered with. The server's
 * error middleware answers with it and every client reads a status without a body back through it.
 */
import type { ErrorCode } from '../../core/errors.js';

export const httpStatusFor: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  embedder_mismatch: 409,
  payload_too_large: 413,
  embedder_auth: 424,
  embedder_not_found: 424,
  embedder_quota: 429,
  rate_limited: 429,
  embedder_unavailable: 503,
  data_dir_locked: 503,
  unavailable: 503,
  internal: 500,
};

/** Where several codes share a status, the general one a bare status stands for. */
const GENERAL: Readonly<Record<number, ErrorCode>> = { 409: 'conflict', 424: 'embedder_auth', 429: 'rate_limited', 503: 'unavailable' };

/**
 * The code a status stands for when the answer carries no error body (a proxy, a load balancer):
 * the table read backwards; 502 and 504 mean the server is not there; any other status is not
 * one Kairos answers with: `bad_response`.
 */
export function codeForStatus(status: number): ErrorCode | 'bad_response' {
  if (GENERAL[status]) return GENERAL[status];
  for (const [code, s] of Object.entries(httpStatusFor)) if (s === status) return code as ErrorCode;
  if (status === 502 || status === 504) return 'unavailable';
  return 'bad_response';
}
