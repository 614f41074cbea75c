/** /v1/me, /v1/spaces, /v1/settings and /v1/console-link. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { SettingsController, SpaceInfo } from '../../protocol/messages.js';
import type { KairosEnv } from '../context.js';
import { jsonBody, queryParams } from '../request.js';

const SettingsUpdateSchema = z.strictObject({
  embedder: z
    .strictObject({
      provider: z.string().min(1).max(64),
      model: z.string().min(1).max(256).optional(),
      endpoint: z.url({ error: '"embedder.endpoint" must be a URL.' }).max(2048).optional(),
      deployment: z.string().min(1).max(256).optional(),
    })
    .optional(),
});

export function accountRoutes(deps: { settings: SettingsController; consoleLink: () => string }): Hono<KairosEnv> {
  const r = new Hono<KairosEnv>();

  r.get('/me', (c) => {
    queryParams(c, []);
    const { principal, spaces } = c.var.service.ctx;
    return c.json({
      principal: { uid: principal.uid, via: principal.via, ...(principal.displayName ? { displayName: principal.displayName } : {}) },
      spaces,
    });
  });

  r.get('/spaces', async (c) => {
    queryParams(c, []);
    const service = c.var.service;
    const spaces: SpaceInfo[] = await Promise.all(service.spaces.map(async (g) => ({ ...g, count: await service.count(g.space) })));
    return c.json(spaces);
  });

  r.get('/settings', (c) => {
    queryParams(c, []);
    return c.json(deps.settings.get(c.var.service.ctx));
  });

  r.put('/settings', async (c) => {
    queryParams(c, []);
    const update = await jsonBody(c, SettingsUpdateSchema);
    return c.json(await deps.settings.update(update));
  });

  r.post('/console-link', (c) => {
    queryParams(c, []);
    return c.json({ url: deps.consoleLink() });
  });

  return r;
}
