/** /v1/connectors (service mode, deployment admins only): register, list and revoke bots. */
import { Hono } from 'hono';
import { z } from 'zod';
import { rest } from '../../protocol/rest/endpoints.js';
import type { ConnectorAdmin } from '../../runtime/connectors.js';
import { principal, type KairosEnv } from '../context.js';
import { jsonBody, pathParam, route, validate } from '../request.js';

const IdParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'Not a valid connector id.' });

export function connectorRoutes(connectors: ConnectorAdmin): Hono<KairosEnv> {
  const r = new Hono<KairosEnv>();
  route(r, rest.createConnector, async (c) => {
    const body = await jsonBody(c, rest.createConnector.body);
    const { secret, info } = await connectors.create(principal(c), {
      name: body.name,
      channelType: body.channelType,
      firstContact: body.firstContact,
      ...(body.expiresAt ? { expiresAt: new Date(body.expiresAt) } : {}),
    });
    return c.json({ secret, ...info, note: 'Shown once: give it to the bot now. Kairos keeps only a hash.' }, 201);
  });
  route(r, rest.connectors, async (c) => c.json({ items: await connectors.list(principal(c)) }));
  route(r, rest.revokeConnector, async (c) => c.json({ ...(await connectors.revoke(principal(c), validate(IdParam, pathParam(c, 'id')))), revoked: true }));
  return r;
}
