/**
 * The Kairos REST contract: every route (protocol/rest/routes.ts) with the schema of its JSON body
 * and of its answer. The server registers and validates its routes from this table; clients check
 * what they send and what they get against it. Answers are checked by outline only (an object
 * with these fields): enough to tell a Kairos answer from anything else, cheap on every call.
 */
import { z } from 'zod';
import type { Memory, MemoryWithHistory, Page, RememberResult } from '../../core/memory.js';
import type { FileRecallItem, ImportSummary, SpaceSearchHit } from '../../core/memoryService.js';
import type { SettingsView, SpaceInfo } from '../messages.js';
import { AnchorCheckSchema, ReanchorSchema, RememberParamsSchema, SearchParamsSchema, UpdatePatchSchema, VersionSchema } from '../schemas.js';
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
import type { AnswerKind, Endpoint } from './endpoint.js';
import { routes, type RouteName } from './routes.js';

type QueryOf<R> = R extends Endpoint<string, infer Q> ? Q : never;

/** A route with its schemas: a JSON body's schema replaces 'json', as does the answer's. */
function def<
  R extends Endpoint,
  B extends z.ZodType | 'raw' | undefined = Exclude<R['body'], 'json'>,
  A extends Exclude<AnswerKind, 'json'> = R['answer'] extends 'json' ? z.ZodUnknown : Exclude<R['answer'], 'json'>,
