import { describe, expect, it } from 'vitest';
import {
  canUnlink,
  codeValue,
  createConnectorBody,
  createKeyBody,
  DELETE_PHRASE,
  embedderBody,
  expiryToIso,
  matchesDeletePhrase,
  needsMergeChoice,
  teamName,
} from '../../webview-ui/account/forms.js';

const empty = { provider: 'openai', model: '', endpoint: '', deployment: '', apiKey: '' };

describe('embedderBody', () => {
  it('sends only what was filled in, trimmed', () => {
    expect(embedderBody({ ...empty, apiKey: '  sk-test-1234  ' })).toEqual({ ok: true, value: { provider: 'openai', apiKey: 'sk-test-1234' } });
    expect(embedderBody({ ...empty, provider: 'cohere', model: ' embed-english-v3.0 ', apiKey: 'co-12345678' })).toEqual({
      ok: true,
      value: { provider: 'cohere', apiKey: 'co-12345678', model: 'embed-english-v3.0' },
    });
  });

  it('sends a deployment for Azure only', () => {
    expect(embedderBody({ ...empty, deployment: 'left-over', apiKey: 'sk-12345678' })).toEqual({
      ok: true,
      value: { provider: 'openai', apiKey: 'sk-12345678' },
    });
    expect(embedderBody({ provider: 'azure', model: '', endpoint: 'https://r.openai.azure.com', deployment: 'emb', apiKey: 'az-12345678' })).toEqual({
      ok: true,
      value: { provider: 'azure', apiKey: 'az-12345678', endpoint: 'https://r.openai.azure.com', deployment: 'emb' },
    });
  });

  it('names the field that is wrong', () => {
    expect(embedderBody({ ...empty, provider: 'azure', apiKey: 'az-12345678' })).toMatchObject({ ok: false, field: 'endpoint' });
    expect(embedderBody({ ...empty, provider: 'azure', endpoint: 'https://r.openai.azure.com', apiKey: 'az-12345678' })).toMatchObject({
      ok: false,
      field: 'deployment',
    });
    expect(embedderBody({ ...empty, endpoint: 'javascript:alert(1)', apiKey: 'sk-12345678' })).toMatchObject({ ok: false, field: 'endpoint' });
    expect(embedderBody({ ...empty, endpoint: 'not a url', apiKey: 'sk-12345678' })).toMatchObject({ ok: false, field: 'endpoint' });
    expect(embedderBody(empty)).toMatchObject({ ok: false, field: 'apiKey' });
    expect(embedderBody({ ...empty, apiKey: 'short' })).toMatchObject({ ok: false, field: 'apiKey' });
    expect(embedderBody({ ...empty, provider: 'voyage', apiKey: 'sk-12345678' })).toMatchObject({ ok: false, field: 'provider' });
  });
});

describe('API key form', () => {
  const now = new Date('2025-03-12T12:00:00Z');

  it('turns a date into the end of that day in UTC', () => {
    expect(expiryToIso('2025-03-31')).toBe('2025-03-31T23:59:59.999Z');
    expect(expiryToIso('2024-02-29')).toBe('2024-02-29T23:59:59.999Z');
    expect(expiryToIso('2025-02-29')).toBeUndefined();
    expect(expiryToIso('31/03/2025')).toBeUndefined();
    expect(expiryToIso('')).toBeUndefined();
  });

  it('builds the body with scopes in order and the expiry only when given', () => {
    expect(createKeyBody({ name: ' laptop ', scopes: ['write', 'read'], expiry: '' }, now)).toEqual({
      ok: true,
      value: { name: 'laptop', scopes: ['read', 'write'] },
    });
    expect(createKeyBody({ name: 'ci', scopes: ['admin'], expiry: '2025-03-12' }, now)).toEqual({
      ok: true,
      value: { name: 'ci', scopes: ['admin'], expiresAt: '2025-03-12T23:59:59.999Z' },
    });
  });

  it('refuses a missing name, no scope, or an expiry in the past', () => {
    expect(createKeyBody({ name: '  ', scopes: ['read'], expiry: '' }, now)).toMatchObject({ ok: false, field: 'name' });
    expect(createKeyBody({ name: 'x'.repeat(101), scopes: ['read'], expiry: '' }, now)).toMatchObject({ ok: false, field: 'name' });
    expect(createKeyBody({ name: 'a', scopes: [], expiry: '' }, now)).toMatchObject({ ok: false, field: 'scopes' });
    expect(createKeyBody({ name: 'a', scopes: ['read'], expiry: '2025-03-11' }, now)).toMatchObject({ ok: false, field: 'expiry' });
    expect(createKeyBody({ name: 'a', scopes: ['read'], expiry: '2025-13-01' }, now)).toMatchObject({ ok: false, field: 'expiry' });
  });
});

