/**
 * A real HTTP server on loopback that speaks the OpenAI embeddings wire format
 * (`POST /v1/embeddings`, `GET /v1/models`) and Azure OpenAI's
 * (`POST /openai/deployments/{deployment}/embeddings?api-version=…` with an `api-key` header),
 * including their error bodies. Point the real `openai` client at `baseURL` (OpenAI) or `url`
 * (Azure endpoint).
 *
 * Vectors are deterministic bag-of-words hashes: the same text always gets the same vector and
 * texts sharing words get similar ones, so search behaves plausibly in other suites.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Scripted failures, consumed one per API request in the order they were queued. */
export type FakeFailureKind =
  | 'unauthorized' // 401 with the provider's error body
  | 'rate_limit' // 429 with Retry-After (default "0", see FailOptions)
  | 'insufficient_quota' // OpenAI: 429 insufficient_quota; Cohere: 402 billing
  | 'server_error' // 500
  | 'not_found' // OpenAI: 404 model_not_found; Azure: 404 DeploymentNotFound; Cohere: 404 model
  | 'slow' // answers normally after `delayMs` (default: the server's slowMs)
  | 'drop' // destroys the socket without answering (a network error)
  | 'wrong_dimension'; // answers with vectors one entry short

export interface FailOptions {
  /** Retry-After header value for `rate_limit` (seconds or HTTP date); default "0". */
  retryAfter?: string;
  /** Adds a `retry-after-ms` header (OpenAI and Azure send it) for `rate_limit`. */
  retryAfterMs?: number;
  /** Delay for `slow`. */
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when there was none). */
  body: any;
  /** Status answered; 0 while pending or when the socket was dropped. */
  status: number;
  /** The scripted failure this request consumed, if any. */
  failure?: FakeFailureKind;
}

export interface FakeOpenAIOptions {
  /** When set, only this key is accepted (as `Authorization: Bearer` or `api-key`); others get 401. */
  apiKey?: string;
  /** Model → native dimension, merged over the real models' sizes (an entry can override one). */
  models?: Record<string, number>;
  /** Azure deployment → model. Default: every known model name is also a deployment name. */
  deployments?: Record<string, string>;
  /** Default delay of `slow` failures; 5000 ms. */
  slowMs?: number;
}

export interface FakeOpenAI {
  /** http://127.0.0.1:PORT — the Azure `endpoint`. */
  url: string;
  /** `${url}/v1` — the OpenAI client's `baseURL`. */
  baseURL: string;
  /** Every request received, in order (live array; clear with `reset()`). */
  requests: RecordedRequest[];
  /** Requests to an embeddings route, in order. */
  embeddingRequests(): RecordedRequest[];
  /** Queues `n` (default 1) failures of `kind` for the next API requests. */
  failNext(kind: FakeFailureKind, n?: number, opts?: FailOptions): void;
  /** Forgets recorded requests and queued failures. */
  reset(): void;
  close(): Promise<void>;
}

