/** Entry of an embedding worker thread (built to dist/embed-worker.mjs): see workerPool.ts. */
import { parentPort } from 'node:worker_threads';
import { embedLocally, type LocalRuntime } from './local.js';

parentPort?.on('message', (m: { id: number; texts: string[]; runtime: LocalRuntime | 'auto' }) => {
  embedLocally(m.texts, m.runtime).then(
    (vectors) =>
      parentPort?.postMessage(
        { id: m.id, vectors },
        vectors.map((v) => v.buffer as ArrayBuffer),
      ),
    (e: unknown) => parentPort?.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) }),
  );
});
