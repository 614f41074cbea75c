/**
 * Cuts Qdrant's openapi.json down to what a request check needs: the paths Kairos may call,
 * their parameters and request body schemas, and every schema those reference (no responses,
 * no descriptions). Usage, with a qdrant/qdrant checkout:
 *   git -C qdrant show v1.17.0:docs/redoc/master/openapi.json > /tmp/o.json
 *   node test/fakes/qdrant-openapi/prune.mjs /tmp/o.json 1.17.0 > test/fakes/qdrant-openapi/v1.17.0.json
 */
import { readFileSync } from 'node:fs';

const [src, version] = process.argv.slice(2);
if (!src || !version) throw new Error('usage: prune.mjs <openapi.json> <version>');
const spec = JSON.parse(readFileSync(src, 'utf8'));
const schemas = spec.components.schemas;
const SKIP = /snapshots|shards|cluster|facet|matrix|groups|discover|recommend|\/search/;

const paths = {};
for (const [path, methods] of Object.entries(spec.paths)) {
  if (!(path === '/' || path === '/aliases' || path.startsWith('/collections')) || SKIP.test(path)) continue;
  paths[path] = {};
  for (const [method, op] of Object.entries(methods)) {
    const entry = { parameters: (op.parameters ?? []).map((p) => ({ name: p.name, in: p.in, required: p.required ?? false, schema: p.schema ?? {} })) };
    const body = op.requestBody?.content?.['application/json']?.schema;
    if (body) entry.requestBody = body;
    paths[path][method] = entry;
  }
}

const needed = new Set();
const walk = (o) => {
  if (Array.isArray(o)) return o.forEach(walk);
  if (!o || typeof o !== 'object') return;
  for (const [k, v] of Object.entries(o)) {
    if (k === '$ref') {
      const name = v.split('/').pop();
      if (!needed.has(name)) {
        needed.add(name);
        walk(schemas[name]);
      }
    } else walk(v);
  }
};
walk(paths);

const strip = (o) => {
  if (Array.isArray(o)) return o.map(strip);
  if (!o || typeof o !== 'object') return o;
  return Object.fromEntries(
    Object.entries(o)
      .filter(([k]) => !['description', 'example', 'examples', 'title'].includes(k))
      .map(([k, v]) => [k, strip(v)]),
  );
};
const sorted = (o) =>
  Array.isArray(o)
    ? o.map(sorted)
    : o && typeof o === 'object'
      ? Object.fromEntries(
          Object.keys(o)
            .sort()
            .map((k) => [k, sorted(o[k])]),
        )
      : o;
process.stdout.write(
  JSON.stringify(
    sorted({
      source: `qdrant/qdrant v${version} docs/redoc/master/openapi.json (Apache-2.0): request parts only`,
      version,
      paths: strip(paths),
      schemas: strip(Object.fromEntries([...needed].sort().map((n) => [n, schemas[n]]))),
    }),
  ) + '\n',
);
