/**
 * The HTTP edge's single error mapping: KairosError codes → status via the REST contract's table
 * (protocol/rest/errors.ts, which clients read back the same way), zod
 * errors → 400, anything else → 500 with a generic message (details go to the log only).
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { KairosError, isKairosError, type ErrorCode } from '../core/errors.js';
import { httpStatusFor } from '../protocol/rest/errors.js';
import { describeZodError } from '../protocol/schemas.js';
import { createLogger } from '../util/logger.js';
import { discardBody } from './streams.js';

const log = createLogger('http');

export interface ErrorBody {
  /** requestId: only on 500s, so a report can be matched with the one log line about it. */
  error: { code: string; message: string; requestId?: string };
}

/** Converts any thrown value into a KairosError fit to show a client. */
export function toKairosError(err: unknown): KairosError {
  if (isKairosError(err)) return err;
  if (err instanceof z.ZodError) return new KairosError('invalid_input', describeZodError(err));
  if (err instanceof HTTPException) {
    const code: ErrorCode =
      err.status === 413
        ? 'payload_too_large'
        : err.status === 401
          ? 'unauthorized'
          : err.status === 403
            ? 'forbidden'
            : err.status === 404
              ? 'not_found'
              : err.status < 500
                ? 'invalid_input'
                : 'internal';
    return new KairosError(code, err.message || 'Request refused.');
  }
  return new KairosError('internal', 'Something went wrong inside Kairos. The details are in the server log.');
}

/** Serialises an error for a client; logs unexpected ones with their stack. */
export async function errorResponse(c: Context, err: unknown): Promise<Response> {
  const k = toKairosError(err);
  if (k.code === 'payload_too_large' && !(await discardBody(c.req.raw))) c.header('Connection', 'close');
  const status = httpStatusFor[k.code] as ContentfulStatusCode;
  const body: ErrorBody = { error: { code: k.code, message: k.message } };
  if (k.code === 'internal') {
    // The stack stays in the (single-line) log; the client gets only an id to quote.
    const requestId = randomUUID();
    body.error = { code: k.code, message: `Something went wrong inside Kairos (request ${requestId}). The details are in the server log.`, requestId };
    c.header('X-Request-Id', requestId);
    log.error('unexpected error', {
      requestId,
      method: c.req.method,
      path: c.req.path,
      error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
    });
  } else if (status >= 500) {
    log.warn(k.message, { code: k.code, path: c.req.path });
  }
  if (k.retryAfter !== undefined) c.header('Retry-After', String(Math.max(1, Math.ceil(k.retryAfter))));
  else if (status === 429) c.header('Retry-After', '1');
  const challenge = (c.get as (key: string) => unknown)('authChallenge') as string | undefined;
  if (k.code === 'unauthorized') c.header('WWW-Authenticate', challenge ?? 'Bearer realm="kairos"');
  else if (k.code === 'forbidden' && challenge && k.details?.insufficientScope) {
    c.header('WWW-Authenticate', `${challenge}, error="insufficient_scope", scope="${String(k.details.insufficientScope)}"`);
  }
  return c.json(body, status);
}

/** Throws a 400 invalid_input error with `message`. */
export function invalid(message: string): never {
  throw new KairosError('invalid_input', message);
}
