/** /v1/memories and /v1/search: create, list, read, update, restore, delete and search. */
import { Hono } from 'hono';
import { z } from 'zod';
import {
  ListParamsSchema,
  MemoryIdSchema,
  RememberParamsSchema,
  SearchParamsSchema,
  SpaceNameSchema,
  UpdatePatchSchema,
  VersionSchema,
} from '../../protocol/schemas.js';
import type { KairosEnv } from '../context.js';
import { intParam, jsonBody, queryParams, single, validate } from '../request.js';

const RestoreBodySchema = z.strictObject({ version: VersionSchema });
const SpaceQuerySchema = SpaceNameSchema.optional();

function spaceQuery(q: Record<string, string[]>): string | undefined {
  return validate(SpaceQuerySchema, single(q, 'space'));
}

function memoryId(raw: string): string {
  return validate(MemoryIdSchema, raw);
}

export function memoryRoutes(): Hono<KairosEnv> {
  const r = new Hono<KairosEnv>();

  r.post('/memories', async (c) => {
    queryParams(c, []);
    const params = await jsonBody(c, RememberParamsSchema);
    const result = await c.var.service.remember(params);
    return c.json(result, result.outcome === 'created' ? 201 : 200);
  });

  r.get('/memories', async (c) => {
    const q = queryParams(c, ['space', 'limit', 'cursor', 'tag', 'source', 'since', 'until']);
    const filter = {
      ...(q.tag ? { tags: q.tag } : {}),
      ...(q.source ? { sourceKinds: q.source } : {}),
      ...(q.since ? { since: single(q, 'since') } : {}),
      ...(q.until ? { until: single(q, 'until') } : {}),
    };
    const params = validate(ListParamsSchema, {
      space: single(q, 'space'),
      limit: intParam(q, 'limit'),
      cursor: single(q, 'cursor'),
      ...(Object.keys(filter).length ? { filter } : {}),
    });
    return c.json(await c.var.service.list(params));
  });

  r.get('/memories/:id', async (c) => {
    const space = spaceQuery(queryParams(c, ['space']));
    return c.json(await c.var.service.get(memoryId(c.req.param('id')), space));
  });

  r.patch('/memories/:id', async (c) => {
    const space = spaceQuery(queryParams(c, ['space']));
    const id = memoryId(c.req.param('id'));
    const patch = await jsonBody(c, UpdatePatchSchema);
    return c.json(await c.var.service.update(id, patch, space));
  });

  r.post('/memories/:id/restore', async (c) => {
    const space = spaceQuery(queryParams(c, ['space']));
    const id = memoryId(c.req.param('id'));
    const { version } = await jsonBody(c, RestoreBodySchema);
    return c.json(await c.var.service.restore(id, version, space));
  });

  r.delete('/memories/:id', async (c) => {
    const space = spaceQuery(queryParams(c, ['space']));
    return c.json(await c.var.service.forget(memoryId(c.req.param('id')), space));
  });

  r.post('/search', async (c) => {
    queryParams(c, []);
    const params = await jsonBody(c, SearchParamsSchema);
    return c.json(await c.var.service.search(params));
  });

  return r;
}
