/**
 * Secret screening at write time: a memory is read back by agents, shown in editors and synced to
 * a shared service, so a credential pasted into one leaks everywhere. `findSecret` recognises
 * credentials by their published formats, plus long random values assigned to a key/secret/token/
 * password word. It reports the kind and the position only: callers must never echo the value.
 */

export interface SecretFinding {
  /** Human name of the credential kind, e.g. "GitHub token". */
  kind: string;
  /** 1-based line and column of the first character of the value. */
  line: number;
  column: number;
  /** 0-based offset into the text. */
  offset: number;
}

interface Rule {
  kind: string;
  re: RegExp;
  /** Capture group holding the value (default: the whole match). */
  group?: number;
}

// A token starts and ends at a boundary: not inside a longer word, hash or base64 run.
const B = '(?<![A-Za-z0-9_+/-])';
const E = '(?![A-Za-z0-9_+/-])';

/** Formats from each provider's documentation; prefixes make them exact. */
const FORMAT_RULES: Rule[] = [
  { kind: 'private key', re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  { kind: 'Anthropic API key', re: new RegExp(`${B}sk-ant-[a-z]+\\d*-[A-Za-z0-9_-]{32,}${E}`, 'g') },
  { kind: 'OpenAI API key', re: new RegExp(`${B}sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{32,}${E}`, 'g') },
  { kind: 'OpenAI API key', re: new RegExp(`${B}sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}${E}`, 'g') },
  { kind: 'GitHub token', re: new RegExp(`${B}gh[pousr]_[A-Za-z0-9]{36,255}${E}`, 'g') },
  { kind: 'GitHub token', re: new RegExp(`${B}github_pat_[A-Za-z0-9_]{50,255}${E}`, 'g') },
  { kind: 'GitLab token', re: new RegExp(`${B}gl(?:pat|dt|rt|ptt|cbt|imt|oas|ft|agent|soat|ffct)-[A-Za-z0-9_-]{20,}${E}`, 'g') },
  { kind: 'AWS access key id', re: new RegExp(`${B}(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}${E}`, 'g') },
  {
    kind: 'AWS secret access key',
    re: /aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    group: 1,
  },
  { kind: 'Azure storage key', re: /AccountKey=([A-Za-z0-9+/]{80,}={0,2})/g, group: 1 },
  { kind: 'Azure shared access signature', re: /[?&]sig=([A-Za-z0-9%+/]{40,}={0,2})/g, group: 1 },
  { kind: 'Azure connection string key', re: /SharedAccessKey=([A-Za-z0-9+/]{40,}={0,2})/g, group: 1 },
  { kind: 'Google API key', re: new RegExp(`${B}AIza[0-9A-Za-z_-]{35}${E}`, 'g') },
  { kind: 'Google OAuth client secret', re: new RegExp(`${B}GOCSPX-[A-Za-z0-9_-]{28}${E}`, 'g') },
  { kind: 'Slack token', re: new RegExp(`${B}xox[abposre]-[A-Za-z0-9-]{10,}${E}`, 'g') },
  { kind: 'Slack webhook URL', re: /hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/([A-Za-z0-9]{20,})/g, group: 1 },
  { kind: 'Stripe key', re: new RegExp(`${B}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}${E}`, 'g') },
  { kind: 'Stripe webhook secret', re: new RegExp(`${B}whsec_[A-Za-z0-9]{24,}${E}`, 'g') },
  { kind: 'npm token', re: new RegExp(`${B}npm_[A-Za-z0-9]{36}${E}`, 'g') },
  { kind: 'JSON Web Token', re: new RegExp(`${B}eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,}${E}`, 'g') },
];

/** `scheme://user:password@host`; the password is group 1. */
const CONNECTION_STRING = /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@'"]+:([^\s@/'"]+)@[^\s/'"]+/gi;
/** `Password=…;` in ADO.NET / ODBC style connection strings. */
const KEYED_PASSWORD = /\b(?:password|pwd)=([^;\s'"]{6,})(?=;|\s|$|['"])/gi;

/**
 * A key/secret/token/password word, up to four more words on the line ("token for the staging
 * api"), an assignment or "is", then a value (group 1).
 */
const ASSIGNED_SECRET =
  /(?:api[_-]?key|apikey|access[_-]?key|secret(?:[_-]?key)?|client[_-]?secret|private[_-]?key|token|passw(?:or)?d|pwd|credentials?|auth)(?:[ \t]+[A-Za-z][\w-]*){0,4}["'\])]*[ \t]*(?::=|=>|[:=]|\bis\b)[ \t]*["'`]?([A-Za-z0-9+/_.~=-]{16,})/gi;

/** Values that stand for a secret in docs and config templates, never a secret themselves. */
const PLACEHOLDER = /^(?:x+|\*+|\.+|your|my|example|sample|dummy|changeme|placeholder|redacted|secret|password|process|env|os\b)/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A generated credential: long, mixes letters and digits, close to random. */
function looksRandom(value: string): boolean {
  const v = value.replace(/[.=]+$/, '');
  if (v.length < 16 || PLACEHOLDER.test(v) || UUID.test(v)) return false;
  if (!/[0-9]/.test(v) || !/[A-Za-z]/.test(v)) return false;
  // Dotted names and paths (process.env.X, config.auth.token, a/b/c) are references, not values.
  if (/^[A-Za-z_][\w]*(?:[./][A-Za-z_][\w]*)+$/.test(v)) return false;
  return entropy(v) >= 3.2;
}

function isPlaceholderPassword(value: string): boolean {
  return /^(?:\$\{?|<|\{\{|%|\*+$|x+$|\.+$)/i.test(value) || /^(?:password|pass|passwd|secret|changeme|pw|pwd|user|example)$/i.test(value);
}

/** Base64 data URIs (inline images) are long and random by nature: blank them before scanning. */
function maskDataUris(text: string): string {
  return text.replace(/data:[\w.+-]+\/[\w.+-]+;base64,[A-Za-z0-9+/=]+/g, (m) => ' '.repeat(m.length));
}

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function valueOffset(match: RegExpExecArray, group: number | undefined): number {
  if (!group) return match.index;
  const value = match[group]!;
  return match.index + match[0].lastIndexOf(value);
}

/** The first credential in `text` (lowest offset), or null. */
export function findSecret(text: string): SecretFinding | null {
  const scan = maskDataUris(text);
  let best: { kind: string; offset: number } | null = null;
  const consider = (kind: string, offset: number): void => {
    if (!best || offset < best.offset) best = { kind, offset };
  };
  for (const rule of FORMAT_RULES) {
    rule.re.lastIndex = 0;
    for (let m = rule.re.exec(scan); m; m = rule.re.exec(scan)) consider(rule.kind, valueOffset(m, rule.group));
  }
  for (const re of [CONNECTION_STRING, KEYED_PASSWORD]) {
    re.lastIndex = 0;
    for (let m = re.exec(scan); m; m = re.exec(scan)) {
      if (!isPlaceholderPassword(m[1]!)) consider('password in a connection string', valueOffset(m, 1));
    }
  }
  ASSIGNED_SECRET.lastIndex = 0;
  for (let m = ASSIGNED_SECRET.exec(scan); m; m = ASSIGNED_SECRET.exec(scan)) {
    if (looksRandom(m[1]!)) consider('secret value', valueOffset(m, 1));
  }
  if (!best) return null;
  const found: { kind: string; offset: number } = best;
  return { kind: found.kind, offset: found.offset, ...position(text, found.offset) };
}

/** The refusal message: kind and position, never the value. */
export function describeSecret(field: string, f: SecretFinding): string {
  return (
    `"${field}" contains what looks like a ${f.kind} at line ${f.line}, column ${f.column}. ` +
    `Kairos does not store credentials: remove it or replace it with a placeholder such as <REDACTED>, then save again.`
  );
}
