/**
 * Local-mode only routes: editor windows registering their per-window bearer (/v1/clients), and
 * "delete all my data" (/v1/me/data). Service mode has its own GDPR delete (DELETE /v1/me).
 */
import { Hono, type Context } from 'hono';
import { KairosError } from '../../core/errors.js';
import { ClientIdSchema } from '../../protocol/rest/accountSchemas.js';
import { rest } from '../../protocol/rest/endpoints.js';
import type { ClientRegistry } from '../../runtime/clients.js';
import type { KairosEnv } from '../context.js';
import { jsonBody, pathParam, route, validate } from '../request.js';

export interface LocalRouteDeps {
  clients: ClientRegistry;
  /** True when this engine stops once its last client leaves (started by an editor). */
  exitsWhenUnused: boolean;
}

/** Registering clients needs the data dir's token: a per-window token cannot mint others. */
function requireDataDirToken(c: Context<KairosEnv>): void {
  if (c.var.via !== 'bearer') {
    throw new KairosError('forbidden', 'Only the data dir token (see `kairos token`) can register or unregister clients.');
  }
}

export function localRoutes(deps: LocalRouteDeps): Hono<KairosEnv> {
  const r = new Hono<KairosEnv>();

  route(r, rest.registerClient, async (c) => {
    requireDataDirToken(c);
    const { id, token, pid } = await jsonBody(c, rest.registerClient.body);
    deps.clients.register(id, token, pid);
    return c.json({ id, registered: true }, 201);
  });

  route(r, rest.unregisterClient, (c) => {
    requireDataDirToken(c);
    const id = validate(ClientIdSchema, pathParam(c, 'id'));
    if (!deps.clients.unregister(id)) throw new KairosError('not_found', `No client "${id}" is registered.`);
    const remaining = deps.clients.size;
    return c.json({ id, unregistered: true, remaining, stopping: remaining === 0 && deps.exitsWhenUnused });
  });

  route(r, rest.deleteLocalData, async (c) => {
    const service = c.var.service;
    const spaces: Array<{ space: string; memories: number }> = [];
    for (const g of service.spaces.filter((s) => s.role === 'owner')) {
      const memories = await service.count(g.space);
      await service.dropSpace(g.space);
      spaces.push({ space: g.space, memories });
    }
    return c.json({ deleted: true, memories: spaces.reduce((n, s) => n + s.memories, 0), spaces });
  });

  return r;
}
