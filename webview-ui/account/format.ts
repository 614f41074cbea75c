/** Pure text for the page: dates, key hints, scopes, channels, roles. No DOM here. */
import { isKeyedProvider, EMBEDDING_PROVIDER_LABELS } from '../../src/protocol/embedders.js';
import type { ApiKeyInfo, Channel, EmbedderKeyView, LoginProviderInfo, SpaceRole } from './types.js';

export interface DateOptions {
  /** IANA zone; default: the browser's. Tests pin it. */
  timeZone?: string;
}

function valid(iso: string | null | undefined): Date | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** "12 Mar 2025"; '' for a missing or unreadable date. */
export function formatDate(iso: string | null | undefined, o: DateOptions = {}): string {
  const d = valid(iso);
  if (!d) return '';
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', ...(o.timeZone ? { timeZone: o.timeZone } : {}) }).format(d);
}

/** "12 Mar 2025, 14:05"; '' for a missing or unreadable date. */
export function formatDateTime(iso: string | null | undefined, o: DateOptions = {}): string {
  const d = valid(iso);
  if (!d) return '';
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(o.timeZone ? { timeZone: o.timeZone } : {}),
  }).format(d);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "never", "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", then a date. */
export function lastUsed(iso: string | null | undefined, now: Date, o: DateOptions = {}): string {
  const d = valid(iso);
  if (!d) return 'never';
  const ago = now.getTime() - d.getTime();
  if (ago < MINUTE) return 'just now';
  if (ago < HOUR) return `${Math.floor(ago / MINUTE)} min ago`;
  if (ago < DAY) return `${Math.floor(ago / HOUR)} h ago`;
  if (ago < 2 * DAY) return 'yesterday';
  if (ago < 7 * DAY) return `${Math.floor(ago / DAY)} days ago`;
  return formatDate(iso, o);
}

export function providerName(provider: string): string {
  return isKeyedProvider(provider) ? EMBEDDING_PROVIDER_LABELS[provider] : provider;
}

/** The stored key as "openai …abcd": provider and last four characters, never more. */
export function keyHint(view: Pick<EmbedderKeyView, 'provider' | 'keyLast4'> & { keyHint?: string }): string {
  if (view.keyHint) return view.keyHint;
  const last4 = (view.keyLast4 ?? '').slice(-4);
  return last4 ? `${view.provider} …${last4}` : view.provider;
}

/** One line about the stored key's model and where it runs, e.g. "text-embedding-3-small · my-deploy". */
export function embedderSummary(view: Pick<EmbedderKeyView, 'provider' | 'model' | 'endpoint' | 'deployment'>): string {
  const parts = [providerName(view.provider)];
  if (view.model) parts.push(view.model);
  if (view.deployment) parts.push(`deployment ${view.deployment}`);
  if (view.endpoint) parts.push(hostOf(view.endpoint) ?? view.endpoint);
  return parts.join(' · ');
}

const SCOPE_ORDER = ['read', 'write', 'admin'];

/** Scopes in a fixed order, de-duplicated: "read, write". OAuth's "memories:read" reads "read". */
export function formatScopes(scopes: readonly string[]): string {
  const short = [...new Set(scopes.map((s) => s.replace(/^memories:/, '')))];
  short.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return short.length ? short.join(', ') : 'none';
}

function rank(s: string): number {
  const i = SCOPE_ORDER.indexOf(s);
  return i < 0 ? SCOPE_ORDER.length : i;
}

export type KeyState = 'active' | 'expired' | 'revoked';

export function keyState(k: Pick<ApiKeyInfo, 'expiresAt' | 'revokedAt'>, now: Date): KeyState {
  if (k.revokedAt) return 'revoked';
  const exp = valid(k.expiresAt);
  if (exp && exp.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** The key's status line: "Created 1 Mar 2025 · expires 1 Apr 2025 · last used 3 h ago". */
export function keyDetails(k: ApiKeyInfo, now: Date, o: DateOptions = {}): string {
  const state = keyState(k, now);
  const parts = [`Created ${formatDate(k.createdAt, o)}`];
  if (state === 'revoked') parts.push(`revoked ${formatDate(k.revokedAt, o)}`);
  else if (state === 'expired') parts.push(`expired ${formatDate(k.expiresAt, o)}`);
  else parts.push(k.expiresAt ? `expires ${formatDate(k.expiresAt, o)}` : 'never expires');
  parts.push(`last used ${lastUsed(k.lastUsedAt, now, o)}`);
  return parts.join(' · ');
}

export function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}

export interface ChannelLabel {
  /** Codicon name. */
  icon: string;
  /** "GitHub", "OpenID Connect (accounts.example.com)". */
  title: string;
  /** Who, within that channel: the GitHub user id, the OIDC subject, … */
  detail: string;
}

const CHANNELS: Record<string, { icon: string; title: string }> = {
  github: { icon: 'github', title: 'GitHub' },
  oidc: { icon: 'shield', title: 'OpenID Connect' },
  telegram: { icon: 'comment-discussion', title: 'Telegram' },
  cli: { icon: 'terminal', title: 'Command line' },
};

/** Splits an OIDC channel uid "<issuer>:<sub>"; the issuer is a URL and may hold ':' itself. */
export function splitOidcUid(uid: string): { issuer: string; sub: string } | undefined {
  const m = /^(https?:\/\/[^/:?#]+(?::\d+)?(?:\/[^:?#]*)?):(.+)$/.exec(uid);
  if (m) return { issuer: m[1]!, sub: m[2]! };
  const i = uid.lastIndexOf(':');
  return i > 0 && i < uid.length - 1 ? { issuer: uid.slice(0, i), sub: uid.slice(i + 1) } : undefined;
}

/**
 * How a linked channel reads: named after the configured provider whose issuer it carries
 * (else "OpenID Connect (host)"), and shown as the name the provider reported, else its id.
 */
export function channelLabel(c: Pick<Channel, 'type' | 'uid' | 'displayName'>, providers: readonly LoginProviderInfo[] = []): ChannelLabel {
  const known = CHANNELS[c.type] ?? { icon: 'link', title: c.type };
  const name = c.displayName?.trim();
  if (c.type === 'oidc') {
    const parts = splitOidcUid(c.uid);
    if (parts) {
      const provider = providers.find((p) => p.issuer !== undefined && p.issuer.replace(/\/$/, '') === parts.issuer.replace(/\/$/, ''));
      const title = provider ? provider.name : `${known.title} (${hostOf(parts.issuer) ?? parts.issuer})`;
      return { icon: known.icon, title, detail: name || parts.sub };
    }
  }
  return { icon: known.icon, title: known.title, detail: name || c.uid };
}

const ROLE_NAMES: Record<SpaceRole, string> = { owner: 'Owner', writer: 'Writer', reader: 'Reader' };

export function roleName(role: string): string {
  return ROLE_NAMES[role as SpaceRole] ?? role;
}

/** "Valid until 12 Mar 2025, 14:05, once." */
export function validUntil(iso: string, o: DateOptions = {}): string {
  const when = formatDateTime(iso, o);
  return when ? `Valid until ${when}, once.` : 'Valid once.';
}
