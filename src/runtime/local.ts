/**
 * Local-mode composition root: one user, one data dir, one bearer token. Opens the store and the
 * embedder, and builds a fresh TenantContext + MemoryService per request (no global tenant state).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { KairosConfig } from '../config.js';
import { KairosError, isKairosError } from '../core/errors.js';
import { userSpace } from '../core/memory.js';
import type { MemoryService } from '../core/memoryService.js';
import type { Clock, Embedder, IdGenerator, VectorStore } from '../core/ports.js';
import type { Principal, SpaceGrant, TenantContext } from '../core/tenancy.js';
import { createLogger } from '../util/logger.js';
import { InProcessEventHub, type EventHub } from './events.js';
import { ObservedMemoryService } from './observedService.js';
import { openConfiguredEmbedder, openConfiguredStore } from './adapters.js';
import { safeEqual } from '../util/safeEqual.js';
import { ensureHome, loadOrCreateToken } from './token.js';

const log = createLogger('runtime');

export const LOCAL_PRINCIPAL: Principal = Object.freeze({
  uid: 'local',
  via: 'local-token',
  scopes: Object.freeze(['read', 'write', 'admin'] as const),
  displayName: 'Local user',
}) as Principal;

export const LOCAL_SPACES: readonly SpaceGrant[] = Object.freeze([
  Object.freeze({ space: userSpace('local'), role: 'owner', label: 'Personal', kind: 'personal' } as const),
]);

export interface LocalRuntime {
  readonly config: KairosConfig;
  readonly store: VectorStore;
  readonly events: EventHub;
  /** The embedder new requests use (settings may switch it). */
  readonly embedder: Embedder;
  /** True when `candidate` is the local bearer token (constant time). */
  verifyToken(candidate: string): boolean;
  /** A fresh tenant context for one request. */
  context(): TenantContext;
  /** A fresh MemoryService bound to a fresh context, for one request. */
  service(): MemoryService;
  /** Replaces the embedder used by later requests. */
  setEmbedder(embedder: Embedder): void;
  /** Checkpoints and unlocks the store. Idempotent. */
  close(): Promise<void>;
}

export interface LocalRuntimeOptions {
  /** Overrides for tests; default: the configured adapters. */
  store?: VectorStore;
  embedder?: Embedder;
  clock?: Clock;
  ids?: IdGenerator;
}

/** Opens the data dir, store, embedder and token of a local Kairos home. */
export async function openLocalRuntime(config: KairosConfig, opts: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  ensureHome(config.home);
  if (config.store.kind === 'embedded') mkdirSync(config.store.dataDir, { recursive: true, mode: 0o700 });
  const token = loadOrCreateToken(config.home);
  let embedder = opts.embedder ?? (await openConfiguredEmbedder(config.embedder));
  const store = opts.store ?? (await openStoreOrExplain(config));
  const clock: Clock = opts.clock ?? { now: () => new Date() };
  const ids: IdGenerator = opts.ids ?? { newId: () => randomUUID() };
  const events = new InProcessEventHub();
  let closed: Promise<void> | undefined;

  const context = (): TenantContext => ({ principal: LOCAL_PRINCIPAL, spaces: LOCAL_SPACES, embedder });
  log.debug('local runtime open', { home: config.home, store: store.kind, embedder: embedder.info });

  return {
    config,
    store,
    events,
    get embedder() {
      return embedder;
    },
    verifyToken: (candidate) => safeEqual(candidate, token),
    context,
    service: () => new ObservedMemoryService(context(), { store, clock, ids, similarThreshold: config.similarThreshold }, events),
    setEmbedder: (next) => {
      embedder = next;
      // The local user's embedder: announced to whoever reads the local user's space.
      events.publish(LOCAL_SPACES[0]!.space, { type: 'embedderChanged', embedder: next.info });
    },
    close: () => (closed ??= store.close()),
  };
}

async function openStoreOrExplain(config: KairosConfig): Promise<VectorStore> {
  try {
    return await openConfiguredStore(config);
  } catch (e) {
    if (isKairosError(e)) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new KairosError(
        'data_dir_locked',
        `The Kairos data dir ${config.home} is in use by another process. Stop it, or use the running server (kairos serve).`,
        { cause: e },
      );
    }
    throw e;
  }
}
