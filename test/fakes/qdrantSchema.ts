/**
 * Checks a request against the Qdrant REST API of one server version: the method and path must
 * exist, every query parameter must be declared, and the body must match the request schema
 * (zod built from the version's openapi.json, cut down by qdrant-openapi/prune.mjs).
 *
 * Objects are checked strictly: Qdrant ignores JSON fields it does not know, so a field the
 * targeted version lacks (collection `metadata` before 1.16, `params.idf` before 1.19) is
 * silently dropped by the server. Here it is an error.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Operation {
  parameters: Array<{ name: string; in: string; required: boolean }>;
  requestBody?: Json;
}

interface PrunedSpec {
  version: string;
  paths: Record<string, Record<string, Operation>>;
  schemas: Record<string, Json>;
}

export const QDRANT_SPEC_VERSIONS = ['1.17.0', '1.19.0'] as const;

/** OpenAPI 3.0 → JSON Schema: $defs refs, `nullable` as a null branch, closed objects. */
function toJsonSchema(o: Json): Json {
  if (Array.isArray(o)) return o.map(toJsonSchema);
  if (!o || typeof o !== 'object') return o;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === '$ref') out.$ref = String(v).replace('#/components/schemas/', '#/$defs/');
    else if (k === 'nullable' || k === 'format' || k === 'default') continue;
    else out[k] = toJsonSchema(v);
  }
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (o.nullable === true) return Object.keys(out).length === 0 ? { type: 'null' } : { anyOf: [out, { type: 'null' }] };
  return out;
}

export interface RequestCheck {
  /** Problems with the request; empty when it is one the server version accepts. */
  (method: string, path: string, query: URLSearchParams, body: unknown): string[];
}

const cache = new Map<string, RequestCheck>();

export function qdrantRequestCheck(version: (typeof QDRANT_SPEC_VERSIONS)[number]): RequestCheck {
  const hit = cache.get(version);
  if (hit) return hit;
  const spec = JSON.parse(readFileSync(new URL(`./qdrant-openapi/v${version}.json`, import.meta.url), 'utf8')) as PrunedSpec;
  const defs = toJsonSchema(spec.schemas as Json);
  const routes = Object.entries(spec.paths).map(([template, ops]) => ({
    re: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    template,
    ops,
    bodies: new Map<string, z.ZodType>(),
  }));
  // Literal segments win over parameters (`/collections/aliases` before `/collections/{name}`).
  routes.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));

  const check: RequestCheck = (method, path, query, body) => {
    const route = routes.find((r) => r.re.test(path) && r.ops[method.toLowerCase()]);
    if (!route) return [`${method} ${path} is not in the Qdrant ${version} API`];
    const op = route.ops[method.toLowerCase()]!;
    const problems: string[] = [];
    for (const name of query.keys()) {
      if (!op.parameters.some((p) => p.in === 'query' && p.name === name))
        problems.push(`query parameter "${name}" is not accepted by ${method} ${route.template}`);
    }
    if (op.requestBody === undefined) return problems;
    let schema = route.bodies.get(method);
    if (!schema) {
      schema = z.fromJSONSchema({ $defs: defs, ...(toJsonSchema(op.requestBody) as Record<string, Json>) } as never);
      route.bodies.set(method, schema);
    }
    const res = schema.safeParse(body);
    if (!res.success) {
      for (const issue of res.error.issues)
        problems.push(
          `${method} ${route.template} body ${issue.path.join('.') || '(root)'}: ${issue.message}${'keys' in issue ? ` ${JSON.stringify(issue.keys)}` : ''}`,
        );
    }
    return problems;
  };
  cache.set(version, check);
  return check;
}
