/**
 * Service-mode account routes: API keys, account linking, BYOK embedding key, orgs, and the
 * GDPR export / delete of /v1/me. The acting user is always the request's verified principal.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { SCOPES } from '../../identity/apiKeys.js';
import { ROLES } from '../../identity/orgs.js';
import { KEYED_PROVIDERS } from '../../protocol/embedders.js';
import type { AccountService } from '../../runtime/accounts.js';
import type { ConnectorAdmin } from '../../runtime/connectors.js';
import { connectorRoutes } from './connectors.js';
import { principal, type KairosEnv } from '../context.js';
import { jsonBody, queryParams, validate } from '../request.js';

const IdParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'Not a valid id.' });
const CodeSchema = z.string().trim().min(4).max(64);

const CreateKeySchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(SCOPES)).min(1).max(3).default(['read', 'write']),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
const RedeemSchema = z.strictObject({ code: CodeSchema, merge: z.boolean().optional() });
const EmbedderKeySchema = z.strictObject({
  provider: z.enum(KEYED_PROVIDERS),
  apiKey: z.string().trim().min(8).max(512),
  model: z.string().trim().min(1).max(256).optional(),
  endpoint: z.url({ protocol: /^https?$/ }).max(2048).optional(),
  deployment: z.string().trim().min(1).max(256).optional(),
});
const CreateOrgSchema = z.strictObject({ name: z.string().trim().min(1).max(100) });
const InviteSchema = z.strictObject({ role: z.enum(ROLES).default('writer') });
const JoinSchema = z.strictObject({ code: CodeSchema });


export function serviceRoutes(accounts: AccountService, connectors: ConnectorAdmin): Hono<KairosEnv> {
  const r = new Hono<KairosEnv>();
  r.route('/', connectorRoutes(connectors));

  r.post('/keys', async (c) => {
    queryParams(c, []);
    const body = await jsonBody(c, CreateKeySchema);
    const { key, info } = await accounts.createKey(principal(c), {
      name: body.name,
      scopes: body.scopes,
      ...(body.expiresAt ? { expiresAt: new Date(body.expiresAt) } : {}),
    });
    return c.json({ key, ...info, note: 'Shown once: store it now. Kairos keeps only a hash.' }, 201);
  });
  r.get('/keys', async (c) => {
    queryParams(c, []);
    return c.json({ items: await accounts.listKeys(principal(c)) });
  });
  r.delete('/keys/:id', async (c) => {
    queryParams(c, []);
    await accounts.revokeKey(principal(c), validate(IdParam, c.req.param('id')));
    return c.json({ id: c.req.param('id'), revoked: true });
  });

  r.post('/link/code', async (c) => {
    queryParams(c, []);
    return c.json(await accounts.createLinkCode(principal(c)), 201);
  });
  r.post('/link/redeem', async (c) => {
    queryParams(c, []);
    const { code, merge } = await jsonBody(c, RedeemSchema);
    const out = await accounts.redeemLinkCode(principal(c), code, merge === undefined ? {} : { merge });
    return c.json({ linked: true, channel: out.channel, uid: out.uid, ...(out.merged ? { merged: out.merged } : {}) });
  });
  r.get('/link/channels', async (c) => {
    queryParams(c, []);
    return c.json({ items: await accounts.listChannels(principal(c)) });
  });
  r.delete('/link/channels/:type/:uid', async (c) => {
    queryParams(c, []);
    const channel = { type: validate(z.string().min(1).max(64), c.req.param('type')), uid: validate(z.string().min(1).max(512), c.req.param('uid')) };
    await accounts.unlink(principal(c), channel);
    return c.json({ unlinked: true });
  });

  r.get('/settings/embedder-key', async (c) => {
    queryParams(c, []);
    return c.json({ embedderKey: await accounts.getEmbedderKey(principal(c)) });
  });
  r.put('/settings/embedder-key', async (c) => {
    queryParams(c, []);
    const body = await jsonBody(c, EmbedderKeySchema);
    return c.json({ embedderKey: await accounts.putEmbedderKey(principal(c), body) });
  });

  r.post('/settings/embedder-key/test', async (c) => {
    queryParams(c, []);
    return c.json(await accounts.testEmbedderKey(principal(c), await jsonBody(c, EmbedderKeySchema)));
  });
  r.delete('/settings/embedder-key', async (c) => {
    queryParams(c, []);
    await accounts.deleteEmbedderKey(principal(c));
    return c.json({ embedderKey: null });
  });

  r.get('/oauth/grants', async (c) => {
    queryParams(c, []);
    const items = await accounts.listGrants(principal(c));
    return c.json({ items: items.map(({ uid: _uid, ...g }) => g) });
  });
  r.delete('/oauth/grants/:id', async (c) => {
    queryParams(c, []);
    const id = validate(IdParam, c.req.param('id'));
    await accounts.revokeGrant(principal(c), id);
    return c.json({ id, revoked: true });
  });

  r.post('/orgs', async (c) => {
    queryParams(c, []);
    const { name } = await jsonBody(c, CreateOrgSchema);
    return c.json(await accounts.createOrg(principal(c), name), 201);
  });
  r.get('/orgs', async (c) => {
    queryParams(c, []);
    return c.json({ items: await accounts.listOrgs(principal(c)) });
  });
  r.post('/orgs/join', async (c) => {
    queryParams(c, []);
    const { code } = await jsonBody(c, JoinSchema);
    return c.json(await accounts.join(principal(c), code));
  });
  r.post('/orgs/:id/invites', async (c) => {
    queryParams(c, []);
    const { role } = await jsonBody(c, InviteSchema);
    return c.json(await accounts.invite(principal(c), validate(IdParam, c.req.param('id')), role), 201);
  });
  r.get('/orgs/:id/settings/embedder-key', async (c) => {
    queryParams(c, []);
    return c.json({ embedderKey: await accounts.getOrgEmbedderKey(principal(c), validate(IdParam, c.req.param('id'))) });
  });
  r.put('/orgs/:id/settings/embedder-key', async (c) => {
    queryParams(c, []);
    const oid = validate(IdParam, c.req.param('id'));
    const body = await jsonBody(c, EmbedderKeySchema);
    return c.json({ embedderKey: await accounts.putOrgEmbedderKey(principal(c), oid, body) });
  });
  r.delete('/orgs/:id/settings/embedder-key', async (c) => {
    queryParams(c, []);
    await accounts.deleteOrgEmbedderKey(principal(c), validate(IdParam, c.req.param('id')));
    return c.json({ embedderKey: null });
  });
  r.delete('/orgs/:id/members/:uid', async (c) => {
    queryParams(c, []);
    await accounts.removeMember(principal(c), validate(IdParam, c.req.param('id')), validate(IdParam, c.req.param('uid')));
    return c.json({ removed: true });
  });
  r.post('/orgs/:id/leave', async (c) => {
    queryParams(c, []);
    return c.json(await accounts.leave(principal(c), validate(IdParam, c.req.param('id'))));
  });

  r.get('/me/export', async (c) => {
    queryParams(c, []);
    const service = c.var.service;
    const identity = await accounts.exportIdentity(principal(c));
    const memories = [];
    for await (const m of service.export()) memories.push(m);
    return c.json({ ...identity, memories });
  });
  r.delete('/me', async (c) => {
    queryParams(c, []);
    return c.json({ deleted: true, ...(await accounts.deleteAccount(principal(c))) });
  });

  return r;
}
