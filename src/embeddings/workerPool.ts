/**
 * Worker threads for bulk offline embedding (import, re-embed): the model runs on the calling
 * thread, so one core embeds while the server waits. A pool of one worker per core (each with
 * its own model, ~250 MB) embeds a large batch in parallel and leaves the main thread free to
 * answer requests. Workers start on the first bulk call and stop after a minute without work.
 *
 * The pool exists only where the built worker (`embed-worker.mjs`, see esbuild.mjs) sits beside
 * the running bundle; elsewhere (tests from source, the VS Code engine bundle) embedding stays
 * on the calling thread. KAIROS_EMBED_WORKERS sets the size (0 turns the pool off).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { KairosError } from '../core/errors.js';
import type { LocalRuntime } from './local.js';

const IDLE_MS = 60_000;

interface Job {
  texts: string[];
  resolve: (v: Float32Array[]) => void;
  reject: (e: Error) => void;
}

export class EmbedPool {
  private workers: Worker[] = [];
  private idle: NodeJS.Timeout | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Job>();

  constructor(
    private readonly file: string,
    readonly size: number,
  ) {}

  /** Splits the texts into one contiguous share per worker; vectors come back in input order. */
  async embed(texts: readonly string[], runtime: LocalRuntime | 'auto'): Promise<Float32Array[]> {
    this.start();
    const share = Math.ceil(texts.length / this.workers.length);
    const parts = this.workers.map((w, i) => this.run(w, texts.slice(i * share, (i + 1) * share), runtime));
    try {
      return (await Promise.all(parts)).flat();
    } finally {
      this.arm();
    }
  }

  close(): Promise<void> {
    clearTimeout(this.idle);
    const all = this.workers;
    this.workers = [];
    return Promise.all(all.map((w) => w.terminate())).then(() => undefined);
  }

  private start(): void {
    clearTimeout(this.idle);
    if (this.workers.length > 0) return;
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(this.file);
      // Idle workers must not keep the process alive; busy ones must (see run()).
      w.unref();
      w.on('message', (m: { id: number; vectors?: Float32Array[]; error?: string }) => {
        const job = this.pending.get(m.id);
        if (!job) return;
        this.pending.delete(m.id);
        w.unref();
        if (m.vectors) job.resolve(m.vectors);
        else job.reject(new KairosError('embedder_unavailable', m.error ?? 'The embedding worker failed.'));
      });
      w.on('error', (e) => this.fail(e));
      this.workers.push(w);
    }
  }

  private run(w: Worker, texts: string[], runtime: LocalRuntime | 'auto'): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { texts, resolve, reject });
      w.ref();
      w.postMessage({ id, texts, runtime });
    });
  }

  /** A crashed worker fails every job in flight; the next call starts a fresh pool. */
  private fail(e: Error): void {
    for (const job of this.pending.values()) job.reject(new KairosError('embedder_unavailable', `The embedding worker stopped: ${e.message}`));
    this.pending.clear();
    void this.close();
  }

  private arm(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => void this.close(), IDLE_MS);
    this.idle.unref();
  }
}

let shared: EmbedPool | null | undefined;

/** The process's pool, or undefined where there is none (see the module comment). */
export function workerPool(): EmbedPool | undefined {
  if (shared === undefined) {
    const file = fileURLToPath(new URL('./embed-worker.mjs', import.meta.url));
    const configured = process.env.KAIROS_EMBED_WORKERS;
    const size = configured === undefined || configured === '' ? Math.min(4, availableParallelism()) : Number(configured);
    shared = Number.isInteger(size) && size > 0 && existsSync(file) ? new EmbedPool(file, size) : null;
  }
  return shared ?? undefined;
}
