/** /v1/me, /v1/spaces, /v1/settings and /v1/console-link. */
import { Hono } from 'hono';
import type { SettingsController, SpaceInfo } from '../../protocol/messages.js';
import { rest } from '../../protocol/rest/endpoints.js';
import type { KairosEnv } from '../context.js';
import { jsonBody, route } from '../request.js';

export function accountRoutes(deps: { settings: SettingsController; consoleLink: () => string }): Hono<KairosEnv> {
  const r = new Hono<KairosEnv>();

  route(r, rest.me, (c) => {
    const { principal, spaces } = c.var.service.ctx;
    return c.json({
      principal: { uid: principal.uid, via: principal.via, ...(principal.displayName ? { displayName: principal.displayName } : {}) },
      spaces,
    });
  });

  route(r, rest.spaces, async (c) => {
    const service = c.var.service;
    const spaces: SpaceInfo[] = await Promise.all(service.spaces.map(async (g) => ({ ...g, count: await service.count(g.space) })));
    return c.json(spaces);
  });

  route(r, rest.settings, (c) => c.json(deps.settings.get(c.var.service.ctx)));

  route(r, rest.putSettings, async (c) => {
    const update = await jsonBody(c, rest.putSettings.body);
    return c.json(await deps.settings.update(update));
  });

  route(r, rest.consoleLink, (c) => c.json({ url: deps.consoleLink() }));

  return r;
}
