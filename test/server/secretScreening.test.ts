/**
 * Secret screening at every write path a person or agent uses: REST create and update, import
 * (current text and history) and the MCP `remember`/`update_memory` tools through the SDK client.
 * Each refusal names the kind and position, never echoes the value, and stores nothing.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportAll, removeHome, startTestServer, type TestServer } from './helpers.js';

let s: TestServer;

// Built at run time so no scanner flags this file; the shapes are the providers' real formats.
const GITHUB = 'ghp_' + 'Zq8vR2mLk4Tn7Wx1Yc5Bd9Fh3Jp6Sg0Ae2Ku';
const AWS_ID = 'AKIA' + 'QX7RZ2L4MNB6YT3P';
const PEM = '-----BEGIN OPENSSH ' + 'PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----';

beforeAll(async () => {
  s = await startTestServer();
});

afterAll(async () => {
  await s?.close();
  if (s) await removeHome(s.home);
});

function expectRefused(r: { status: number; json: any; text: string }, kind: string, line: number, column: number): void {
  // Positions are the person's: 1-based line and column of the value's first character.
  expect(r.status, r.text).toBe(400);
  expect(r.json.error.code).toBe('invalid_input');
  expect(r.json.error.message).toContain(kind);
  expect(r.json.error.message).toContain(`line ${line}, column ${column}`);
  for (const secret of [GITHUB, AWS_ID, 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ']) expect(r.text).not.toContain(secret);
}

describe('a memory with a credential is refused and nothing is stored', () => {
  it('REST create and update name the kind and position and leave the data as it was', async () => {
    const kept = await s.api('POST', '/v1/memories', { body: { text: 'The CI token lives in the repository secrets, never in code' } });
    expect(kept.status).toBe(201);
    const before = await exportAll(s);

    expectRefused(await s.api('POST', '/v1/memories', { body: { text: `Use this token for the bot: ${GITHUB}` } }), 'GitHub token', 1, 29);
    expectRefused(await s.api('POST', '/v1/memories', { body: { text: `Deploy notes\naws key ${AWS_ID} for prod` } }), 'AWS access key id', 2, 9);
    expectRefused(await s.api('POST', '/v1/memories', { body: { text: `Deploy key:\n${PEM}` } }), 'private key', 2, 1);
    expectRefused(await s.api('PATCH', `/v1/memories/${kept.json.memory.id}`, { body: { text: `The CI token is ${GITHUB}` } }), 'GitHub token', 1, 17);

    expect(await exportAll(s)).toEqual(before);
    // What screening must not refuse: a commit SHA and a UUID beside a "token" word.
    const fine = await s.api('POST', '/v1/memories', {
      body: { text: 'The token refresh fix landed in 3f9c2a7e1b4d8f06a5c3e2d1b0a9f8e7d6c5b4a3 for request 0b8f3e2a-7c41-4d9e-9a6b-2f5c8e1d7a34' },
    });
    expect(fine.status).toBe(201);
  });

  it('import counts a record with a secret (in its text or its history) as failed, with its line, and imports the rest', async () => {
    const lines = [
      { text: 'Imported beside two refused neighbours' },
      { text: `password for staging is in ${AWS_ID}` },
      {
        text: 'A clean current text with a dirty past',
        version: 2,
        history: [{ version: 1, text: `old: ${GITHUB}`, tags: [], source: { kind: 'import' }, replacedAt: '2026-01-01T00:00:00.000Z', reason: 'update' }],
      },
    ];
    const r = await s.api('POST', '/v1/import?format=jsonl', { raw: lines.map((l) => JSON.stringify(l)).join('\n') });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ created: 1, duplicate: 0, failed: 2 });
    const messages = r.json.errors.map((e: any) => e.message).join('\n');
    expect(messages).toContain('AWS access key id');
    expect(messages).toContain('GitHub token');
    expect(messages).toMatch(/Line 2\b/);
    expect(messages).toMatch(/Line 3\b/);
    expect(r.text).not.toContain(GITHUB);
    expect(r.text).not.toContain(AWS_ID);
    const all = await exportAll(s);
    expect(all.map((m: any) => m.text)).not.toContain('A clean current text with a dirty past');
    expect(JSON.stringify(all)).not.toContain(GITHUB);
  });

  it('the MCP remember and update_memory tools answer an error the agent can act on', async () => {
    const client = new Client({ name: 'secret-screening-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${s.token}` } } }));
    try {
      const before = await exportAll(s);
      const r: any = await client.callTool({ name: 'remember', arguments: { text: `the staging bot uses ${GITHUB}` } });
      expect(r.isError).toBe(true);
      const text = r.content.map((c: any) => c.text).join('\n');
      expect(text).toContain('GitHub token');
      expect(text).toContain('line 1, column 22');
      expect(text).not.toContain(GITHUB);

      const id = before[0].id;
      const u: any = await client.callTool({ name: 'update_memory', arguments: { id, text: PEM } });
      expect(u.isError).toBe(true);
      expect(u.content.map((c: any) => c.text).join('\n')).toContain('private key');
      expect(await exportAll(s)).toEqual(before);
    } finally {
      await client.close();
    }
  });
});
