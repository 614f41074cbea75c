/** Every account route the page calls, typed; one place that knows paths and methods. */
import { rest } from '../../src/protocol/rest/endpoints.js';
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
    me: () => c.call(rest.me, {}),
    signOut: () => c.call(rest.signOut, {}),
    signOutEverywhere: () => c.call(rest.signOutEverywhere, {}),
    embedderKey: () => c.call(rest.embedderKey, {}),
    testEmbedderKey: (body) => c.call(rest.testEmbedderKey, { body }),
    saveEmbedderKey: (body) => c.call(rest.putEmbedderKey, { body }),
    removeEmbedderKey: () => c.call(rest.deleteEmbedderKey, {}),
    keys: () => c.call(rest.keys, {}),
    createKey: (body) => c.call(rest.createKey, { body }),
    revokeKey: (id) => c.call(rest.revokeKey, { path: { id } }),
    grants: () => c.call(rest.grants, {}),
    revokeGrant: (id) => c.call(rest.revokeGrant, { path: { id } }),
    channels: () => c.call(rest.channels, {}),
    providers: () => c.call(rest.providers, {}),
    linkCode: () => c.call(rest.linkCode, {}),
    redeem: (code, merge) => c.call(rest.redeem, { body: merge === undefined ? { code } : { code, merge } }),
    unlink: (ch) => c.call(rest.unlink, { path: { type: ch.type, uid: ch.uid } }),
    teams: () => c.call(rest.orgs, {}),
    createTeam: (name) => c.call(rest.createOrg, { body: { name } }),
    invite: (oid, role) => c.call(rest.invite, { path: { id: oid }, body: { role } }),
    join: (code) => c.call(rest.joinOrg, { body: { code } }),
    leave: (oid) => c.call(rest.leaveOrg, { path: { id: oid } }),
    exportAccount: () => c.text(rest.exportAccount, {}),
    deleteAccount: () => c.call(rest.deleteAccount, {}),
    connectors: () => c.call(rest.connectors, {}),
    createConnector: (body) => c.call(rest.createConnector, { body }),
    revokeConnector: (id) => c.call(rest.revokeConnector, { path: { id } }),
  };
}
