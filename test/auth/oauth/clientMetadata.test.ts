/** The rules of client_id URLs and of the document cache's lifetime (pure functions; the fetch is tested in test/service/clientMetadata.test.ts). */
import { describe, expect, it } from 'vitest';
import { cacheTtlSeconds, clientIdUrlProblem, isUrlClientId, maxAgeSeconds } from '../../../src/auth/oauth/clientMetadata.js';

describe('client_id URLs', () => {
  it('takes URLs, and only URLs, as metadata-document client ids', () => {
    expect(isUrlClientId('https://app.example.com/client.json')).toBe(true);
    expect(isUrlClientId('http://app.example.com/client.json')).toBe(true);
    expect(isUrlClientId('kc_0123456789')).toBe(false);
  });

  it('accepts an https URL with a path, and refuses the forms the draft forbids', () => {
    expect(clientIdUrlProblem('https://app.example.com/oauth/client.json')).toBeUndefined();
    expect(clientIdUrlProblem('https://app.example.com:8443/c?v=1')).toBeUndefined();
    const refused: Array<[string, RegExp]> = [
      ['http://app.example.com/client.json', /https/],
      ['https://app.example.com/', /path/],
      ['https://app.example.com', /path/],
      ['https://user:pw@app.example.com/client.json', /user name or password/],
      ['https://app.example.com/client.json#x', /fragment/],
      ['https://app.example.com/a/../client.json', /"\." or "\.\." path segments/],
      ['https://app.example.com/a/./client.json', /path segments/],
      ['https://app.example.com/a/%2e%2e/client.json', /path segments/],
      [`https://app.example.com/${'a'.repeat(2100)}`, /at most 2048/],
      ['https://', /not a valid URL/],
    ];
    for (const [url, why] of refused) expect(clientIdUrlProblem(url), url).toMatch(why);
  });
});

describe('document cache lifetime', () => {
  it('reads max-age, and treats no-store and no-cache as zero', () => {
    expect(maxAgeSeconds('public, max-age=600')).toBe(600);
    expect(maxAgeSeconds('no-store')).toBe(0);
    expect(maxAgeSeconds('max-age=60, no-cache')).toBe(0);
    expect(maxAgeSeconds('private')).toBeUndefined();
    expect(maxAgeSeconds(null)).toBeUndefined();
  });

  it('keeps max-age within the bounds, and uses the default without one', () => {
    expect(cacheTtlSeconds(600)).toBe(600);
    expect(cacheTtlSeconds(0)).toBe(60);
    expect(cacheTtlSeconds(10 ** 9)).toBe(86_400);
    expect(cacheTtlSeconds(undefined)).toBe(3_600);
    expect(cacheTtlSeconds(5, { minTtlS: 1, maxTtlS: 10 })).toBe(5);
  });
});
