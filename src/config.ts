/**
 * Process configuration: environment variables over an optional `$KAIROS_HOME/config.json`.
 * Everything is validated here so a typo fails at start with the offending key named.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { KairosError } from './core/errors.js';
import { kairosHome } from './util/home.js';
import { DEFAULT_SIMILAR_THRESHOLD } from './core/memoryService.js';

export const DEFAULT_PORT = 7377;
/** How long an editor-started engine waits for a client before it exits. */
export const DEFAULT_UNUSED_EXIT_SECONDS = 30;
export const MiB = 1024 * 1024;

import type { StoreConfig } from './stores/index.js';
import { partitionFromEnv, type QdrantPartition } from './stores/qdrant/partition.js';
export type { StoreConfig };

/** Embedder choice persisted in config.json (keys stay in the environment, never in the file). */
/** As read from config.json or a settings request (optional keys may come back undefined). */
export interface EmbedderChoice {
  provider: string;
  model?: string | undefined;
  endpoint?: string | undefined;
  deployment?: string | undefined;
}

export interface KairosConfig {
  /** Data home: token, engine.json, config.json and the embedded store live here. */
  home: string;
  host: string;
  port: number;
  /** True when the port was chosen by the user: then a busy port is an error, not a fallback. */
  portExplicit: boolean;
  store: StoreConfig;
  /** Embedder choice from config.json, if any; the environment (embedderConfigFromEnv) wins. */
  embedder: EmbedderChoice | undefined;
  /** Similarity from which existing memories are reported as `similar` to a new one. */
  similarThreshold: number;
  /** Largest JSON request body, bytes. */
  maxBodyBytes: number;
  /** Largest /v1/import body, bytes. */
  maxImportBytes: number;
  /**
   * Set when `kairos serve` was started by an editor (KAIROS_EXIT_WHEN_UNUSED=1): the server
   * stops after this long without a registered client. Undefined: it never idles out.
   */
  exitWhenUnusedMs: number | undefined;
}

const FileSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  store: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('embedded'), dataDir: z.string().min(1).optional() }),
      z.strictObject({ kind: z.literal('qdrant'), url: z.url() }),
    ])
    .optional(),
  embedder: z
    .strictObject({
      provider: z.string().min(1),
      model: z.string().min(1).optional(),
      endpoint: z.url().optional(),
      deployment: z.string().min(1).optional(),
    })
    .optional(),
  similarThreshold: z.number().gt(0).max(1).optional(),
  maxBodyBytes: z.number().int().min(1024).optional(),
  maxImportBytes: z.number().int().min(1024).optional(),
});

export type ConfigFile = z.infer<typeof FileSchema>;

function configError(where: string, key: string, message: string): KairosError {
  return new KairosError('invalid_input', `Invalid ${where}: "${key}" ${message}`, { details: { key } });
}

/** Reads and validates `$KAIROS_HOME/config.json`; absent file = empty config. */
export function readConfigFile(home: string): ConfigFile {
  const path = join(home, 'config.json');
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new KairosError('invalid_input', `Invalid ${path}: it is not valid JSON.`);
  }
  const parsed = FileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys].join('.') : issue.path.join('.') || '(root)';
    const message =
      key === 'supersedeThreshold' ? RETIRED_SUPERSEDE : issue.code === 'unrecognized_keys' ? 'is not a known setting.' : `is invalid: ${issue.message}`;
    throw configError(path, key, message);
  }
  return parsed.data;
}

function envNumber(env: NodeJS.ProcessEnv, name: string, check: (n: number) => boolean): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw configError('environment', name, `has an invalid value "${v}".`);
  return n;
}

/** Builds the configuration from `env` and the config file in KAIROS_HOME. */
// Retired in 0.2: a similar memory is reported (`similar`), never replaced without being named.
const RETIRED_SUPERSEDE =
  'was retired: Kairos no longer replaces a memory because a new one is similar to it. Remove it; ' +
  'use similarThreshold (KAIROS_SIMILAR_THRESHOLD) to tune which memories are reported as similar.';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): KairosConfig {
  if (env.KAIROS_SUPERSEDE_THRESHOLD !== undefined) throw configError('environment', 'KAIROS_SUPERSEDE_THRESHOLD', RETIRED_SUPERSEDE);
  const home = kairosHome(env);
  const file = readConfigFile(home);
  const envPort = envNumber(env, 'KAIROS_PORT', (n) => Number.isInteger(n) && n >= 0 && n <= 65535);
  const port = envPort ?? file.port;

  let store: StoreConfig;
  const qdrantExtras = (): { apiKey?: string; partition?: QdrantPartition } => ({
    ...(env.QDRANT_API_KEY ? { apiKey: env.QDRANT_API_KEY } : {}),
    ...(env.KAIROS_QDRANT_PARTITION ? { partition: partitionFromEnv(env) } : {}),
  });
  if (env.QDRANT_URL) {
    store = { kind: 'qdrant', url: env.QDRANT_URL, ...qdrantExtras() };
  } else if (file.store?.kind === 'qdrant') {
    store = { kind: 'qdrant', url: file.store.url, ...qdrantExtras() };
  } else {
    store = { kind: 'embedded', dataDir: resolve(home, file.store?.dataDir ?? 'data') };
  }

  return {
    home,
    host: env.KAIROS_HOST || file.host || '127.0.0.1',
    port: port ?? DEFAULT_PORT,
    portExplicit: port !== undefined,
    store,
    embedder: file.embedder,
    similarThreshold: envNumber(env, 'KAIROS_SIMILAR_THRESHOLD', (n) => n > 0 && n <= 1) ?? file.similarThreshold ?? DEFAULT_SIMILAR_THRESHOLD,
    maxBodyBytes: envNumber(env, 'KAIROS_MAX_BODY_BYTES', (n) => Number.isInteger(n) && n >= 1024) ?? file.maxBodyBytes ?? MiB,
    maxImportBytes: envNumber(env, 'KAIROS_MAX_IMPORT_BYTES', (n) => Number.isInteger(n) && n >= 1024) ?? file.maxImportBytes ?? 50 * MiB,
    exitWhenUnusedMs: exitWhenUnused(env),
  };
}

function exitWhenUnused(env: NodeJS.ProcessEnv): number | undefined {
  const flag = env.KAIROS_EXIT_WHEN_UNUSED;
  if (flag === undefined || flag === '' || flag === '0') return undefined;
  if (flag !== '1') throw configError('environment', 'KAIROS_EXIT_WHEN_UNUSED', `has an invalid value "${flag}" (use 1 or 0).`);
  const seconds = envNumber(env, 'KAIROS_UNUSED_EXIT_SECONDS', (n) => n >= 0.1 && n <= 86_400) ?? DEFAULT_UNUSED_EXIT_SECONDS;
  return Math.round(seconds * 1000);
}
