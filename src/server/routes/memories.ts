/** /v1/memories and /v1/search: create, list, read, update, restore, delete and search. */
import { Hono, type Context } from 'hono';
import { rest } from '../../protocol/rest/endpoints.js';
import { FileRecallParamsSchema, ListParamsSchema, MemoryIdSchema, SpaceNameSchema } from '../../protocol/schemas.js';
import type { KairosEnv } from '../context.js';
import { intParam, jsonBody, pathParam, route, single, validate } from '../request.js';

const SpaceQuerySchema = SpaceNameSchema.optional();

function spaceQuery(q: Record<string, string[]>): string | undefined {
  return validate(SpaceQuerySchema, single(q, 'space'));
}

function memoryId(c: Context): string {
  return validate(MemoryIdSchema, pathParam(c, 'id'));
}

export function memoryRoutes(): Hono<KairosEnv> {
  const r = new Hono<KairosEnv>();

  route(r, rest.create, async (c) => {
    const params = await jsonBody(c, rest.create.body);
    const result = await c.var.service.remember(params);
    return c.json(result, result.outcome === 'created' ? 201 : 200);
  });

  route(r, rest.list, async (c, q) => {
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
  route(r, rest.forFile, async (c, q) => {
    const params = validate(FileRecallParamsSchema, {
      path: single(q, 'path'),
      repo: single(q, 'repo'),
      space: single(q, 'space'),
      limit: intParam(q, 'limit'),
    });
    return c.json(await c.var.service.forFile(params));
  });

  route(r, rest.anchorCheck, async (c, q) => {
    const space = spaceQuery(q);
    const body = await jsonBody(c, rest.anchorCheck.body);
    return c.json(
      await c.var.service.recordAnchorCheck(memoryId(c), body.check, { ...(body.commit ? { commit: body.commit } : {}), ...(space ? { space } : {}) }),
    );
  });

  route(r, rest.verify, async (c, q) => {
    const space = spaceQuery(q);
    const body = await jsonBody(c, rest.verify.body);
    return c.json(await c.var.service.verify(memoryId(c), { ...(body.commit ? { commit: body.commit } : {}), ...(space ? { space } : {}) }));
  });

  route(r, rest.reanchor, async (c, q) => {
    const space = spaceQuery(q);
    const body = await jsonBody(c, rest.reanchor.body);
    return c.json(await c.var.service.reanchor(memoryId(c), body, space));
  });

  route(r, rest.get, async (c, q) => c.json(await c.var.service.get(memoryId(c), spaceQuery(q))));

  route(r, rest.update, async (c, q) => {
    const space = spaceQuery(q);
    const id = memoryId(c);
    const patch = await jsonBody(c, rest.update.body);
    return c.json(await c.var.service.update(id, patch, space));
  });

  route(r, rest.restore, async (c, q) => {
    const space = spaceQuery(q);
    const id = memoryId(c);
    const { version } = await jsonBody(c, rest.restore.body);
    return c.json(await c.var.service.restore(id, version, space));
  });

  route(r, rest.delete, async (c, q) => c.json(await c.var.service.forget(memoryId(c), spaceQuery(q))));

  route(r, rest.search, async (c) => c.json(await c.var.service.search(await jsonBody(c, rest.search.body))));

  return r;
}
