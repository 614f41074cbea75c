/**
 * One logger for every process. Writes one line per record to stderr (stdout belongs to stdio
 * MCP and CLI output) and passes every field through redact(), so secrets cannot leak by
 * accident even when a caller logs a whole object.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

const SECRET_KEY =
  /^(token|apikey|api_key|authorization|password|passwd|secret|cookie|set-cookie|x-api-key|clientsecret|client_secret|accesstoken|access_token|refreshtoken|refresh_token)$/i;
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [redacted]'],
  [/\bkairos_sk_[A-Za-z0-9_-]+/g, '[redacted]'],
  [/\bsk-[A-Za-z0-9_-]{8,}/g, '[redacted]'],
  [/([?&]token=)[^&\s"]+/gi, '$1[redacted]'],
  [/(kairos_session=)[^;\s"]+/gi, '$1[redacted]'],
  // Credentials inside a URL (https://user:pass@host): the host stays, the userinfo goes.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"]+@/gi, '$1[redacted]@'],
];

function redactString(s: string): string {
  let out = s;
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** Returns a copy of `value` with secret-looking strings and secret-named keys replaced. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[…]';
  if (value instanceof Error) {
    return { name: value.name, message: redactString(value.message), ...('code' in value ? { code: (value as { code: unknown }).code } : {}) };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger for a sub-component: tags join with a dot. */
  child(component: string): Logger;
}

export type LogSink = (line: string) => void;

let sink: LogSink = (line) => {
  process.stderr.write(line + '\n');
};

function envLevel(): LogLevel {
  const v = (process.env.KAIROS_LOG_LEVEL ?? 'info').toLowerCase();
  return v in ORDER ? (v as LogLevel) : 'info';
}

/** Redirects log output (tests capture it here). Returns the previous sink. */
export function setLogSink(next: LogSink): LogSink {
  const prev = sink;
  sink = next;
  return prev;
}

/** Creates a logger tagged with `component`; the level is read from KAIROS_LOG_LEVEL on each call. */
export function createLogger(component: string): Logger {
  const write = (level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < ORDER[envLevel()]) return;
    const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(redact(fields)) : '';
    sink(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${component}] ${redactString(message)}${extra}`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (c) => createLogger(`${component}.${c}`),
  };
}