export const OPENAI_MODELS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/** Starts the fake on 127.0.0.1 with a free port. */
export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const models: Record<string, number> = { ...OPENAI_MODELS, ...opts.models };
  const deployments: Record<string, string> = opts.deployments ?? Object.fromEntries(Object.keys(models).map((m) => [m, m]));
  const script = new FailureScript();

  const server = await listen(async (req, res, rec) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const azure = /^\/openai\/deployments\/([^/]+)\/embeddings$/.exec(url.pathname);
    const isOpenAIEmbeddings = url.pathname === '/v1/embeddings' && req.method === 'POST';
    const isModels = url.pathname === '/v1/models' && req.method === 'GET';
    if (!isOpenAIEmbeddings && !isModels && !(azure && req.method === 'POST')) {
      return sendJson(res, 404, oaiError(`Unknown route ${req.method} ${url.pathname}`));
    }
    const dialect: Dialect = azure ? 'azure' : 'openai';

    const failure = script.next();
    if (failure) {
      rec.failure = failure.kind;
      if (failure.kind === 'drop') return void req.socket.destroy();
      if (failure.kind === 'slow') await delay(failure.opts.delayMs ?? opts.slowMs ?? 5000);
      else if (failure.kind !== 'wrong_dimension') return sendFailure(res, dialect, failure, rec, req);
    }
    if (res.destroyed || req.socket.destroyed) return;

    const auth = checkAuth(req, dialect, opts.apiKey);
    if (auth) return sendJson(res, 401, auth);

    if (isModels) {
      return sendJson(res, 200, {
        object: 'list',
        data: Object.keys(models).map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'system' })),
      });
    }

    let model: string;
    if (azure) {
      if (!url.searchParams.get('api-version')) {
        return sendJson(res, 400, {
          error: {
            code: 'MissingApiVersionParameter',
            message: 'The api-version query parameter (?api-version=) is required for all requests.',
          },
        });
      }
      const deployment = decodeURIComponent(azure[1] ?? '');
      const mapped = deployments[deployment];
      if (!mapped) return sendFailure(res, 'azure', { kind: 'not_found', opts: {} }, rec, req);
      model = mapped;
    } else {
      model = typeof rec.body?.model === 'string' ? rec.body.model : '';
      if (!(model in models)) return sendFailure(res, 'openai', { kind: 'not_found', opts: {} }, rec, req);
    }

    const body = rec.body ?? {};
    const inputs: unknown[] = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input : [];
    if (inputs.length === 0 || inputs.length > 2048 || !inputs.every((t) => typeof t === 'string' && t !== '')) {
      const hint = 'Please check the API reference: https://platform.openai.com/docs/api-reference.';
      return sendJson(res, 400, oaiError(`'$.input' is invalid. ${hint}`));
    }
    const native = models[model] ?? 1536;
    let dimension = native;
    if (body.dimensions !== undefined) {
      if (!model.startsWith('text-embedding-3') && model in OPENAI_MODELS) {
        return sendJson(res, 400, oaiError('This model does not support specifying dimensions.', { param: 'dimensions' }));
      }
      if (!Number.isInteger(body.dimensions) || body.dimensions < 1 || body.dimensions > native) {
        const message = `Invalid value for 'dimensions' = ${body.dimensions}.`;
        return sendJson(res, 400, oaiError(message, { param: 'dimensions' }));
      }
      dimension = body.dimensions;
    }
    if (failure?.kind === 'wrong_dimension') dimension -= 1;

    const base64 = body.encoding_format === 'base64';
    const texts = inputs as string[];
    const tokens = texts.reduce((n, t) => n + t.split(/\s+/).length, 0);
    return sendJson(res, 200, {
      object: 'list',
      data: texts.map((text, index) => {
        const v = fakeEmbedding(text, dimension, model);
        const embedding = base64 ? Buffer.from(v.buffer).toString('base64') : Array.from(v);
        return { object: 'embedding', index, embedding };
      }),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  });

  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const requests = (server as RecordingServer).requests;
  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    embeddingRequests: () => requests.filter((r) => r.path.endsWith('/embeddings')),
    failNext: (kind, n = 1, o = {}) => script.add(kind, n, o),
    reset: () => {
      requests.length = 0;
      script.clear();
    },
    close: () => closeServer(server),
  };
}

type Dialect = 'openai' | 'azure';

function sendFailure(res: ServerResponse, dialect: Dialect, f: QueuedFailure, rec: RecordedRequest, req: IncomingMessage): void {
  const model = typeof rec.body?.model === 'string' ? rec.body.model : 'text-embedding-3-small';
  switch (f.kind) {
    case 'unauthorized':
      return sendJson(res, 401, unauthorizedBody(dialect, presentedKey(req)));
    case 'rate_limit': {
      const headers: Record<string, string> = { 'retry-after': f.opts.retryAfter ?? '0' };
      if (f.opts.retryAfterMs !== undefined) headers['retry-after-ms'] = String(f.opts.retryAfterMs);
      const body =
        dialect === 'azure'
          ? azureError(
              '429',
              'Requests to the Embeddings_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded ' +
                'call rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second.',
            )
          : oaiError(`Rate limit reached for ${model} in organization org-fake on requests per min (RPM): ` + 'Limit 3000, Used 3000, Requested 1.', {
              type: 'requests',
              code: 'rate_limit_exceeded',
            });
      return sendJson(res, 429, body, headers);
    }
    case 'insufficient_quota':
      return sendJson(
        res,
        429,
        oaiError(
          'You exceeded your current quota, please check your plan and billing details. For more information on ' +
            'this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
          { type: 'insufficient_quota', code: 'insufficient_quota' },
        ),
      );
    case 'server_error':
      return sendJson(res, 500, oaiError('The server had an error while processing your request. Sorry about that!', { type: 'server_error' }));
    case 'not_found':
      return sendJson(
        res,
        404,
        dialect === 'azure'
          ? azureError(
              'DeploymentNotFound',
              'The API deployment for this resource does not exist. If you created the deployment within the last ' +
                '5 minutes, please wait a moment and try again.',
            )
          : oaiError(`The model \`${model}\` does not exist or you do not have access to it.`, { code: 'model_not_found' }),
      );
    default:
      return sendJson(res, 500, oaiError(`fake: unhandled failure ${f.kind}`, { type: 'server_error' }));
  }
}

