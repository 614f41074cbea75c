/**
 * Account operations of service mode, shared by REST and MCP: API keys, account linking, BYOK
 * settings, orgs, export and delete. Every method acts for the verified principal only; ids in
 * arguments name things *of* that principal, and anything else is answered like "not found".
 */
import { KairosError, NotFoundError } from '../core/errors.js';
import { orgSpace, userSpace } from '../core/memory.js';
import type { ImportItem, ImportSummary, MemoryService } from '../core/memoryService.js';
import type { Embedder, VectorStore } from '../core/ports.js';
import type { SpaceRole } from '../core/tenancy.js';
import { unlinkedMessage } from '../auth/connector.js';
import { channelOf, type ServicePrincipal } from '../auth/principal.js';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyInfo, type Scope } from '../identity/apiKeys.js';
import { audit } from '../identity/audit.js';
import type { MasterKeyRing } from '../identity/byok.js';
import {
  deleteEmbeddingSettings,
  getEmbeddingSettings,
  putEmbeddingSettings,
  type EmbeddingSettingsInput,
  type EmbeddingSettingsView,
} from '../identity/embeddingSettings.js';
import { deleteUserIdentity, exportUserIdentity } from '../identity/gdpr.js';
import { consumeLinkCode, createLinkCode, peekLinkCode } from '../identity/linkCodes.js';
import { listGrants, revokeGrant, type GrantRow } from '../identity/oauthStore.js';
import * as orgs from '../identity/orgs.js';
import type { SqlDb } from '../identity/sql.js';
import { sha256Hex } from '../identity/ids.js';
import { moveChannelSessions } from '../identity/webSessions.js';
import { listChannels, moveChannel, removeChannel, type ChannelRef, type ChannelRow } from '../identity/users.js';
import { enforce, type RateLimiter } from '../ratelimit/index.js';
import { verifyEmbeddingSettings } from './tenantEmbedder.js';

export interface AccountDeps {
  db: SqlDb;
  ring: MasterKeyRing;
  store: VectorStore;
  limiter: RateLimiter;
  now?: () => Date;
  /** Probes a submitted embedding key (default: a real call to the provider). */
  verifyEmbedder?: (s: EmbeddingSettingsInput) => Promise<unknown>;
  /** A MemoryService for a principal (used to merge memories into a linked account with its embedder). */
  serviceFor?: (p: ServicePrincipal) => Promise<MemoryService>;
}

export interface RedeemResult {
  uid: string;
  channel: ChannelRef;
  /** Empty when the channel had no account before (a connector's unlinked channel user). */
  previousUid: string;
  /** Set when memories of the previous account were moved into the linked one. */
  merged?: ImportSummary;
}

/** Link-code redeem and invite join attempts per user per 10 minutes. */
export const CODE_ATTEMPTS = { limit: 10, windowMs: 10 * 60 * 1000 };
/** Link codes a connector may create for one channel user, and for all of them, per 10 minutes. */
export const CONNECTOR_CODES = { perChannelUser: { limit: 5, windowMs: 10 * 60 * 1000 }, perConnector: { limit: 500, windowMs: 10 * 60 * 1000 } };
/** Redeem attempts through one connector, all its channel users together, per 10 minutes. */
export const CONNECTOR_REDEEMS = { limit: 200, windowMs: 10 * 60 * 1000 };

/** The connector a principal acts through, for the audit log (absent for a person's own credential). */
function viaOf(p: ServicePrincipal): { id: string; channelType: string } | undefined {
  return p.connector;
}

/** A channel user's rate-limit key: hashed, since a channel id is the person's handle elsewhere. */
function channelKey(c: ChannelRef): string {
  return sha256Hex(`${c.type}:${c.uid}`).slice(0, 32);
}

function requireScope(p: ServicePrincipal, scope: Scope): void {
  if (!p.scopes.includes(scope) && !p.scopes.includes('admin')) {
    throw new KairosError('forbidden', `This credential lacks the "${scope}" scope.`);
  }
}

/** Account management needs an interactive sign-in or an admin key. */
function requireAdmin(p: ServicePrincipal): void {
  if (!p.scopes.includes('admin')) throw new KairosError('forbidden', 'This needs a sign-in or an API key with the "admin" scope.');
}

/**
 * Linking: a sign-in, an admin key, or a connector acting for its channel user. A channel user
 * Kairos does not know yet may only redeem (`allowUnlinked`): that is how it gets an account.
 */
