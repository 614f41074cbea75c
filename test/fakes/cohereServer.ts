/**
 * A real HTTP server on loopback that speaks Cohere's embed API as the `cohere-ai` client calls
 * it: `POST /v2/embed` (CohereClientV2), `POST /v1/embed` (CohereClient) and
 * `POST /v1/check-api-key`, with Cohere's error bodies. Pass `url` as the client's `baseUrl`.
 * Vectors come from `fakeEmbedding` (deterministic, shared words → similar vectors).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, FailureScript, fakeEmbedding, listen, sendJson } from './openaiServer.js';
import type { FailOptions, FakeFailureKind, QueuedFailure, RecordedRequest, RecordingServer } from './openaiServer.js';

export type { FailOptions, FakeFailureKind, RecordedRequest } from './openaiServer.js';

export const COHERE_MODELS: Readonly<Record<string, number>> = {
  'embed-english-v3.0': 1024,
  'embed-english-light-v3.0': 384,
  'embed-multilingual-v3.0': 1024,
  'embed-multilingual-light-v3.0': 384,
  'embed-v4.0': 1536,
};

export interface FakeCohereOptions {
  /** When set, only this bearer token is accepted; others get 401. */
  apiKey?: string;
  /** Model → native dimension, merged over the real models' sizes. */
  models?: Record<string, number>;
  /** Default delay of `slow` failures; 5000 ms. */
  slowMs?: number;
}

export interface FakeCohere {
  /** http://127.0.0.1:PORT — the client's `baseUrl`. */
  url: string;
  /** Same as `url` (symmetry with the OpenAI fake). */
  baseURL: string;
  requests: RecordedRequest[];
  /** Requests to an embed route, in order. */
  embedRequests(): RecordedRequest[];
  failNext(kind: FakeFailureKind, n?: number, opts?: FailOptions): void;
  reset(): void;
  close(): Promise<void>;
}

const MAX_TEXTS = 96;
const INPUT_TYPES = new Set(['search_document', 'search_query', 'classification', 'clustering', 'image']);

/** Starts the fake on 127.0.0.1 with a free port. */
export async function startFakeCohere(opts: FakeCohereOptions = {}): Promise<FakeCohere> {
  const models: Record<string, number> = { ...COHERE_MODELS, ...opts.models };
  const script = new FailureScript();

  const server: RecordingServer = await listen(async (req, res, rec) => {
    const route = `${req.method} ${rec.path}`;
    const version = route === 'POST /v2/embed' ? 2 : route === 'POST /v1/embed' ? 1 : 0;
    if (version === 0 && route !== 'POST /v1/check-api-key') {
      return sendJson(res, 404, { message: `Unknown route ${route}` });
    }
    const failure = script.next();
    if (failure) {
      rec.failure = failure.kind;
      if (failure.kind === 'drop') return void req.socket.destroy();
      if (failure.kind === 'slow') await delay(failure.opts.delayMs ?? opts.slowMs ?? 5000);
      else if (failure.kind !== 'wrong_dimension') return sendFailure(res, failure, rec);
    }
    if (res.destroyed || req.socket.destroyed) return;
    if (!authorized(req, opts.apiKey)) return sendJson(res, 401, { id: randomUUID(), message: 'invalid api token' });
    if (version === 0) {
      return sendJson(res, 200, { valid: true, organization_id: 'org-fake', owner_id: 'owner-fake' });
    }

    const body = rec.body ?? {};
    const model = typeof body.model === 'string' ? body.model : '';
    const native = models[model];
    if (native === undefined) return sendFailure(res, { kind: 'not_found', opts: {} }, rec);
    const texts: unknown[] = Array.isArray(body.texts) ? body.texts : [];
    if (texts.length === 0 || !texts.every((t) => typeof t === 'string')) {
      return badRequest(res, 'invalid request: texts must be a non-empty array of strings.');
    }
    if (texts.length > MAX_TEXTS) {
      return badRequest(res, `invalid request: texts must contain at most ${MAX_TEXTS} elements, but it has ${texts.length}.`);
    }
    if (version === 2 || model.includes('v3') || model.includes('v4')) {
      if (!INPUT_TYPES.has(body.input_type)) {
        return badRequest(res, 'invalid request: valid input_type must be provided with the provided model.');
      }
    }
    let dimension = native;
    if (body.output_dimension !== undefined) {
      if (model !== 'embed-v4.0' || ![256, 512, 1024, 1536].includes(body.output_dimension)) {
        return badRequest(res, `invalid request: output_dimension ${body.output_dimension} is not supported for model ${model}.`);
      }
      dimension = body.output_dimension;
    }
    if (failure?.kind === 'wrong_dimension') dimension -= 1;

    const vectors = (texts as string[]).map((t) => Array.from(fakeEmbedding(t, dimension, model)));
    const byType = Array.isArray(body.embedding_types) && body.embedding_types.length > 0;
    const meta = {
      api_version: { version: String(version) },
      billed_units: { input_tokens: (texts as string[]).reduce((n, t) => n + t.split(/\s+/).length, 0) },
    };
    return sendJson(res, 200, {
      id: randomUUID(),
      ...(byType || version === 2
        ? { response_type: 'embeddings_by_type', embeddings: { float: vectors } }
        : { response_type: 'embeddings_floats', embeddings: vectors }),
      texts,
      meta,
    });
  });

  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const requests = server.requests;
  return {
    url,
    baseURL: url,
    requests,
    embedRequests: () => requests.filter((r) => r.path.endsWith('/embed')),
    failNext: (kind, n = 1, o = {}) => script.add(kind, n, o),
    reset: () => {
      requests.length = 0;
      script.clear();
    },
    close: () => closeServer(server),
  };
}

function authorized(req: IncomingMessage, expected: string | undefined): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return !!m?.[1] && (expected === undefined || m[1] === expected);
}

function badRequest(res: ServerResponse, message: string): void {
  sendJson(res, 400, { id: randomUUID(), message });
}

function sendFailure(res: ServerResponse, f: QueuedFailure, rec: RecordedRequest): void {
  const id = randomUUID();
  switch (f.kind) {
    case 'unauthorized':
      return sendJson(res, 401, { id, message: 'invalid api token' });
    case 'rate_limit': {
      const headers: Record<string, string> = { 'retry-after': f.opts.retryAfter ?? '0' };
      if (f.opts.retryAfterMs !== undefined) headers['retry-after-ms'] = String(f.opts.retryAfterMs);
      return sendJson(
        res,
        429,
        {
          id,
          message:
            'You are using a Trial key, which is limited to 100 API calls / minute. You can continue to use the Trial ' +
            "key for free or upgrade to a Production key with higher rate limits at 'https://dashboard.cohere.com/api-keys'.",
        },
        headers,
      );
    }
    case 'insufficient_quota':
      return sendJson(res, 402, {
        id,
        message: 'Please add or update your payment method at https://dashboard.cohere.com/billing?tab=payment to continue',
      });
    case 'server_error':
      return sendJson(res, 500, { id, message: `internal server error, this has been reported to our developers. id ${id}` });
    case 'not_found': {
      const model = typeof rec.body?.model === 'string' ? rec.body.model : '';
      return sendJson(res, 404, {
        id,
        message: `model '${model}' not found, make sure the correct model ID was used and that you have access to the model.`,
      });
    }
    default:
      return sendJson(res, 500, { id, message: `fake: unhandled failure ${f.kind}` });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