/** Azure OpenAI's error envelope. */
function azureError(code: string, message: string): { error: Record<string, unknown> } {
  return { error: { code, message } };
}

/** OpenAI's error envelope. */
function oaiError(message: string, o: { type?: string; code?: string | null; param?: string | null } = {}): { error: Record<string, unknown> } {
  return { error: { message, type: o.type ?? 'invalid_request_error', param: o.param ?? null, code: o.code ?? null } };
}

function presentedKey(req: IncomingMessage): string | undefined {
  const apiKey = req.headers['api-key'];
  if (typeof apiKey === 'string' && apiKey) return apiKey;
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

function checkAuth(req: IncomingMessage, dialect: Dialect, expected: string | undefined): object | undefined {
  const key = presentedKey(req);
  if (key && (expected === undefined || key === expected)) return undefined;
  return unauthorizedBody(dialect, key);
}

function unauthorizedBody(dialect: Dialect, key: string | undefined): object {
  if (dialect === 'azure') {
    return azureError(
      '401',
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for ' +
        'an active subscription and use a correct regional API endpoint for your resource.',
    );
  }
  if (!key) {
    return oaiError(
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer " +
        'auth (i.e. Authorization: Bearer YOUR_KEY).',
    );
  }
  // OpenAI echoes a masked key: the start and the last four characters.
  const masked = key.length > 11 ? `${key.slice(0, 7)}${'*'.repeat(key.length - 11)}${key.slice(-4)}` : '****';
  return oaiError(`Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`, {
    code: 'invalid_api_key',
  });
}

// ---- shared by the fakes ------------------------------------------------------------------

/**
 * Deterministic unit vector for `text`: the sum of one pseudo-random vector per lower-cased word
 * (seeded by the word and `salt`), normalised. Shared words → similar vectors.
 */
export function fakeEmbedding(text: string, dimension: number, salt = ''): Float32Array {
  const out = new Float32Array(dimension);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [text];
  for (const word of words) {
    const next = prng(createHash('sha256').update(`${salt}\u0000${word}`).digest());
    for (let i = 0; i < dimension; i++) out[i] = (out[i] as number) + next() * 2 - 1;
  }
  let norm = 0;
  for (const x of out) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dimension; i++) out[i] = (out[i] as number) / norm;
  return out;
}

/** xoshiro128** seeded from a digest; returns floats in [0, 1). */
function prng(seed: Buffer): () => number {
  let a = seed.readUInt32LE(0),
    b = seed.readUInt32LE(4),
    c = seed.readUInt32LE(8),
    d = seed.readUInt32LE(12);
  return () => {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return r / 4294967296;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export interface QueuedFailure {
  kind: FakeFailureKind;
  opts: FailOptions;
}

/** FIFO of scripted failures. */
export class FailureScript {
  private queue: QueuedFailure[] = [];
  add(kind: FakeFailureKind, n: number, opts: FailOptions): void {
    for (let i = 0; i < n; i++) this.queue.push({ kind, opts });
  }
  next(): QueuedFailure | undefined {
    return this.queue.shift();
  }
  clear(): void {
    this.queue = [];
  }
}

export type RecordingServer = Server & { requests: RecordedRequest[] };

/** Starts a JSON server on 127.0.0.1:0 that records each request before `handle` runs. */
export async function listen(handle: (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest) => Promise<void> | void): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
        status: 0,
      };
      requests.push(rec);
      res.on('finish', () => {
        rec.status = res.statusCode;
      });
      Promise.resolve(handle(req, res, rec)).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { message: `fake server error: ${String(error)}` } });
      });
    });
  }) as RecordingServer;
  server.requests = requests;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    'x-request-id': `req_${randomUUID().replaceAll('-', '')}`,
    ...headers,
  });
  res.end(json);
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
