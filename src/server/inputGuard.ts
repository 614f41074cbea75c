/**
 * The HTTP edge of the input rule (core/text.ts): the request path and query are checked once,
 * before any route, auth lookup or SQL call. Malformed percent-encoding, NUL and lone surrogates
 * get a 400 naming the parameter; under /oauth/ the answer is RFC 6749's invalid_request, since
 * the caller there is a client program, not a person.
 */
import type { MiddlewareHandler } from 'hono';
import { InvalidInputError } from '../core/errors.js';
import { describeUnsafe, unsafeIn } from '../core/text.js';

function decode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** What is wrong with the URL's path or query, as a sentence; undefined when nothing is. */
export function urlProblem(href: string): string | undefined {
  const u = new URL(href);
  for (const segment of u.pathname.split('/')) {
    const s = decode(segment);
    if (s === undefined) return 'The request path is not valid percent-encoded UTF-8.';
    const kind = unsafeIn(s);
    if (kind) return describeUnsafe({ path: 'path', kind });
  }
  for (const pair of u.search.slice(1).split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    const label = name !== undefined && unsafeIn(name) === undefined ? name.slice(0, 64) : 'query parameter name';
    if (name === undefined || value === undefined) return `Query parameter "${label}" is not valid percent-encoded UTF-8.`;
    const kind = unsafeIn(name) ?? unsafeIn(value);
    if (kind) return describeUnsafe({ path: label, kind });
  }
  return undefined;
}

export function inputGuard(): MiddlewareHandler {
  return async (c, next) => {
    const problem = urlProblem(c.req.url);
    if (problem) {
      if (c.req.path.startsWith('/oauth/')) return c.json({ error: 'invalid_request', error_description: problem }, 400);
      throw new InvalidInputError(problem);
    }
    await next();
  };
}
