/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, the MCP
 * authorization spec's preferred registration): a client whose client_id is an https URL is
 * described by the JSON document at that URL. Kairos fetches it through the egress guard (https
 * only, no internal address unless allow-listed, no redirects), within a size and a time limit,
 * validates it like a registration (plus: its client_id equals the URL, public clients only), and
 * caches it for its Cache-Control max-age within bounds. Every failure is an OAuthError naming
 * what to fix; what the remote host sent back is never repeated to the caller.
 */
import { z } from 'zod';
import { EgressRefused, findEgressRefusal } from '../../embeddings/egress.js';
import { findClient, upsertMetadataDocumentClient } from '../../identity/oauthStore.js';
import type { SqlQueryable } from '../../identity/sql.js';
import { enforce, type RateLimiter } from '../../ratelimit/index.js';
import { createLogger } from '../../util/logger.js';
import { checkClientMetadata } from './register.js';
import { OAuthError, type KnownClient, type OAuthServerDeps } from './shared.js';

const log = createLogger('oauth');

/** A client as the authorization and token endpoints need it. */
export interface MetadataDocumentClient {
  clientId: string;
  /** client_name from the document: the client's own claim, not verified by anyone. */
  claimedName: string | undefined;
  /** The host of the client_id URL: the only thing about the client that is verified (by TLS). */
  host: string;
  redirectUris: string[];
}

export interface ClientMetadataOptions {
  /** The egress-guarded fetch (embeddings/egress.ts guardedFetch). */
  fetch: typeof fetch;
  db: SqlQueryable;
  limiter: RateLimiter;
  nowMs(): number;
  /** Whole fetch, headers and body, in ms. */
  timeoutMs?: number;
  maxBytes?: number;
  /** Cache lifetime bounds (s) around the document's Cache-Control max-age; default when it has none. */
  minTtlS?: number;
  maxTtlS?: number;
  defaultTtlS?: number;
  maxEntries?: number;
  /** Uncached fetches per client address per 10 minutes. */
  fetchesPer10Min?: number;
}

export const CLIENT_METADATA_MAX_BYTES = 5 * 1024;
const MAX_URL_LENGTH = 2048;

/** True when a client_id is meant as a URL (Kairos's registered ids are `kc_…`, never URLs). */
export function isUrlClientId(clientId: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(clientId);
}

/** Why a client_id URL cannot name a metadata document (the draft's §3 rules); undefined when it can. */
export function clientIdUrlProblem(clientId: string): string | undefined {
  if (clientId.length > MAX_URL_LENGTH) return `A client_id URL must be at most ${MAX_URL_LENGTH} characters.`;
  let u: URL;
  try {
    u = new URL(clientId);
  } catch {
    return 'The client_id is not a valid URL.';
  }
  if (u.protocol !== 'https:') return 'A client_id URL must use https (Client ID Metadata Documents are fetched over https only).';
  if (u.username || u.password) return 'A client_id URL must not contain a user name or password.';
  if (u.hash || clientId.includes('#')) return 'A client_id URL must not contain a fragment (#).';
  if (u.pathname === '/' || u.pathname === '') return 'A client_id URL must have a path (e.g. https://app.example.com/oauth/client.json).';
  const rawPath =
    clientId
      .slice(clientId.indexOf('//') + 2)
      .replace(/^[^/?]*/, '')
      .split('?')[0] ?? '';
  if (rawPath.split('/').some((seg) => seg === '.' || seg === '..' || /^%2e(%2e)?$/i.test(seg) || seg === '.%2e' || seg === '%2e.')) {
    return 'A client_id URL must not contain "." or ".." path segments.';
  }
  return undefined;
}

const DocumentIdentity = z.object({ client_id: z.string() });

