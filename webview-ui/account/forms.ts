/**
 * Pure form logic: what a form's fields become as a request body, or which field is wrong and
 * why. The DOM code only reads values in and shows the outcome.
 */
import { CHANNEL_TYPE_PATTERN, RESERVED_CHANNEL_TYPES } from '../../src/protocol/channels.js';
import { isKeyedProvider } from '../../src/protocol/embedders.js';
import type { CreateConnectorBody, CreateKeyBody, EmbedderKeyBody, FirstContactPolicy, Scope } from './types.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

const fail = <T>(field: string, message: string): Checked<T> => ({ ok: false, field, message });

export interface EmbedderFields {
  provider: string;
  model: string;
  endpoint: string;
  deployment: string;
  apiKey: string;
}

/** Endpoint and deployment name a resource in Azure; the other providers have fixed hosts. */
export function needsAzureFields(provider: string): boolean {
  return provider === 'azure';
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Body of "Test key" and "Save": empty optional fields are left out, deployment for Azure only. */
export function embedderBody(f: EmbedderFields): Checked<EmbedderKeyBody> {
  const provider = f.provider.trim();
  if (!isKeyedProvider(provider)) return fail('provider', 'Choose a provider: OpenAI, Azure OpenAI or Cohere.');
  const apiKey = f.apiKey.trim();
  const model = f.model.trim();
  const endpoint = f.endpoint.trim();
  const deployment = f.deployment.trim();
  const azure = needsAzureFields(provider);
  if (azure && !endpoint) return fail('endpoint', 'Azure OpenAI needs the endpoint of your resource, e.g. https://my-resource.openai.azure.com.');
  if (endpoint && !isHttpUrl(endpoint)) return fail('endpoint', 'The endpoint must be a URL starting with https://.');
  if (azure && !deployment) return fail('deployment', 'Azure OpenAI needs the deployment name chosen in the Azure portal.');
  if (!apiKey) return fail('apiKey', 'Enter the API key.');
  if (apiKey.length < 8) return fail('apiKey', 'This API key is too short.');
  if (apiKey.length > 512) return fail('apiKey', 'This API key is too long.');
  return {
    ok: true,
    value: {
      provider,
      apiKey,
      ...(model ? { model } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(azure && deployment ? { deployment } : {}),
    },
  };
}

/** A date input's "YYYY-MM-DD" as the end of that day in UTC, e.g. "2025-03-12T23:59:59.999Z". */
export function expiryToIso(date: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d, 23, 59, 59, 999);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return back.toISOString();
}

export interface KeyFields {
  name: string;
  scopes: readonly Scope[];
  /** "YYYY-MM-DD" or ''. */
  expiry: string;
}

export function createKeyBody(f: KeyFields, now: Date): Checked<CreateKeyBody> {
  const name = f.name.trim();
  if (!name) return fail('name', 'Give the key a name, e.g. the machine or agent that will use it.');
  if (name.length > 100) return fail('name', 'Key names are at most 100 characters.');
  const order: Scope[] = ['read', 'write', 'admin'];
  const scopes = order.filter((s) => f.scopes.includes(s));
  if (scopes.length === 0) return fail('scopes', 'Choose at least one scope.');
  if (!f.expiry.trim()) return { ok: true, value: { name, scopes } };
  const expiresAt = expiryToIso(f.expiry);
  if (!expiresAt) return fail('expiry', 'The expiry date is not a valid date.');
  if (Date.parse(expiresAt) <= now.getTime()) return fail('expiry', 'The expiry date must be in the future.');
  return { ok: true, value: { name, scopes, expiresAt } };
}

export interface ConnectorFields {
  name: string;
  channelType: string;
  firstContact: FirstContactPolicy;
  /** "YYYY-MM-DD" or ''. */
  expiry: string;
}

export function createConnectorBody(f: ConnectorFields, now: Date): Checked<CreateConnectorBody> {
  const name = f.name.trim();
  if (!name) return fail('name', 'Give the connector a name, e.g. the bot it is for.');
  if (name.length > 100) return fail('name', 'Connector names are at most 100 characters.');
  const channelType = f.channelType.trim();
  if (!CHANNEL_TYPE_PATTERN.test(channelType)) return fail('channelType', 'The channel is a lowercase id such as telegram, discord, slack or web.');
  if (RESERVED_CHANNEL_TYPES.includes(channelType))
    return fail('channelType', `"${channelType}" is reserved for Kairos's own sign-ins; name the channel the bot serves.`);
  const base = { name, channelType, firstContact: f.firstContact };
  if (!f.expiry.trim()) return { ok: true, value: base };
  const expiresAt = expiryToIso(f.expiry);
  if (!expiresAt) return fail('expiry', 'The expiry date is not a valid date.');
  if (Date.parse(expiresAt) <= now.getTime()) return fail('expiry', 'The expiry date must be in the future.');
  return { ok: true, value: { ...base, expiresAt } };
}

/** A link or invite code as typed: trimmed; the server accepts 4 to 64 characters. */
export function codeValue(input: string, field = 'code'): Checked<string> {
  const code = input.trim();
  if (code.length < 4) return fail(field, 'Enter the code you were given.');
  if (code.length > 64) return fail(field, 'This code is too long.');
  return { ok: true, value: code };
}

export function teamName(input: string): Checked<string> {
  const name = input.trim();
  if (!name) return fail('name', 'Give the team space a name.');
  if (name.length > 100) return fail('name', 'Team names are at most 100 characters.');
  return { ok: true, value: name };
}

/** What the person must type before "Delete account" is enabled. */
export const DELETE_PHRASE = 'delete my account';

export function matchesDeletePhrase(input: string): boolean {
  return input.trim() === DELETE_PHRASE;
}

/** The server refuses to unlink the last channel; the page says so before asking. */
export function canUnlink(channelCount: number): boolean {
  return channelCount > 1;
}

/** A 409 from redeem that asks what happens to the memories this sign-in already holds. */
export function needsMergeChoice(e: { code: string; message: string }): boolean {
  return e.code === 'conflict' && /\bmerge\b/i.test(e.message);
}
