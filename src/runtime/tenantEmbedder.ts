/**
 * The embedder of one tenant: their own BYOK key (decrypted per request, cached briefly by a
 * fingerprint of the settings row, so a changed key takes effect at once), else the server's
 * local embedder when the operator allows it, else an embedder that explains how to set a key.
 */
import { KairosError } from '../core/errors.js';
import type { Embedder, EmbedderInfo } from '../core/ports.js';
import { createEmbedder, openEmbedder, type EmbedderConfigInput, type ServiceEgress } from '../embeddings/index.js';
import type { MasterKeyRing } from '../identity/byok.js';
import { loadSealedSettings, type EmbeddingSettingsInput, type SealedEmbeddingSettings } from '../identity/embeddingSettings.js';
import type { SqlDb } from '../identity/sql.js';

export const NO_KEY_MESSAGE =
  'No embedding key is set for your account. Set yours with PUT /v1/settings/embedder-key {"provider":"openai","apiKey":"…"} ' +
  '(or the "Kairos: Set Embedding Key" command in VS Code). Reading, listing and exporting memories work without one.';

/** Throws a clear 424 on first use: MemoryService reads `info` before it writes or searches anything. */
export function missingKeyEmbedder(): Embedder {
  const fail = (): never => {
    throw new KairosError('embedder_auth', NO_KEY_MESSAGE);
  };
  return {
    get info(): EmbedderInfo {
      return fail();
    },
    embed: async () => fail(),
  };
}

export function embedderConfigFor(s: EmbeddingSettingsInput): EmbedderConfigInput {
  switch (s.provider) {
    case 'openai':
      return { provider: 'openai', apiKey: s.apiKey, ...(s.model ? { model: s.model } : {}), ...(s.endpoint ? { baseURL: s.endpoint } : {}) };
    case 'cohere':
      return { provider: 'cohere', apiKey: s.apiKey, ...(s.model ? { model: s.model } : {}), ...(s.endpoint ? { baseURL: s.endpoint } : {}) };
    case 'azure':
      if (!s.endpoint || !s.deployment) throw new KairosError('invalid_input', 'Azure OpenAI needs "endpoint" and "deployment".');
      return { provider: 'azure', apiKey: s.apiKey, endpoint: s.endpoint, deployment: s.deployment, ...(s.model ? { model: s.model } : {}) };
  }
}

/** Where a service user sets their key: the message for a rejected key points here, not at the server's environment. */
export const SERVICE_KEY_SOURCE = 'PUT /v1/settings/embedder-key (or the Account page)';

/**
 * Builds and probes an embedder for settings a user submits: a wrong key fails here, before it
 * is stored. Through the egress guard with one attempt: a probe is never a retried port scan.
 */
export async function verifyEmbeddingSettings(s: EmbeddingSettingsInput, egress?: ServiceEgress): Promise<Embedder> {
  const config = embedderConfigFor(s);
  const embedder = createEmbedder(egress && config.provider !== 'local' ? { ...config, retry: { maxAttempts: 1 } } : config, egress);
  await embedder.probe();
  return embedder;
}

export interface TenantEmbedderOptions {
  db: SqlDb;
  ring: MasterKeyRing;
  /** The operator's local embedder (KAIROS_ALLOW_LOCAL_EMBEDDER=1); loaded lazily. */
  localEmbedder?: () => Promise<Embedder>;
  cacheMs?: number;
  now?: () => number;
  /** Service mode's outbound rules for user-chosen endpoints. */
  egress?: ServiceEgress;
}

/** The embedders of one request: the principal's own, and those of the orgs that set a key. */
export interface TenantEmbedderSet {
  personal: Embedder;
  /** oid → the org's embedder; orgs without a key of their own are absent. */
  orgs: ReadonlyMap<string, Embedder>;
}

export class TenantEmbedders {
  private readonly cache = new Map<string, { embedder: Promise<Embedder>; until: number }>();

  constructor(private readonly opts: TenantEmbedderOptions) {}

  async forUser(uid: string): Promise<Embedder> {
    return (await this.forTenant(uid, [])).personal;
  }

  /** One query for the user's and the orgs' settings; keys are decrypted only on a cache miss. */
  async forTenant(uid: string, oids: readonly string[]): Promise<TenantEmbedderSet> {
    const rows = await loadSealedSettings(this.opts.db, this.opts.ring, uid, oids);
    let personal: Embedder | undefined;
    const orgs = new Map<string, Embedder>();
    for (const row of rows) {
      const embedder = await this.open(row);
      if (row.owner.kind === 'user') personal = embedder;
      else orgs.set(row.owner.id, embedder);
    }
    personal ??= this.opts.localEmbedder ? await this.opts.localEmbedder() : missingKeyEmbedder();
    return { personal, orgs };
  }

  private open(row: SealedEmbeddingSettings): Promise<Embedder> {
    const now = this.opts.now?.() ?? Date.now();
    const hit = this.cache.get(row.fingerprint);
    if (hit && hit.until > now) return hit.embedder;
    if (this.cache.size > 10_000) for (const [k, v] of this.cache) if (v.until <= now) this.cache.delete(k);
    const embedder = openEmbedder(embedderConfigFor(row.open()), this.opts.egress);
    embedder.catch(() => this.cache.delete(row.fingerprint));
    this.cache.set(row.fingerprint, { embedder, until: now + (this.opts.cacheMs ?? 60_000) });
    return embedder;
  }
}