function requireLinking(p: ServicePrincipal, allowUnlinked = false): void {
  if (p.unlinked && !allowUnlinked) throw new KairosError('forbidden', unlinkedMessage(p.connector!.channelType));
  if (!p.connector) requireAdmin(p);
}

/** Keys, grants, BYOK settings and exports belong to the person, not to a bot acting for them. */
function requireOwnCredential(p: ServicePrincipal): void {
  if (p.connector)
    throw new KairosError(
      'forbidden',
      'A connector acts for its channel users on memories and account links only. Manage keys, clients and settings from the web console.',
    );
}

/** Every memory of a space with its history, as import items (ids and timestamps kept). */
async function* readSpace(store: VectorStore, space: string): AsyncGenerator<ImportItem> {
  let cursor: string | undefined;
  do {
    const page = await store.list(space, { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const m of page.items) {
      yield {
        id: m.id,
        text: m.text,
        tags: m.tags,
        source: m.source,
        createdAt: m.createdAt,
        updatedAt: m.updatedAt,
        history: await store.history(space, m.id),
      };
    }
    cursor = page.nextCursor;
  } while (cursor);
}

/** Embedding key probes (tests and saves) per user per minute. */
const KEY_PROBES = { limit: 10, windowMs: 60_000 };

export class AccountService {
  constructor(private readonly deps: AccountDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  // API keys

  async createKey(p: ServicePrincipal, opts: { name: string; scopes: Scope[]; expiresAt?: Date }): Promise<{ key: string; info: ApiKeyInfo }> {
    requireAdmin(p);
    if (opts.expiresAt && opts.expiresAt.getTime() <= this.now().getTime()) throw new KairosError('invalid_input', '"expiresAt" must be in the future.');
    const created = await createApiKey(this.deps.db, p.uid, opts);
    await audit(this.deps.db, 'key.created', p.uid, created.info.id);
    return created;
  }

  async listKeys(p: ServicePrincipal): Promise<ApiKeyInfo[]> {
    requireOwnCredential(p);
    requireScope(p, 'read');
    return listApiKeys(this.deps.db, p.uid);
  }

  async revokeKey(p: ServicePrincipal, id: string): Promise<void> {
    requireAdmin(p);
    if (!(await revokeApiKey(this.deps.db, p.uid, id, this.now()))) throw new NotFoundError(`You have no live API key with id "${id}".`);
    await audit(this.deps.db, 'key.revoked', p.uid, id);
  }

  // Account linking

  async createLinkCode(p: ServicePrincipal): Promise<{ code: string; expiresAt: string }> {
    requireLinking(p);
    if (p.connector) {
      await enforce(this.deps.limiter, `link-code:channel:${channelKey(p.channel!)}`, CONNECTOR_CODES.perChannelUser, 'link codes for this account');
      await enforce(this.deps.limiter, `link-code:connector:${p.connector.id}`, CONNECTOR_CODES.perConnector, 'link codes through this connector');
    }
    const out = await createLinkCode(this.deps.db, p.uid, this.now());
    await audit(this.deps.db, 'link.code_created', p.uid, null, viaOf(p));
    return out;
  }

  /**
   * Points the caller's channel at the user who created `code`. When the caller's current account
   * already holds memories, `merge` must say what happens to them: true moves them into the linked
   * account (re-embedded with its embedder), false leaves them with the old account. The code is
   * consumed first, the memories are merged next, and the channel moves last, so a failed merge
   * loses nothing (the user asks for a new code).
   */
  async redeemLinkCode(p: ServicePrincipal, code: string, opts: { merge?: boolean } = {}): Promise<RedeemResult> {
    requireLinking(p, true);
    const channel = channelOf(p);
    if (!channel)
      throw new KairosError('invalid_input', 'Redeem a link code while signed in with the account you want to link (GitHub or OIDC), not with an API key.');
    if (p.connector) {
      await enforce(this.deps.limiter, `link:connector:${p.connector.id}`, CONNECTOR_REDEEMS, 'link code attempts through this connector');
      await enforce(this.deps.limiter, `link:channel:${channelKey(channel)}`, CODE_ATTEMPTS, 'link code attempts');
    }
    if (p.uid) await enforce(this.deps.limiter, `link:${p.uid}`, CODE_ATTEMPTS, 'link code attempts');
    const expired = (): NotFoundError => new NotFoundError('This link code is unknown, already used or expired. Create a new one with POST /v1/link/code.');
    const peeked = await peekLinkCode(this.deps.db, code, this.now());
    if (!peeked) throw expired();
    if (peeked === p.uid) throw new KairosError('conflict', 'This channel is already linked to that account.');
    const oldSpace = userSpace(p.uid);
    const held = p.uid && (await this.deps.store.getCollection(oldSpace)) ? await this.deps.store.count(oldSpace) : 0;
    if (held > 0 && opts.merge === undefined) {
      throw new KairosError(
        'conflict',
        `This sign-in already holds ${held} memories. Redeem again with "merge": true to move them into the linked account, or "merge": false to leave them behind.`,
        { details: { memories: held } },
      );
    }
    const target = await consumeLinkCode(this.deps.db, code, this.now());
    if (!target) throw expired();
    let merged: ImportSummary | undefined;
    if (held > 0 && opts.merge) {
      if (!this.deps.serviceFor) throw new KairosError('internal', 'Merging is not available in this runtime.');
      const into = await this.deps.serviceFor({ uid: target, via: p.via, scopes: p.scopes, channel });
      merged = await into.import(readSpace(this.deps.store, oldSpace));
      await this.deps.store.dropCollection(oldSpace);
    }
    await this.deps.db.transaction(async (tx) => {
      await moveChannel(tx, channel, target);
      // Browser sessions signed in through this channel follow it to the linked account.
      if (p.uid) await moveChannelSessions(tx, channel, p.uid, target);
      await audit(tx, 'link.redeemed', target, p.uid || null, viaOf(p));
    });
    if (p.uid && (held === 0 || merged)) await this.dropIfAbandoned(p.uid);
    return { uid: target, channel, previousUid: p.uid, ...(merged ? { merged } : {}) };
  }

  /** Deletes an account nobody can reach any more: no channel, no live key, no org, no memories. */
  private async dropIfAbandoned(uid: string): Promise<void> {
    const { rows } = await this.deps.db.query<{ n: number }>(
      `SELECT (SELECT COUNT(*)::int FROM channel_identities WHERE uid = $1)
            + (SELECT COUNT(*)::int FROM api_keys WHERE uid = $1 AND revoked_at IS NULL)
            + (SELECT COUNT(*)::int FROM memberships WHERE uid = $1) AS n`,
      [uid],
    );
    if (rows[0]!.n > 0 || (await this.deps.store.getCollection(userSpace(uid)))) return;
    await deleteUserIdentity(this.deps.db, uid);
  }

  /**
   * The caller's linked channels. Through a connector, channels of other types show only their
   * type and dates: the bot learns that the person also uses GitHub, never their GitHub id.
   */
  async listChannels(p: ServicePrincipal): Promise<Array<ChannelRow | Omit<ChannelRow, 'uid'>>> {
    if (p.unlinked) throw new KairosError('forbidden', unlinkedMessage(p.connector!.channelType));
    requireScope(p, 'read');
    const rows = await listChannels(this.deps.db, p.uid);
    const served = p.connector?.channelType;
    if (!served) return rows;
    return rows.map((r) => (r.type === served ? r : { type: r.type, createdAt: r.createdAt, lastSeenAt: r.lastSeenAt, displayName: null }));
  }

  async unlink(p: ServicePrincipal, channel: ChannelRef): Promise<void> {
    requireLinking(p);
    if (p.connector && channel.type !== p.connector.channelType) {
      throw new KairosError('forbidden', `This connector serves ${p.connector.channelType} users only; unlink a ${channel.type} sign-in from the web console.`);
    }
    await this.deps.db.transaction(async (tx) => {
      const mine = await listChannels(tx, p.uid);
      if (!mine.some((c) => c.type === channel.type && c.uid === channel.uid)) throw new NotFoundError('You have no such linked channel.');
      if (mine.length === 1)
        throw new KairosError('conflict', 'This is your only sign-in channel; link another one first, or delete the account with DELETE /v1/me.');
      await removeChannel(tx, p.uid, channel);
      await audit(tx, 'link.unlinked', p.uid, null, viaOf(p));
    });
  }

  // BYOK settings

  async getEmbedderKey(p: ServicePrincipal): Promise<EmbeddingSettingsView | null> {
    requireOwnCredential(p);
    requireScope(p, 'read');
    return (await getEmbeddingSettings(this.deps.db, { kind: 'user', id: p.uid })) ?? null;
  }

  /**
   * Probes a key against its endpoint. Every probe is an outbound request to a URL the user
   * chose, so tests and saves (own and org) share one per-user budget.
   */
  private async verifyKey(p: ServicePrincipal, input: EmbeddingSettingsInput): Promise<unknown> {
    await enforce(this.deps.limiter, `key-test:${p.uid}`, KEY_PROBES, 'embedding key tests and saves');
    return (this.deps.verifyEmbedder ?? verifyEmbeddingSettings)(input);
  }

  async putEmbedderKey(p: ServicePrincipal, input: EmbeddingSettingsInput): Promise<EmbeddingSettingsView> {
    requireAdmin(p);
    await this.verifyKey(p, input);
    const view = await putEmbeddingSettings(this.deps.db, this.deps.ring, { kind: 'user', id: p.uid }, input, this.now());
    await audit(this.deps.db, 'settings.embedder_key_set', p.uid);
    return view;
  }

  /** Checks a key against its provider without storing it (the console's "Test key"). */
  async testEmbedderKey(p: ServicePrincipal, input: EmbeddingSettingsInput): Promise<{ ok: true; provider: string; model?: string; dimension?: number }> {
    requireAdmin(p);
    const probed = await this.verifyKey(p, input);
    const info = (probed as Partial<Embedder> | undefined)?.info;
    return { ok: true, provider: input.provider, ...(info ? { model: info.model, dimension: info.dimension } : {}) };
  }

  async deleteEmbedderKey(p: ServicePrincipal): Promise<void> {
    requireAdmin(p);
    if (!(await deleteEmbeddingSettings(this.deps.db, { kind: 'user', id: p.uid }))) throw new NotFoundError('You have no embedding key stored.');
    await audit(this.deps.db, 'settings.embedder_key_cleared', p.uid);
  }

  // Connected MCP clients (grants of the built-in authorization server)

  async listGrants(p: ServicePrincipal): Promise<GrantRow[]> {
    requireOwnCredential(p);
    requireScope(p, 'read');
    return listGrants(this.deps.db, p.uid);
  }

  async revokeGrant(p: ServicePrincipal, id: string): Promise<void> {
    requireAdmin(p);
    if (!(await revokeGrant(this.deps.db, p.uid, id, this.now()))) throw new NotFoundError('No connected client with this id.');
    await audit(this.deps.db, 'oauth.revoked', p.uid, id);
  }

  // Orgs

  async createOrg(p: ServicePrincipal, name: string): Promise<orgs.Membership & { space: string }> {
    requireAdmin(p);
    const m = await this.deps.db.transaction((tx) => orgs.createOrg(tx, p.uid, name));
    await audit(this.deps.db, 'org.created', p.uid, m.oid);
    return { ...m, space: orgSpace(m.oid) };
  }

  async listOrgs(p: ServicePrincipal): Promise<Array<orgs.Membership & { space: string }>> {
    requireScope(p, 'read');
    return (await orgs.membershipsOf(this.deps.db, p.uid)).map((m) => ({ ...m, space: orgSpace(m.oid) }));
  }

  private async requireMember(p: ServicePrincipal, oid: string): Promise<SpaceRole> {
    const role = await orgs.roleIn(this.deps.db, oid, p.uid);
    // Non-members learn nothing about whether the org exists.
    if (!role) throw new NotFoundError(`You are not a member of org "${oid}".`);
    return role;
  }

  private async requireOwner(p: ServicePrincipal, oid: string): Promise<void> {
    if ((await this.requireMember(p, oid)) !== 'owner') throw new KairosError('forbidden', 'Only an owner of this org can do that.');
  }

  // Org BYOK: one key for the whole org space, so every member writes and searches the same vectors.

  /** Any member may see which provider and model the org uses (never the key). */
  async getOrgEmbedderKey(p: ServicePrincipal, oid: string): Promise<EmbeddingSettingsView | null> {
    requireScope(p, 'read');
    await this.requireMember(p, oid);
    return (await getEmbeddingSettings(this.deps.db, { kind: 'org', id: oid })) ?? null;
  }

  async putOrgEmbedderKey(p: ServicePrincipal, oid: string, input: EmbeddingSettingsInput): Promise<EmbeddingSettingsView> {
    requireAdmin(p);
    await this.requireOwner(p, oid);
    await this.verifyKey(p, input);
    const view = await putEmbeddingSettings(this.deps.db, this.deps.ring, { kind: 'org', id: oid }, input, this.now());
    await audit(this.deps.db, 'settings.embedder_key_set', p.uid, oid);
    return view;
  }

  async deleteOrgEmbedderKey(p: ServicePrincipal, oid: string): Promise<void> {
    requireAdmin(p);
    await this.requireOwner(p, oid);
    if (!(await deleteEmbeddingSettings(this.deps.db, { kind: 'org', id: oid }))) throw new NotFoundError('This org has no embedding key of its own.');
    await audit(this.deps.db, 'settings.embedder_key_cleared', p.uid, oid);
  }

  async invite(p: ServicePrincipal, oid: string, role: SpaceRole): Promise<{ code: string; expiresAt: string; role: SpaceRole }> {
    requireAdmin(p);
    await this.requireOwner(p, oid);
    const out = await orgs.createInvite(this.deps.db, oid, role, this.now());
    await audit(this.deps.db, 'org.invite_created', p.uid, oid);
    return { ...out, role };
  }

  async join(p: ServicePrincipal, code: string): Promise<orgs.Membership & { space: string }> {
    requireAdmin(p);
    await enforce(this.deps.limiter, `join:${p.uid}`, CODE_ATTEMPTS, 'invite code attempts');
    const joined = await this.deps.db.transaction(async (tx) => {
      const invite = await orgs.consumeInvite(tx, code, this.now());
      if (!invite) throw new NotFoundError('This invite code is unknown, already used or expired. Ask an owner for a new one.');
      if (!(await orgs.addMember(tx, invite.oid, p.uid, invite.role))) throw new KairosError('conflict', 'You are already a member of this org.');
      return invite;
    });
    await audit(this.deps.db, 'org.joined', p.uid, joined.oid);
    const m = (await orgs.membershipsOf(this.deps.db, p.uid)).find((x) => x.oid === joined.oid)!;
    return { ...m, space: orgSpace(m.oid) };
  }

  async removeMember(p: ServicePrincipal, oid: string, uid: string): Promise<void> {
    requireAdmin(p);
    await this.requireOwner(p, oid);
    await this.deps.db.transaction(async (tx) => {
      const role = await orgs.roleIn(tx, oid, uid);
      if (!role) throw new NotFoundError(`User "${uid}" is not a member of this org.`);
      if (role === 'owner' && (await orgs.countMembers(tx, oid, 'owner')) === 1)
        throw new KairosError('conflict', 'An org needs an owner: this is the last one.');
      await orgs.removeMember(tx, oid, uid);
    });
    await audit(this.deps.db, 'org.member_removed', p.uid, oid);
  }

  async leave(p: ServicePrincipal, oid: string): Promise<{ deletedOrg: boolean }> {
    requireAdmin(p);
    const out = await this.deps.db.transaction(async (tx) => {
      const role = await orgs.roleIn(tx, oid, p.uid);
      if (!role) throw new NotFoundError(`You are not a member of org "${oid}".`);
      const members = await orgs.countMembers(tx, oid);
      if (members === 1) {
        await orgs.deleteOrg(tx, oid);
        return { deletedOrg: true };
      }
      if (role === 'owner' && (await orgs.countMembers(tx, oid, 'owner')) === 1) {
        throw new KairosError('conflict', 'You are the last owner of an org with other members. Remove them first, or invite another owner.');
      }
      await orgs.removeMember(tx, oid, p.uid);
      return { deletedOrg: false };
    });
    if (out.deletedOrg) await this.deps.store.dropCollection(orgSpace(oid));
    await audit(this.deps.db, out.deletedOrg ? 'org.deleted' : 'org.left', p.uid, oid);
    return out;
  }

  // GDPR

  async exportIdentity(p: ServicePrincipal): Promise<Record<string, unknown>> {
    requireOwnCredential(p);
    requireScope(p, 'read');
    const out = await exportUserIdentity(this.deps.db, p.uid);
    await audit(this.deps.db, 'account.exported', p.uid);
    return out;
  }

  /** Deletes the account: its collections, identities, keys, settings, link codes and solo orgs. */
  async deleteAccount(p: ServicePrincipal): Promise<{ deletedSpaces: string[] }> {
    requireAdmin(p);
    const { deletedOrgs, blockedBy } = await deleteUserIdentity(this.deps.db, p.uid);
    if (blockedBy) {
      throw new KairosError('conflict', `You are the last owner of org "${blockedBy}", which has other members. Remove them or make someone else owner first.`);
    }
    const spaces = [userSpace(p.uid), ...deletedOrgs.map(orgSpace)];
    for (const s of spaces) await this.deps.store.dropCollection(s);
    return { deletedSpaces: spaces };
  }
}
