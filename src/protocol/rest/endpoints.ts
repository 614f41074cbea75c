/**
 * The Kairos REST contract: every route the server answers and every client calls, in one table
 * (docs/rest-api.md describes them for people). Answers are checked by outline only (an object
 * with these fields): enough to tell a Kairos answer from anything else, cheap on every call.
 */
import { z } from 'zod';
import type { Memory, MemoryWithHistory, Page, RememberResult } from '../../core/memory.js';
import type { FileRecallItem, ImportSummary, SpaceSearchHit } from '../../core/memoryService.js';
import type { SettingsView, SpaceInfo } from '../messages.js';
import {
  AnchorCheckSchema,
  FileRecallParamsSchema,
  ReanchorSchema,
  RememberParamsSchema,
  SearchParamsSchema,
  UpdatePatchSchema,
  VersionSchema,
} from '../schemas.js';
import {
  CreateConnectorSchema,
  CreateKeySchema,
  CreateOrgSchema,
  EmbedderKeySchema,
  InviteSchema,
  JoinSchema,
  RedeemSchema,
  RegisterClientSchema,
  SettingsUpdateSchema,
} from './accountSchemas.js';
import { endpoint } from './endpoint.js';

/** An answer schema that checks an outline and types the whole answer as T. */
function answer<T>(shape: z.ZodRawShape = {}): z.ZodType<T> {
  return z.looseObject(shape) as unknown as z.ZodType<T>;
}
function list<T>(item: z.ZodRawShape): z.ZodType<T> {
  return z.array(z.looseObject(item)) as unknown as z.ZodType<T>;
}

const memory = { id: z.string(), space: z.string(), text: z.string(), version: z.number() };
const page = { items: z.array(z.unknown()), nextCursor: z.string().optional() };
const items = { items: z.array(z.unknown()) };

const CommitSchema = z.string().min(1).max(64).optional();
export const AnchorCheckBodySchema = z.strictObject({ check: AnchorCheckSchema, commit: CommitSchema });
export const VerifyBodySchema = z.strictObject({ commit: CommitSchema });
export const RestoreBodySchema = z.strictObject({ version: VersionSchema });

const SPACE = ['space'] as const;
/** GET /v1/memories: the list filter travels as repeatable query parameters (protocol/rest/query.ts). */
export const LIST_QUERY = ['space', 'limit', 'cursor', 'tag', 'source', 'since', 'until', 'repo', 'path', 'stale'] as const;

export interface ClientRegistered {
  id: string;
  registered: true;
}
export interface ClientUnregistered {
  id: string;
  unregistered: true;
  remaining: number;
  stopping: boolean;
}

