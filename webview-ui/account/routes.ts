/** Every account route the page calls, typed; one place that knows paths and methods. */
import { routes } from '../../src/protocol/rest/routes.js';
import type { ApiClient } from './api.js';
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

export function accountApi(c: ApiClient): AccountApi {
  return {
    me: () => c.call(routes.me, {}),
    signOut: () => c.call(routes.signOut, {}),
    signOutEverywhere: () => c.call(routes.signOutEverywhere, {}),
    embedderKey: () => c.call(routes.embedderKey, {}),
    testEmbedderKey: (body) => c.call(routes.testEmbedderKey, { body }),
    saveEmbedderKey: (body) => c.call(routes.putEmbedderKey, { body }),
    removeEmbedderKey: () => c.call(routes.deleteEmbedderKey, {}),
    keys: () => c.call(routes.keys, {}),
    createKey: (body) => c.call(routes.createKey, { body }),
    revokeKey: (id) => c.call(routes.revokeKey, { path: { id } }),
    grants: () => c.call(routes.grants, {}),
    revokeGrant: (id) => c.call(routes.revokeGrant, { path: { id } }),
    channels: () => c.call(routes.channels, {}),
    providers: () => c.call(routes.providers, {}),
    linkCode: () => c.call(routes.linkCode, {}),
    redeem: (code, merge) => c.call(routes.redeem, { body: merge === undefined ? { code } : { code, merge } }),
    unlink: (ch) => c.call(routes.unlink, { path: { type: ch.type, uid: ch.uid } }),
    teams: () => c.call(routes.orgs, {}),
    createTeam: (name) => c.call(routes.createOrg, { body: { name } }),
    invite: (oid, role) => c.call(routes.invite, { path: { id: oid }, body: { role } }),
    join: (code) => c.call(routes.joinOrg, { body: { code } }),
    leave: (oid) => c.call(routes.leaveOrg, { path: { id: oid } }),
    exportAccount: () => c.text(routes.exportAccount, {}),
    deleteAccount: () => c.call(routes.deleteAccount, {}),
    connectors: () => c.call(routes.connectors, {}),
    createConnector: (body) => c.call(routes.createConnector, { body }),
    revokeConnector: (id) => c.call(routes.revokeConnector, { path: { id } }),
  };
}
