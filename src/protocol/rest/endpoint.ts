/**
 * What an entry of the REST table is: method, path template, allowed query names, the JSON body's
 * schema and the answer's schema. The server registers and validates its routes from these and
 * every client builds its requests and reads its answers from the same entries.
 */
import type { z } from 'zod';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How an answer is read: JSON checked against a schema, or a stream the caller reads itself. */
export type AnswerKind = z.ZodType | 'ndjson' | 'sse';

export interface Endpoint<P extends string = string, Q extends string = string, B extends z.ZodType | 'raw' | undefined = z.ZodType | 'raw' | undefined, A extends AnswerKind = AnswerKind> {
  readonly method: Method;
  /** Path template with `:name` segments, always under /v1 or /auth. */
  readonly path: P;
  /** Query parameter names the server accepts; anything else is refused with a 400. */
  readonly query: readonly Q[];
  /** The JSON body's schema; 'raw': the body is a file sent as-is (import); undefined: no body. */
  readonly body: B;
  readonly answer: A;
}

/** Builds a table entry; the literal path and query names stay in the type. */
export function endpoint<const P extends string, const Q extends string = never, B extends z.ZodType | 'raw' | undefined = undefined, A extends AnswerKind = z.ZodUnknown>(
  method: Method,
  path: P,
  opts: { query?: readonly Q[]; body?: B; answer?: A } = {},
): Endpoint<P, Q, B, A> {
  return { method, path, query: opts.query ?? [], body: opts.body as B, answer: opts.answer as A };
}

/** `{ id: string }` for '/v1/memories/:id'. */
export type PathParams<P extends string> = P extends `${string}:${infer N}/${infer Rest}`
  ? { [K in N]: string } & PathParams<`/${Rest}`>
  : P extends `${string}:${infer N}`
    ? { [K in N]: string }
    : Record<never, never>;

export type QueryValue = string | readonly string[] | undefined;

/** What a caller passes for one call of `E`. */
export type EndpointInput<E extends Endpoint> = E extends Endpoint<infer P, infer Q, infer B>
  ? (keyof PathParams<P> extends never ? { path?: undefined } : { path: PathParams<P> }) & { query?: Partial<Record<Q, QueryValue>> } & (B extends z.ZodType
        ? { body: z.input<B> }
        : B extends 'raw'
          ? { raw: string | ReadableStream<Uint8Array>; contentType?: string }
          : { body?: undefined })
  : never;

/** What a JSON call of `E` resolves to. */
export type EndpointAnswer<E extends Endpoint> = E['answer'] extends z.ZodType ? z.output<E['answer']> : never;

/** The concrete path of one call: each `:name` replaced by its encoded value. */
export function fillPath(template: string, params: Record<string, string> | undefined): string {
  return template.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const v = params?.[name];
    if (v === undefined) throw new Error(`Missing path parameter "${name}" for ${template}.`);
    return encodeURIComponent(v);
  });
}

/** `?a=1&b=2&b=3` from a query object (undefined values left out), or ''. */
export function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const item of typeof v === 'string' ? [v] : v) sp.append(k, item);
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}