export const rest = {
  // Memories (docs/rest-api.md#memories).
  create: endpoint('POST', '/v1/memories', { body: RememberParamsSchema, answer: answer<RememberResult>({ outcome: z.string(), memory: z.looseObject(memory) }) }),
  list: endpoint('GET', '/v1/memories', { query: LIST_QUERY, answer: answer<Page<Memory>>(page) }),
  forFile: endpoint('GET', '/v1/memories/for-file', {
    query: Object.keys(FileRecallParamsSchema.shape) as Array<keyof typeof FileRecallParamsSchema.shape>,
    answer: answer<{ items: FileRecallItem[] }>(items),
  }),
  anchorCheck: endpoint('POST', '/v1/memories/:id/anchor-check', { query: SPACE, body: AnchorCheckBodySchema, answer: answer<Memory>(memory) }),
  verify: endpoint('POST', '/v1/memories/:id/verify', { query: SPACE, body: VerifyBodySchema, answer: answer<Memory>(memory) }),
  reanchor: endpoint('POST', '/v1/memories/:id/reanchor', { query: SPACE, body: ReanchorSchema, answer: answer<Memory>(memory) }),
  get: endpoint('GET', '/v1/memories/:id', { query: SPACE, answer: answer<MemoryWithHistory>(memory) }),
  update: endpoint('PATCH', '/v1/memories/:id', { query: SPACE, body: UpdatePatchSchema, answer: answer<Memory>(memory) }),
  restore: endpoint('POST', '/v1/memories/:id/restore', { query: SPACE, body: RestoreBodySchema, answer: answer<Memory>(memory) }),
  delete: endpoint('DELETE', '/v1/memories/:id', { query: SPACE, answer: answer<{ id: string; space: string }>({ id: z.string(), space: z.string() }) }),
  search: endpoint('POST', '/v1/search', { body: SearchParamsSchema, answer: answer<Page<SpaceSearchHit>>(page) }),

  // Bulk data, streamed.
  export: endpoint('GET', '/v1/export', { query: SPACE, answer: 'ndjson' }),
  import: endpoint('POST', '/v1/import', { query: ['space', 'format'], body: 'raw', answer: answer<ImportSummary>({ created: z.number(), failed: z.number() }) }),
  reembed: endpoint('POST', '/v1/reembed', { query: SPACE, answer: 'ndjson' }),
  events: endpoint('GET', '/v1/events', { query: ['lastEventId'], answer: 'sse' }),

  // The account of the caller, local or service.
  me: endpoint('GET', '/v1/me', { answer: answer<{ principal: { uid: string; via: string; displayName?: string }; spaces: SpaceInfo[] }>({ principal: z.looseObject({ uid: z.string() }) }) }),
  spaces: endpoint('GET', '/v1/spaces', { answer: list<SpaceInfo[]>({ space: z.string() }) }),
  settings: endpoint('GET', '/v1/settings', { answer: answer<SettingsView>({ embedder: z.unknown() }) }),
  putSettings: endpoint('PUT', '/v1/settings', { body: SettingsUpdateSchema, answer: answer<SettingsView>({ embedder: z.unknown() }) }),
  consoleLink: endpoint('POST', '/v1/console-link', { answer: answer<{ url: string }>({ url: z.string() }) }),

  // Local engine only.
  registerClient: endpoint('POST', '/v1/clients', { body: RegisterClientSchema, answer: answer<ClientRegistered>({ registered: z.literal(true) }) }),
  unregisterClient: endpoint('DELETE', '/v1/clients/:id', { answer: answer<ClientUnregistered>({ unregistered: z.literal(true), remaining: z.number() }) }),
  deleteLocalData: endpoint('DELETE', '/v1/me/data', { answer: answer<{ deleted: true; memories: number; spaces: Array<{ space: string; memories: number }> }>({ memories: z.number(), spaces: z.array(z.unknown()) }) }),

  // Shared service only: keys, linking, BYOK, grants, orgs, GDPR, connectors.
  createKey: endpoint('POST', '/v1/keys', { body: CreateKeySchema, answer: answer({ key: z.string() }) }),
  keys: endpoint('GET', '/v1/keys', { answer: answer(items) }),
  revokeKey: endpoint('DELETE', '/v1/keys/:id', { answer: answer({ revoked: z.literal(true) }) }),
  linkCode: endpoint('POST', '/v1/link/code', { answer: answer({ code: z.string() }) }),
  redeem: endpoint('POST', '/v1/link/redeem', { body: RedeemSchema, answer: answer({ linked: z.literal(true) }) }),
  channels: endpoint('GET', '/v1/link/channels', { answer: answer(items) }),
  unlink: endpoint('DELETE', '/v1/link/channels/:type/:uid', { answer: answer({ unlinked: z.literal(true) }) }),
  embedderKey: endpoint('GET', '/v1/settings/embedder-key', { answer: answer({ embedderKey: z.unknown() }) }),
  putEmbedderKey: endpoint('PUT', '/v1/settings/embedder-key', { body: EmbedderKeySchema, answer: answer({ embedderKey: z.unknown() }) }),
  testEmbedderKey: endpoint('POST', '/v1/settings/embedder-key/test', { body: EmbedderKeySchema, answer: answer() }),
  deleteEmbedderKey: endpoint('DELETE', '/v1/settings/embedder-key', { answer: answer({ embedderKey: z.null() }) }),
  grants: endpoint('GET', '/v1/oauth/grants', { answer: answer(items) }),
  revokeGrant: endpoint('DELETE', '/v1/oauth/grants/:id', { answer: answer({ revoked: z.literal(true) }) }),
  createOrg: endpoint('POST', '/v1/orgs', { body: CreateOrgSchema, answer: answer() }),
  orgs: endpoint('GET', '/v1/orgs', { answer: answer(items) }),
  joinOrg: endpoint('POST', '/v1/orgs/join', { body: JoinSchema, answer: answer() }),
  invite: endpoint('POST', '/v1/orgs/:id/invites', { body: InviteSchema, answer: answer({ code: z.string() }) }),
  orgEmbedderKey: endpoint('GET', '/v1/orgs/:id/settings/embedder-key', { answer: answer({ embedderKey: z.unknown() }) }),
  putOrgEmbedderKey: endpoint('PUT', '/v1/orgs/:id/settings/embedder-key', { body: EmbedderKeySchema, answer: answer({ embedderKey: z.unknown() }) }),
  deleteOrgEmbedderKey: endpoint('DELETE', '/v1/orgs/:id/settings/embedder-key', { answer: answer({ embedderKey: z.null() }) }),
  removeMember: endpoint('DELETE', '/v1/orgs/:id/members/:uid', { answer: answer({ removed: z.literal(true) }) }),
  leaveOrg: endpoint('POST', '/v1/orgs/:id/leave', { answer: answer() }),
  exportAccount: endpoint('GET', '/v1/me/export', { answer: answer() }),
  deleteAccount: endpoint('DELETE', '/v1/me', { answer: answer<{ deleted: true; deletedSpaces: string[] }>({ deletedSpaces: z.array(z.string()) }) }),
  createConnector: endpoint('POST', '/v1/connectors', { body: CreateConnectorSchema, answer: answer({ secret: z.string() }) }),
  connectors: endpoint('GET', '/v1/connectors', { answer: answer(items) }),
  revokeConnector: endpoint('DELETE', '/v1/connectors/:id', { answer: answer({ revoked: z.literal(true) }) }),

  // Web sign-in (service mode, outside /v1): the Account page's calls.
  providers: endpoint('GET', '/auth/providers', { answer: answer(items) }),
  signOut: endpoint('POST', '/auth/signout', { answer: answer() }),
  signOutEverywhere: endpoint('POST', '/auth/signout-everywhere', { answer: answer() }),
} as const;

export type RestTable = typeof rest;
export type RestName = keyof RestTable;