>(route: R, schemas: { body?: B; answer?: A } = {}): Endpoint<R['path'], QueryOf<R>, B, A> {
  const answer = schemas.answer ?? (route.answer === 'json' ? z.unknown() : route.answer);
  return { method: route.method, path: route.path, query: route.query as readonly QueryOf<R>[], body: (schemas.body ?? route.body) as B, answer: answer as A };
}

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
  create: def(routes.create, { body: RememberParamsSchema, answer: answer<RememberResult>({ outcome: z.string(), memory: z.looseObject(memory) }) }),
  list: def(routes.list, { answer: answer<Page<Memory>>(page) }),
  forFile: def(routes.forFile, { answer: answer<{ items: FileRecallItem[] }>(items) }),
  anchorCheck: def(routes.anchorCheck, { body: AnchorCheckBodySchema, answer: answer<Memory>(memory) }),
  verify: def(routes.verify, { body: VerifyBodySchema, answer: answer<Memory>(memory) }),
  reanchor: def(routes.reanchor, { body: ReanchorSchema, answer: answer<Memory>(memory) }),
  get: def(routes.get, { answer: answer<MemoryWithHistory>(memory) }),
  update: def(routes.update, { body: UpdatePatchSchema, answer: answer<Memory>(memory) }),
  restore: def(routes.restore, { body: RestoreBodySchema, answer: answer<Memory>(memory) }),
  delete: def(routes.delete, { answer: answer<{ id: string; space: string }>({ id: z.string(), space: z.string() }) }),
  search: def(routes.search, { body: SearchParamsSchema, answer: answer<Page<SpaceSearchHit>>(page) }),

  // Bulk data, streamed.
  export: def(routes.export),
  import: def(routes.import, { answer: answer<ImportSummary>({ created: z.number(), failed: z.number() }) }),
  reembed: def(routes.reembed),
  events: def(routes.events),

  // The account of the caller, local or service.
  me: def(routes.me, {
    answer: answer<{ principal: { uid: string; via: string; displayName?: string }; spaces: SpaceInfo[] }>({ principal: z.looseObject({ uid: z.string() }) }),
  }),
  spaces: def(routes.spaces, { answer: list<SpaceInfo[]>({ space: z.string() }) }),
  settings: def(routes.settings, { answer: answer<SettingsView>({ embedder: z.unknown() }) }),
  putSettings: def(routes.putSettings, { body: SettingsUpdateSchema, answer: answer<SettingsView>({ embedder: z.unknown() }) }),
  consoleLink: def(routes.consoleLink, { answer: answer<{ url: string }>({ url: z.string() }) }),

  // Local engine only.
  registerClient: def(routes.registerClient, { body: RegisterClientSchema, answer: answer<ClientRegistered>({ registered: z.literal(true) }) }),
  unregisterClient: def(routes.unregisterClient, { answer: answer<ClientUnregistered>({ unregistered: z.literal(true), remaining: z.number() }) }),
  deleteLocalData: def(routes.deleteLocalData, {
    answer: answer<{ deleted: true; memories: number; spaces: Array<{ space: string; memories: number }> }>({
      memories: z.number(),
      spaces: z.array(z.unknown()),
    }),
  }),

  // Shared service only: keys, linking, BYOK, grants, orgs, GDPR, connectors.
  createKey: def(routes.createKey, { body: CreateKeySchema, answer: answer({ key: z.string() }) }),
  keys: def(routes.keys, { answer: answer(items) }),
  revokeKey: def(routes.revokeKey, { answer: answer({ revoked: z.literal(true) }) }),
  linkCode: def(routes.linkCode, { answer: answer({ code: z.string() }) }),
  redeem: def(routes.redeem, { body: RedeemSchema, answer: answer({ linked: z.literal(true) }) }),
  channels: def(routes.channels, { answer: answer(items) }),
  unlink: def(routes.unlink, { answer: answer({ unlinked: z.literal(true) }) }),
  embedderKey: def(routes.embedderKey, { answer: answer({ embedderKey: z.unknown() }) }),
  putEmbedderKey: def(routes.putEmbedderKey, { body: EmbedderKeySchema, answer: answer({ embedderKey: z.unknown() }) }),
  testEmbedderKey: def(routes.testEmbedderKey, { body: EmbedderKeySchema, answer: answer() }),
  deleteEmbedderKey: def(routes.deleteEmbedderKey, { answer: answer({ embedderKey: z.null() }) }),
  grants: def(routes.grants, { answer: answer(items) }),
  revokeGrant: def(routes.revokeGrant, { answer: answer({ revoked: z.literal(true) }) }),
  createOrg: def(routes.createOrg, { body: CreateOrgSchema, answer: answer() }),
  orgs: def(routes.orgs, { answer: answer(items) }),
  joinOrg: def(routes.joinOrg, { body: JoinSchema, answer: answer() }),
  invite: def(routes.invite, { body: InviteSchema, answer: answer({ code: z.string() }) }),
  orgEmbedderKey: def(routes.orgEmbedderKey, { answer: answer({ embedderKey: z.unknown() }) }),
  putOrgEmbedderKey: def(routes.putOrgEmbedderKey, { body: EmbedderKeySchema, answer: answer({ embedderKey: z.unknown() }) }),
  deleteOrgEmbedderKey: def(routes.deleteOrgEmbedderKey, { answer: answer({ embedderKey: z.null() }) }),
  removeMember: def(routes.removeMember, { answer: answer({ removed: z.literal(true) }) }),
  leaveOrg: def(routes.leaveOrg, { answer: answer() }),
  exportAccount: def(routes.exportAccount, { answer: answer() }),
  deleteAccount: def(routes.deleteAccount, { answer: answer<{ deleted: true; deletedSpaces: string[] }>({ deletedSpaces: z.array(z.string()) }) }),
  createConnector: def(routes.createConnector, { body: CreateConnectorSchema, answer: answer({ secret: z.string() }) }),
  connectors: def(routes.connectors, { answer: answer(items) }),
  revokeConnector: def(routes.revokeConnector, { answer: answer({ revoked: z.literal(true) }) }),

  // Web sign-in (service mode, outside /v1): the Account page's calls.
  providers: def(routes.providers, { answer: answer(items) }),
  signOut: def(routes.signOut, { answer: answer() }),
  signOutEverywhere: def(routes.signOutEverywhere, { answer: answer() }),
} as const satisfies Record<RouteName, Endpoint>;

export type RestTable = typeof rest;
