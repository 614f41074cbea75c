/** /v1/memories and /v1/search: create, list, read, update, restore, delete and search. */
import { Hono } from 'hono';
import { z } from 'zod';
import {
  AnchorCheckSchema,
  FileRecallParamsSchema,
  ListParamsSchema,
  MemoryIdSchema,
  ReanchorSchema,
  RememberParamsSchema,
  SearchParamsSchema,
  SpaceNameSchema,
  UpdatePatchSchema,
  VersionSchema,
} from '../../protocol/schemas.js';
import type { KairosEnv } from '../context.js';
import { intParam, jsonBody, queryParams, single, validate } from '../request.js';

const RestoreBodySchema = z.strictObject({ version: VersionSchema });
const CommitSchema = z.string().min(1).max(64).optional();
const AnchorCheckBodySchema = z.strictObject({ check: AnchorCheckSchema, commit: CommitSchema });
const VerifyBodySchema = z.strictObject({ commit: CommitSchema });
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
    const q = queryParams(c, ['space', 'limit', 'cursor', 'tag', 'source', 'since', 'until', 'repo', 'path', 'stale']);
    const stale = single(q, 'stale');
    const filter = {
      ...(q.tag ? { tags: q.tag } : {}),
      ...(q.source ? { sourceKinds: q.source } : {}),
      ...(q.since ? { since: single(q, 'since') } : {}),
      ...(q.until ? { until: single(q, 'until') } : {}),
      ...(q.repo ? { repo: single(q, 'repo') } : {}),
      ...(q.path ? { path: single(q, 'path') } : {}),
      // Anything but true/false reaches zod as a string and is refused there.
      ...(stale !== undefined ? { stale: stale === 'true' ? true : stale === 'false' ? false : stale } : {}),
    };
    const params = validate(ListParamsSchema, {
      space: single(q, 'space'),
      limit: intParam(q, 'limit'),
      cursor: single(q, 'cursor'),
      ...(Object.keys(filter).length ? { filter } : {}),
    });
    return c.json(await c.var.service.list(params));
  });

  // Registered before /memories/:id so "for-file" is not read as an id.
  r.get('/memories/for-file', async (c) => {
    const q = queryParams(c, ['path', 'repo', 'space', 'limit']);
    const params = validate(FileRecallParamsSchema, { path: single(q, 'path'), repo: single(q, 'repo'), space: single(q, 'space'), limit: intParam(q, 'limit') });
    return c.json(await c.var.service.forFile(params));
  });

  r.post('/memories/:id/anchor-check', async (c) => {
    const space = spaceQuery(queryParams(c, ['space']));
    const body = await jsonBody(c, AnchorCheckBodySchema);
    return c.json(await c.var.service.recordAnchorCheck(memoryId(c.req.param('id')), body.check, { ...(body.commit ? { commit: body.commit } : {}), ...(space ? { space } : {}) }));
  });

  r.post('/memories/:id/verify', async (c) => {
    const space = spaceQuery(queryParams(c, ['space']));
    const body = await jsonBody(c, VerifyBodySchema);
    return c.json(await c.var.service.verify(memoryId(c.req.param('id')), { ...(body.commit ? { commit: body.commit } : {}), ...(space ? { space } : {}) }));
  });

  r.post('/memories/:id/reanchor', async (c) => {
    const space = spaceQuery(queryParams(c, ['space']));
    const body = await jsonBody(c, ReanchorSchema);
    return c.json(await c.var.service.reanchor(memoryId(c.req.param('id')), body, space));
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
