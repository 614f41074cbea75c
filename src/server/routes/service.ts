/**
 * Service-mode account routes: API keys, account linking, BYOK embedding key, orgs, and the
 * GDPR export / delete of /v1/me. The acting user is always the request's verified principal.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { IdParamSchema } from '../../protocol/rest/accountSchemas.js';
import { rest } from '../../protocol/rest/endpoints.js';
import type { AccountService } from '../../runtime/accounts.js';
import type { ConnectorAdmin } from '../../runtime/connectors.js';
import { connectorRoutes } from './connectors.js';
import { principal, type KairosEnv } from '../context.js';
import { jsonBody, pathParam, route, validate } from '../request.js';

const id = (c: Context, name = 'id'): string => validate(IdParamSchema, pathParam(c, name));

export function serviceRoutes(accounts: AccountService, connectors: ConnectorAdmin): Hono<KairosEnv> {
  const r = new Hono<KairosEnv>();
  r.route('/', connectorRoutes(connectors));

  route(r, rest.createKey, async (c) => {
    const body = await jsonBody(c, rest.createKey.body);
    const { key, info } = await accounts.createKey(principal(c), {
      name: body.name,
      scopes: body.scopes,
      ...(body.expiresAt ? { expiresAt: new Date(body.expiresAt) } : {}),
    });
    return c.json({ key, ...info, note: 'Shown once: store it now. Kairos keeps only a hash.' }, 201);
  });
  route(r, rest.keys, async (c) => c.json({ items: await accounts.listKeys(principal(c)) }));
  route(r, rest.revokeKey, async (c) => {
    const keyId = id(c);
    await accounts.revokeKey(principal(c), keyId);
    return c.json({ id: keyId, revoked: true });
  });

  route(r, rest.linkCode, async (c) => c.json(await accounts.createLinkCode(principal(c)), 201));
  route(r, rest.redeem, async (c) => {
    const { code, merge } = await jsonBody(c, rest.redeem.body);
    const out = await accounts.redeemLinkCode(principal(c), code, merge === undefined ? {} : { merge });
    return c.json({ linked: true, channel: out.channel, uid: out.uid, ...(out.merged ? { merged: out.merged } : {}) });
  });
  route(r, rest.channels, async (c) => c.json({ items: await accounts.listChannels(principal(c)) }));
  route(r, rest.unlink, async (c) => {
    const channel = { type: validate(z.string().min(1).max(64), pathParam(c, 'type')), uid: validate(z.string().min(1).max(512), pathParam(c, 'uid')) };
    await accounts.unlink(principal(c), channel);
    return c.json({ unlinked: true });
  });

  route(r, rest.embedderKey, async (c) => c.json({ embedderKey: await accounts.getEmbedderKey(principal(c)) }));
  route(r, rest.putEmbedderKey, async (c) => {
    const body = await jsonBody(c, rest.putEmbedderKey.body);
    return c.json({ embedderKey: await accounts.putEmbedderKey(principal(c), body) });
  });
  route(r, rest.testEmbedderKey, async (c) => c.json(await accounts.testEmbedderKey(principal(c), await jsonBody(c, rest.testEmbedderKey.body))));
  route(r, rest.deleteEmbedderKey, async (c) => {
    await accounts.deleteEmbedderKey(principal(c));
    return c.json({ embedderKey: null });
  });

  route(r, rest.grants, async (c) => {
    const items = await accounts.listGrants(principal(c));
    return c.json({ items: items.map(({ uid: _uid, ...g }) => g) });
  });
  route(r, rest.revokeGrant, async (c) => {
    const grantId = id(c);
    await accounts.revokeGrant(principal(c), grantId);
    return c.json({ id: grantId, revoked: true });
  });

  route(r, rest.createOrg, async (c) => {
    const { name } = await jsonBody(c, rest.createOrg.body);
    return c.json(await accounts.createOrg(principal(c), name), 201);
  });
  route(r, rest.orgs, async (c) => c.json({ items: await accounts.listOrgs(principal(c)) }));
  route(r, rest.joinOrg, async (c) => {
    const { code } = await jsonBody(c, rest.joinOrg.body);
    return c.json(await accounts.join(principal(c), code));
  });
  route(r, rest.invite, async (c) => {
    const { role } = await jsonBody(c, rest.invite.body);
    return c.json(await accounts.invite(principal(c), id(c), role), 201);
  });
  route(r, rest.orgEmbedderKey, async (c) => c.json({ embedderKey: await accounts.getOrgEmbedderKey(principal(c), id(c)) }));
  route(r, rest.putOrgEmbedderKey, async (c) => {
    const oid = id(c);
    const body = await jsonBody(c, rest.putOrgEmbedderKey.body);
    return c.json({ embedderKey: await accounts.putOrgEmbedderKey(principal(c), oid, body) });
  });
  route(r, rest.deleteOrgEmbedderKey, async (c) => {
    await accounts.deleteOrgEmbedderKey(principal(c), id(c));
    return c.json({ embedderKey: null });
  });
  route(r, rest.removeMember, async (c) => {
    await accounts.removeMember(principal(c), id(c), id(c, 'uid'));
    return c.json({ removed: true });
  });
  route(r, rest.leaveOrg, async (c) => c.json(await accounts.leave(principal(c), id(c))));

  route(r, rest.exportAccount, async (c) => {
    const service = c.var.service;
    const identity = await accounts.exportIdentity(principal(c));
    const memories = [];
    for await (const m of service.export()) memories.push(m);
    return c.json({ ...identity, memories });
  });
  route(r, rest.deleteAccount, async (c) => c.json({ deleted: true, ...(await accounts.deleteAccount(principal(c))) }));

  return r;
}
