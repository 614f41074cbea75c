/** Every account route the page calls, typed; one place that knows paths and methods. */
import { pathOf, type ApiClient } from './api.js';
import type {
  ApiKeyInfo,
  Channel,
  ConnectorInfo,
  CreateConnectorBody,
  CreatedConnector,
  CreateKeyBody,
  CreatedKey,
  EmbedderKeyBody,
  EmbedderKeyResponse,
  EmbedderTestResponse,
  Invite,
  Items,
  LinkCode,
  LoginProviderInfo,
  MeResponse,
  OAuthGrant,
  SpaceRole,
  Team,
} from './types.js';

export interface AccountApi {
  me(): Promise<MeResponse>;
  signOut(): Promise<unknown>;
  signOutEverywhere(): Promise<unknown>;
  embedderKey(): Promise<EmbedderKeyResponse>;
  testEmbedderKey(body: EmbedderKeyBody): Promise<EmbedderTestResponse>;
  saveEmbedderKey(body: EmbedderKeyBody): Promise<EmbedderKeyResponse>;
  removeEmbedderKey(): Promise<EmbedderKeyResponse>;
  keys(): Promise<Items<ApiKeyInfo>>;
  createKey(body: CreateKeyBody): Promise<CreatedKey>;
  revokeKey(id: string): Promise<unknown>;
  grants(): Promise<Items<OAuthGrant>>;
  revokeGrant(id: string): Promise<unknown>;
  channels(): Promise<Items<Channel>>;
  providers(): Promise<Items<LoginProviderInfo>>;
  linkCode(): Promise<LinkCode>;
  redeem(code: string, merge?: boolean): Promise<unknown>;
  unlink(channel: Pick<Channel, 'type' | 'uid'>): Promise<unknown>;
  teams(): Promise<Items<Team>>;
  createTeam(name: string): Promise<Team>;
  invite(oid: string, role: SpaceRole): Promise<Invite>;
  join(code: string): Promise<Team>;
  leave(oid: string): Promise<{ deletedOrg: boolean }>;
  exportAccount(): Promise<string>;
  deleteAccount(): Promise<{ deleted: true; deletedSpaces: string[] }>;
  /** Deployment admins only: anyone else gets 403. */
  connectors(): Promise<Items<ConnectorInfo>>;
  createConnector(body: CreateConnectorBody): Promise<CreatedConnector>;
  revokeConnector(id: string): Promise<unknown>;
}

const KEY_ROUTE = '/v1/settings/embedder-key';

export function accountApi(c: ApiClient): AccountApi {
  return {
    me: () => c.json({ method: 'GET', path: '/v1/me' }),
    signOut: () => c.json({ method: 'POST', path: '/auth/signout' }),
    signOutEverywhere: () => c.json({ method: 'POST', path: '/auth/signout-everywhere' }),
    embedderKey: () => c.json({ method: 'GET', path: KEY_ROUTE }),
    testEmbedderKey: (body) => c.json({ method: 'POST', path: `${KEY_ROUTE}/test`, json: body }),
    saveEmbedderKey: (body) => c.json({ method: 'PUT', path: KEY_ROUTE, json: body }),
    removeEmbedderKey: () => c.json({ method: 'DELETE', path: KEY_ROUTE }),
    keys: () => c.json({ method: 'GET', path: '/v1/keys' }),
    createKey: (body) => c.json({ method: 'POST', path: '/v1/keys', json: body }),
    revokeKey: (id) => c.json({ method: 'DELETE', path: pathOf('/v1/keys', id) }),
    grants: () => c.json({ method: 'GET', path: '/v1/oauth/grants' }),
    revokeGrant: (id) => c.json({ method: 'DELETE', path: pathOf('/v1/oauth/grants', id) }),
    channels: () => c.json({ method: 'GET', path: '/v1/link/channels' }),
    providers: () => c.json({ method: 'GET', path: '/auth/providers' }),
    linkCode: () => c.json({ method: 'POST', path: '/v1/link/code' }),
    redeem: (code, merge) => c.json({ method: 'POST', path: '/v1/link/redeem', json: merge === undefined ? { code } : { code, merge } }),
    unlink: (ch) => c.json({ method: 'DELETE', path: pathOf('/v1/link/channels', ch.type, ch.uid) }),
    teams: () => c.json({ method: 'GET', path: '/v1/orgs' }),
    createTeam: (name) => c.json({ method: 'POST', path: '/v1/orgs', json: { name } }),
    invite: (oid, role) => c.json({ method: 'POST', path: `${pathOf('/v1/orgs', oid)}/invites`, json: { role } }),
    join: (code) => c.json({ method: 'POST', path: '/v1/orgs/join', json: { code } }),
    leave: (oid) => c.json({ method: 'POST', path: `${pathOf('/v1/orgs', oid)}/leave` }),
    exportAccount: () => c.text({ method: 'GET', path: '/v1/me/export' }),
    deleteAccount: () => c.json({ method: 'DELETE', path: '/v1/me' }),
    connectors: () => c.json({ method: 'GET', path: '/v1/connectors' }),
    createConnector: (body) => c.json({ method: 'POST', path: '/v1/connectors', json: body }),
    revokeConnector: (id) => c.json({ method: 'DELETE', path: pathOf('/v1/connectors', id) }),
  };
}
