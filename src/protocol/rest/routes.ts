/**
 * Every route of the Kairos REST API (docs/rest-api.md): method, path and query names, without
 * schemas, so that importing it costs nothing. protocol/rest/endpoints.ts adds the schemas.
 */
import type { Endpoint, Method } from './endpoint.js';

function r<
  const P extends string,
  const Q extends string = never,
  const B extends 'json' | 'raw' | undefined = undefined,
  const A extends 'json' | 'ndjson' | 'sse' = 'json',
>(method: Method, path: P, opts: { query?: readonly Q[]; body?: B; answer?: A } = {}): Endpoint<P, Q, B, A> {
  return { method, path, query: opts.query ?? [], body: opts.body as B, answer: opts.answer ?? ('json' as A) };
}

const SPACE = ['space'] as const;
const json = 'json';
/** GET /v1/memories: the list filter travels as repeatable query parameters (protocol/rest/query.ts). */
export const LIST_QUERY = ['space', 'limit', 'cursor', 'tag', 'source', 'since', 'until', 'repo', 'path', 'stale'] as const;
export const FOR_FILE_QUERY = ['path', 'repo', 'space', 'limit'] as const;

export const routes = {
  // Memories.
  create: r('POST', '/v1/memories', { body: json }),
  list: r('GET', '/v1/memories', { query: LIST_QUERY }),
  forFile: r('GET', '/v1/memories/for-file', { query: FOR_FILE_QUERY }),
  anchorCheck: r('POST', '/v1/memories/:id/anchor-check', { query: SPACE, body: json }),
  verify: r('POST', '/v1/memories/:id/verify', { query: SPACE, body: json }),
  reanchor: r('POST', '/v1/memories/:id/reanchor', { query: SPACE, body: json }),
  get: r('GET', '/v1/memories/:id', { query: SPACE }),
  update: r('PATCH', '/v1/memories/:id', { query: SPACE, body: json }),
  restore: r('POST', '/v1/memories/:id/restore', { query: SPACE, body: json }),
  delete: r('DELETE', '/v1/memories/:id', { query: SPACE }),
  search: r('POST', '/v1/search', { body: json }),

  // Bulk data, streamed.
  export: r('GET', '/v1/export', { query: SPACE, answer: 'ndjson' }),
  import: r('POST', '/v1/import', { query: ['space', 'format'], body: 'raw' }),
  reembed: r('POST', '/v1/reembed', { query: SPACE, answer: 'ndjson' }),
  events: r('GET', '/v1/events', { query: ['lastEventId'], answer: 'sse' }),

  // The caller's account, local or service.
  me: r('GET', '/v1/me'),
  spaces: r('GET', '/v1/spaces'),
  settings: r('GET', '/v1/settings'),
  putSettings: r('PUT', '/v1/settings', { body: json }),
  consoleLink: r('POST', '/v1/console-link'),

  // Local engine only.
  registerClient: r('POST', '/v1/clients', { body: json }),
  unregisterClient: r('DELETE', '/v1/clients/:id'),
  deleteLocalData: r('DELETE', '/v1/me/data'),

  // Shared service only: keys, linking, BYOK, grants, orgs, GDPR, connectors.
  createKey: r('POST', '/v1/keys', { body: json }),
  keys: r('GET', '/v1/keys'),
  revokeKey: r('DELETE', '/v1/keys/:id'),
  linkCode: r('POST', '/v1/link/code'),
  redeem: r('POST', '/v1/link/redeem', { body: json }),
  channels: r('GET', '/v1/link/channels'),
  unlink: r('DELETE', '/v1/link/channels/:type/:uid'),
  embedderKey: r('GET', '/v1/settings/embedder-key'),
  putEmbedderKey: r('PUT', '/v1/settings/embedder-key', { body: json }),
  testEmbedderKey: r('POST', '/v1/settings/embedder-key/test', { body: json }),
  deleteEmbedderKey: r('DELETE', '/v1/settings/embedder-key'),
  grants: r('GET', '/v1/oauth/grants'),
  revokeGrant: r('DELETE', '/v1/oauth/grants/:id'),
  createOrg: r('POST', '/v1/orgs', { body: json }),
  orgs: r('GET', '/v1/orgs'),
  joinOrg: r('POST', '/v1/orgs/join', { body: json }),
  invite: r('POST', '/v1/orgs/:id/invites', { body: json }),
  orgEmbedderKey: r('GET', '/v1/orgs/:id/settings/embedder-key'),
  putOrgEmbedderKey: r('PUT', '/v1/orgs/:id/settings/embedder-key', { body: json }),
  deleteOrgEmbedderKey: r('DELETE', '/v1/orgs/:id/settings/embedder-key'),
  removeMember: r('DELETE', '/v1/orgs/:id/members/:uid'),
  leaveOrg: r('POST', '/v1/orgs/:id/leave'),
  exportAccount: r('GET', '/v1/me/export'),
  deleteAccount: r('DELETE', '/v1/me'),
  createConnector: r('POST', '/v1/connectors', { body: json }),
  connectors: r('GET', '/v1/connectors'),
  revokeConnector: r('DELETE', '/v1/connectors/:id'),

  // Web sign-in (service mode, outside /v1): the Account page's calls.
  providers: r('GET', '/auth/providers'),
  signOut: r('POST', '/auth/signout'),
  signOutEverywhere: r('POST', '/auth/signout-everywhere'),
} as const;

export type RouteName = keyof typeof routes;
