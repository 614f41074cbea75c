/**
 * The clients registered with a local engine (one per VS Code window). Each brings its own random
 * bearer, so a window's credential dies with the window instead of living as long as the data
 * dir's token. Only SHA-256 hashes are kept, in memory: a restarted engine forgets every client
 * and they register again.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { KairosError } from '../core/errors.js';
import { pidAlive } from '../util/pid.js';

/** Enough for many windows; bounds what a misbehaving local caller can make us hold. */
export const MAX_CLIENTS = 64;

interface Entry {
  hash: Buffer;
  pid: number | undefined;
}

function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export class ClientRegistry {
  private readonly entries = new Map<string, Entry>();
  private emptySince: number;
  private readonly emptyListeners = new Set<() => void>();

  constructor(
    private readonly isAlive: (pid: number) => boolean = pidAlive,
    private readonly now: () => number = Date.now,
  ) {
    this.emptySince = now();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Adds or replaces a client (registering again with the same id is how a window re-registers). */
  register(id: string, token: string, pid?: number): void {
    this.prune();
    if (!this.entries.has(id) && this.entries.size >= MAX_CLIENTS) {
      throw new KairosError('conflict', `The engine already has ${MAX_CLIENTS} registered clients. Close some editor windows or restart it.`);
    }
    this.entries.set(id, { hash: sha256(token), pid });
  }

  /** Removes a client; false when it was not registered. Tells listeners when the last one left. */
  unregister(id: string): boolean {
    if (!this.entries.delete(id)) return false;
    this.prune();
    if (this.entries.size === 0) {
      this.emptySince = this.now();
      for (const l of this.emptyListeners) l();
    }
    return true;
  }

  /** True when `token` is a registered client's bearer. Every entry is compared in constant time. */
  verify(token: string): boolean {
    // A token dies with the process that registered it, even when it never unregistered.
    this.prune();
    const candidate = sha256(token);
    let found = false;
    for (const e of this.entries.values()) found = timingSafeEqual(candidate, e.hash) || found;
    return found;
  }

  /** Drops clients whose registering process has exited (an editor killed without deactivating). */
  prune(): void {
    const before = this.entries.size;
    for (const [id, e] of this.entries) if (e.pid !== undefined && !this.isAlive(e.pid)) this.entries.delete(id);
    if (this.entries.size === 0 && before > 0) this.emptySince = this.now();
  }

  /** How long nobody has been registered, in ms; 0 while someone is. */
  unusedForMs(): number {
    this.prune();
    return this.entries.size === 0 ? this.now() - this.emptySince : 0;
  }

  /** Called when a client unregisters and none is left. */
  onEmpty(listener: () => void): () => void {
    this.emptyListeners.add(listener);
    return () => this.emptyListeners.delete(listener);
  }
}
