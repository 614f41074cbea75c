/**
 * Shapes of the service-mode account routes the page calls (docs/rest-api.md). Server types are
 * imported as types only, so none of their (Node) code reaches the browser bundle.
 */
import type { SpaceRole } from '../../src/core/tenancy.js';
import type { ApiKeyInfo, Scope } from '../../src/identity/apiKeys.js';
import type { ConnectorInfo, FirstContactPolicy } from '../../src/identity/connectors.js';
import type { EmbeddingSettingsView } from '../../src/identity/embeddingSettings.js';
import type { Membership } from '../../src/identity/orgs.js';
import type { KeyedProvider as EmbedderProvider } from '../../src/protocol/embedders.js';
import type { SpaceInfo } from '../../src/protocol/messages.js';

export type { ApiKeyInfo, EmbeddingSettingsView, Scope, SpaceRole };

export type { EmbedderProvider };

export const KEY_SCOPES: readonly Scope[] = ['read', 'write', 'admin'];
export const TEAM_ROLES: readonly SpaceRole[] = ['owner', 'writer', 'reader'];

export interface MeResponse {
  principal: { uid: string; via: string; displayName?: string };
  spaces: SpaceInfo[];
}

/** The stored key as the server shows it; `keyHint` is accepted too should the server send one. */
export type EmbedderKeyView = EmbeddingSettingsView & { keyHint?: string };

export interface EmbedderKeyResponse {
  embedderKey: EmbedderKeyView | null;
}

/** Body of PUT /v1/settings/embedder-key and of its /test route. */
export interface EmbedderKeyBody {
  provider: EmbedderProvider;
  apiKey: string;
  model?: string;
  endpoint?: string;
  deployment?: string;
}

export interface EmbedderTestResponse {
  ok: true;
  dimension: number;
}

export interface CreateKeyBody {
  name: string;
  scopes: Scope[];
  expiresAt?: string;
}

export type CreatedKey = ApiKeyInfo & { key: string; note?: string };

export type { ConnectorInfo, FirstContactPolicy };
export type CreatedConnector = ConnectorInfo & { secret: string; note?: string };
export interface CreateConnectorBody {
  name: string;
  channelType: string;
  firstContact: FirstContactPolicy;
  expiresAt?: string;
}

export interface OAuthGrant {
  id: string;
  clientId: string;
  clientName: string | null;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

export interface Channel {
  type: string;
  uid: string;
  createdAt?: string;
  lastSeenAt?: string | null;
  /** The name or email the provider reported at the last sign-in. */
  displayName?: string | null;
}

export interface LoginProviderInfo {
  id: string;
  name: string;
  kind?: 'oidc' | 'github';
  /** OIDC providers: names the `oidc` channels whose uid starts with it. */
  issuer?: string;
}

export interface LinkCode {
  code: string;
  expiresAt: string;
}

export type Team = Membership & { space: string };

export interface Invite {
  code: string;
  expiresAt: string;
  role: SpaceRole;
}

export interface Items<T> {
  items: T[];
}
