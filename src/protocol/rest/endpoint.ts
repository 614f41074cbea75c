/**
 * What an entry of the REST contract is: method, path template, allowed query names, what the
 * body is and how the answer is read. protocol/rest/routes.ts lists every entry without schemas
 * (no zod: the CLI's quick calls load only that); protocol/rest/endpoints.ts adds the schemas the
 * server validates with and the other clients check with.
 */
import type { z } from 'zod';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A JSON body: its schema, or 'json' where only the route is known; 'raw': a file sent as-is. */
export type BodyKind = z.ZodType | 'json' | 'raw' | undefined;
/** A JSON answer checked by a schema, unchecked JSON ('json'), or a stream the caller reads itself. */
export type AnswerKind = z.ZodType | 'json' | 'ndjson' | 'sse';

export interface Endpoint<P extends string = string, Q extends string = string, B extends BodyKind = BodyKind, A extends AnswerKind = AnswerKind> {
  readonly method: Method;
  /** Path template with `:name` segments, under /v1 or /auth. */
  readonly path: P;
  /** Query parameter names the server accepts; anything else is refused with a 400. */
  readonly query: readonly Q[];
  readonly body: B;
  readonly answer: A;
}

/** `{ id: string }` for '/v1/memories/:id'. */
export type PathParams<P extends string> = P extends `${string}:${infer N}/${infer Rest}`
  ? { [K in N]: string } & PathParams<`/${Rest}`>
  : P extends `${string}:${infer N}`
    ? { [K in N]: string }
    : Record<never, never>;

export type QueryValue = string | readonly string[] | undefined;

/** What a caller passes for one call of `E`. */
export type EndpointInput<E extends Endpoint> =
  E extends Endpoint<infer P, infer Q, infer B>
    ? (keyof PathParams<P> extends never ? { path?: undefined } : { path: PathParams<P> }) & { query?: Partial<Record<Q, QueryValue>> } & (B extends z.ZodType
          ? { body: z.input<B> }
          : B extends 'json'
            ? { body: unknown }
            : B extends 'raw'
              ? { raw: string | ReadableStream<Uint8Array>; contentType?: string }
              : { body?: undefined })
    : never;

/** What a JSON call of `E` resolves to. */
export type EndpointAnswer<E extends Endpoint> = E['answer'] extends z.ZodType ? z.output<E['answer']> : unknown;

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
