/** Request parsing shared by the routes: JSON bodies and query strings, validated with zod. */
import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import { InvalidInputError } from '../core/errors.js';
import { refuseUnsafe } from '../core/text.js';
import type { Endpoint } from '../protocol/rest/endpoint.js';
import { describeZodError } from '../protocol/schemas.js';
import type { KairosEnv } from './context.js';

/** Parses the JSON body and validates it; invalid JSON and schema errors become 400s. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw new InvalidInputError('Body is not valid JSON.');
  }
  // Before the schema: every field of every body obeys the one text rule (core/text.ts).
  refuseUnsafe(raw);
  return validate(schema, raw);
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidInputError(describeZodError(parsed.error));
  return parsed.data;
}

/** Query parameters as lists; refuses names outside `allowed` so typos do not pass silently. */
export function queryParams(c: Context, allowed: readonly string[]): Record<string, string[]> {
  const all = c.req.queries();
  const unknown = Object.keys(all).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw new InvalidInputError(`Unknown query parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Allowed: ${allowed.join(', ') || 'none'}.`);
  }
  return all;
}

/** The single value of a query parameter; refuses repeats. */
export function single(q: Record<string, string[]>, name: string): string | undefined {
  const v = q[name];
  if (!v) return undefined;
  if (v.length > 1) throw new InvalidInputError(`Query parameter "${name}" may appear only once.`);
  return v[0];
}

/** An integer query parameter, or undefined when absent. */
export function intParam(q: Record<string, string[]>, name: string): number | undefined {
  const v = single(q, name);
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new InvalidInputError(`"${name}" must be a whole number.`);
  return Number(v);
}

/**
 * Registers the handler of one contract entry (protocol/rest/endpoints.ts) on a router mounted at
 * /v1: its method and path come from the entry, and the query is checked against its names.
 */
export function route<E extends Endpoint>(
  r: Hono<KairosEnv>,
  ep: E,
  handler: (c: Context<KairosEnv>, query: Record<string, string[]>) => Response | Promise<Response>,
): void {
  r.on(ep.method, ep.path.replace(/^\/v1(?=\/)/, ''), (c) => handler(c, queryParams(c, ep.query)));
}

/** A path parameter of the matched route (always present: the route's template names it). */
export function pathParam(c: Context, name: string): string {
  return c.req.param(name) ?? '';
}