/** max-age from a Cache-Control header (no-store/no-cache count as 0); undefined when absent. */
export function maxAgeSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  const directives = header
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return 0;
  for (const d of directives) {
    const m = /^max-age=(\d{1,10})$/.exec(d);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * How long a fetched document is used: its max-age within [min, max] (default 60 s … 24 h), or the
 * default (1 h) without one. The floor keeps a no-store document from being fetched for every request.
 */
export function cacheTtlSeconds(maxAge: number | undefined, bounds: { minTtlS?: number; maxTtlS?: number; defaultTtlS?: number } = {}): number {
  return Math.min(bounds.maxTtlS ?? 86_400, Math.max(bounds.minTtlS ?? 60, maxAge ?? bounds.defaultTtlS ?? 3_600));
}

/** Reads at most `max` bytes of a body; undefined when it is longer (the rest is not read). */
async function readCapped(res: Response, max: number): Promise<Uint8Array | undefined> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

interface Cached {
  client: MetadataDocumentClient;
  expiresAtMs: number;
}

export class ClientMetadataDocuments {
  private readonly cache = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<MetadataDocumentClient>>();
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(private readonly opts: ClientMetadataOptions) {
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.maxBytes = opts.maxBytes ?? CLIENT_METADATA_MAX_BYTES;
  }

  /**
   * The client described by the document at `clientId` (a URL), from the cache or fetched now.
   * `address`: the caller's address, which uncached fetches are counted against.
   */
  async resolve(clientId: string, address: string | undefined): Promise<MetadataDocumentClient> {
    const problem = clientIdUrlProblem(clientId);
    if (problem) throw new OAuthError('invalid_client', problem);
    const hit = this.cache.get(clientId);
    if (hit && hit.expiresAtMs > this.opts.nowMs()) return hit.client;
    const pending = this.inFlight.get(clientId);
    if (pending) return pending;
    await enforce(
      this.opts.limiter,
      `oauth-cimd:${address ?? 'unknown'}`,
      { limit: this.opts.fetchesPer10Min ?? 60, windowMs: 600_000 },
      'client metadata document fetches from this address',
    );
    const fetching = this.fetchAndStore(clientId).finally(() => this.inFlight.delete(clientId));
    this.inFlight.set(clientId, fetching);
    return fetching;
  }

  private async fetchAndStore(clientId: string): Promise<MetadataDocumentClient> {
    const host = new URL(clientId).host;
    const { body, maxAge } = await this.fetchDocument(clientId, host);
    const client = this.validate(clientId, host, body);
    await upsertMetadataDocumentClient(this.opts.db, {
      clientId,
      clientName: client.claimedName ?? null,
      redirectUris: client.redirectUris,
      metadata: body as Record<string, unknown>,
    });
    const ttl = cacheTtlSeconds(maxAge, this.opts);
    this.cache.delete(clientId);
    if (this.cache.size >= (this.opts.maxEntries ?? 1_000)) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(clientId, { client, expiresAtMs: this.opts.nowMs() + ttl * 1000 });
    return client;
  }

  private async fetchDocument(url: string, host: string): Promise<{ body: unknown; maxAge: number | undefined }> {
    const fail = (why: string): OAuthError => {
      log.info('client metadata document refused', { host, why });
      return new OAuthError('invalid_client', `The client metadata document at ${url} ${why}`);
    };
    let res: Response;
    let bytes: Uint8Array | undefined;
    try {
      res = await this.opts.fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) });
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        throw fail(`could not be fetched: its host answered HTTP ${res.status}.`);
      }
      bytes = await readCapped(res, this.maxBytes);
    } catch (e) {
      if (e instanceof OAuthError) throw e;
      const refused = e instanceof EgressRefused ? e : findEgressRefusal(e);
      if (refused) throw fail(`was not fetched: ${refused.reason.replace(/^the endpoint( URL)?/, 'its URL')}.`);
      if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) throw fail(`did not arrive within ${this.timeoutMs / 1000} s.`);
      throw fail('could not be fetched (connection or TLS failure).');
    }
    if (!bytes) throw fail(`is larger than ${this.maxBytes} bytes.`);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      throw fail('is not JSON.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw fail('is not a JSON object.');
    return { body, maxAge: maxAgeSeconds(res.headers.get('cache-control')) };
  }

  private validate(clientId: string, host: string, body: unknown): MetadataDocumentClient {
    const invalid = (why: string): OAuthError => {
      log.info('client metadata document invalid', { host, why });
      return new OAuthError('invalid_client', `The client metadata document at ${clientId} is invalid: ${why}`);
    };
    const identity = DocumentIdentity.safeParse(body);
    if (!identity.success || identity.data.client_id !== clientId) throw invalid('its client_id must be exactly the URL it is served from.');
    const checked = checkClientMetadata(body);
    if (!checked.ok) throw invalid(checked.problem);
    if (checked.policy.token_endpoint_auth_method !== 'none' || 'client_secret' in (body as object)) {
      throw invalid(
        'Kairos accepts metadata-document clients as public clients only: token_endpoint_auth_method must be "none" and there must be no client_secret.',
      );
    }
    return { clientId, claimedName: checked.policy.client_name, host, redirectUris: checked.policy.redirect_uris };
  }
}

/**
 * The client a client_id names: a metadata document's (fetched or cached) when it is a URL,
 * otherwise a registered one; undefined when unknown. A bad document throws OAuthError.
 */
export async function lookupClient(deps: OAuthServerDeps, clientId: string, address: string | undefined): Promise<KnownClient | undefined> {
  if (!isUrlClientId(clientId)) return findClient(deps.db, clientId);
  if (!deps.clientMetadata)
    throw new OAuthError('invalid_client', 'This server does not accept URLs as client_id; register the client (POST /oauth/register).');
  const doc = await deps.clientMetadata.resolve(clientId, address);
  return { clientId, clientName: doc.claimedName ?? null, redirectUris: doc.redirectUris, secretHash: null, documentHost: doc.host };
}