describe('confirmations and small fields', () => {
  it('enables account deletion only for the exact phrase', () => {
    expect(DELETE_PHRASE).toBe('delete my account');
    expect(matchesDeletePhrase('delete my account')).toBe(true);
    expect(matchesDeletePhrase('  delete my account ')).toBe(true);
    expect(matchesDeletePhrase('Delete my account')).toBe(false);
    expect(matchesDeletePhrase('delete my  account')).toBe(false);
    expect(matchesDeletePhrase('delete my account now')).toBe(false);
    expect(matchesDeletePhrase('')).toBe(false);
  });

  it('never offers to unlink the last sign-in', () => {
    expect(canUnlink(1)).toBe(false);
    expect(canUnlink(0)).toBe(false);
    expect(canUnlink(2)).toBe(true);
  });

  it('checks codes and team names', () => {
    expect(codeValue('  K7Q2-9XPD ')).toEqual({ ok: true, value: 'K7Q2-9XPD' });
    expect(codeValue('ab')).toMatchObject({ ok: false });
    expect(codeValue('x'.repeat(65))).toMatchObject({ ok: false });
    expect(teamName(' Platform ')).toEqual({ ok: true, value: 'Platform' });
    expect(teamName('')).toMatchObject({ ok: false, field: 'name' });
  });

  it('recognises the redeem refusal that asks what to do with existing memories', () => {
    expect(needsMergeChoice({ code: 'conflict', message: 'This sign-in already holds 3 memories. Redeem again with "merge": true to move them…' })).toBe(true);
    expect(needsMergeChoice({ code: 'conflict', message: 'This channel is already linked to that account.' })).toBe(false);
    expect(needsMergeChoice({ code: 'not_found', message: 'merge' })).toBe(false);
  });
});

describe('createConnectorBody', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const base = { name: ' Home bot ', channelType: 'telegram', firstContact: 'create' as const, expiry: '' };

  it('trims the name and sends the channel and policy, with an expiry only when one is given', () => {
    expect(createConnectorBody(base, now)).toEqual({ ok: true, value: { name: 'Home bot', channelType: 'telegram', firstContact: 'create' } });
    expect(createConnectorBody({ ...base, expiry: '2026-06-30' }, now)).toEqual({
      ok: true,
      value: { name: 'Home bot', channelType: 'telegram', firstContact: 'create', expiresAt: '2026-06-30T23:59:59.999Z' },
    });
  });

  it('names the field to fix: empty name, a channel that is not a lowercase id or is reserved, a past expiry', () => {
    expect(createConnectorBody({ ...base, name: '  ' }, now)).toMatchObject({ ok: false, field: 'name' });
    for (const channelType of ['Telegram', 'tele gram', '', '9lives'])
      expect(createConnectorBody({ ...base, channelType }, now)).toMatchObject({ ok: false, field: 'channelType' });
    expect(createConnectorBody({ ...base, channelType: 'github' }, now)).toMatchObject({
      ok: false,
      field: 'channelType',
      message: expect.stringContaining('reserved'),
    });
    expect(createConnectorBody({ ...base, expiry: '2026-02-01' }, now)).toMatchObject({ ok: false, field: 'expiry' });
    expect(createConnectorBody({ ...base, expiry: '2026-02-31' }, now)).toMatchObject({ ok: false, field: 'expiry' });
  });
});
