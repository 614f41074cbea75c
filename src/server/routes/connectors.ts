/** /v1/connectors (service mode, deployment admins only): register, list and revoke bots. */
import { Hono } from 'hono';
import { z } from 'zod';
import { ChannelTypeSchema, FIRST_CONTACT_POLICIES } from '../../identity/connectors.js';
import type { ConnectorAdmin } from '../../runtime/connectors.js';
import { principal, type KairosEnv } from '../context.js';
import { jsonBody, queryParams, validate } from '../request.js';

const CreateConnectorSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  channelType: ChannelTypeSchema,
  firstContact: z.enum(FIRST_CONTACT_POLICIES).default('refuse'),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
const IdParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'Not a valid connector id.' });

export function connectorRoutes(connectors: ConnectorAdmin): Hono<KairosEnv> {
  const r = new Hono<KairosEnv>();
  r.post('/connectors', async (c) => {
    queryParams(c, []);
    const body = await jsonBody(c, CreateConnectorSchema);
    const { secret, info } = await connectors.create(principal(c), {
      name: body.name,
      channelType: body.channelType,
      firstContact: body.firstContact,
      ...(body.expiresAt ? { expiresAt: new Date(body.expiresAt) } : {}),
    });
    return c.json({ secret, ...info, note: 'Shown once: give it to the bot now. Kairos keeps only a hash.' }, 201);
  });
  r.get('/connectors', async (c) => {
    queryParams(c, []);
    return c.json({ items: await connectors.list(principal(c)) });
  });
  r.delete('/connectors/:id', async (c) => {
    queryParams(c, []);
    return c.json({ ...(await connectors.revoke(principal(c), validate(IdParam, c.req.param('id')))), revoked: true });
  });
  return r;
}
