import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startServiceWorld, type ServiceWorld } from '../service/harness.js';
import { cliBundle, runCli } from '../server/cliProcess.js';
import { removeHome, tempHome } from '../server/helpers.js';

describe('kairos link against a shared service on loopback', () => {
  let w: ServiceWorld;
  let home: string;
  const link = (args: string[], env: Record<string, string> = {}) => runCli(home, ['link', ...args], { env });
  const uidOf = async (token: string): Promise<string> => (await w.api('GET', '/v1/me', token)).json.principal.uid;

  beforeAll(async () => {
    await cliBundle();
    home = await tempHome('kairos-cli-link-');
    w = await startServiceWorld(BACKENDS.find((b) => b.name === 'pglite')!);
  });
  afterAll(async () => {
    await w?.close();
    await removeHome(home);
  });

  it('links an OIDC sign-in with a code printed for the GitHub account, refuses the code a second time, and unlinks', async () => {
    const alice = w.githubUser(3001, 'alice');
    const jwt = await w.issuer.sign({ sub: 'alice@corp', aud: w.audience });
    const aliceUid = await uidOf(alice);
    expect(await uidOf(jwt)).not.toBe(aliceUid);

    const code = await link(['code', '--server', w.url, '--token', alice, '--json']);
    expect(code.code, code.stderr).toBe(0);
    const { code: linkCode, expiresAt } = JSON.parse(code.stdout);
    expect(typeof linkCode).toBe('string');
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());

    // Server and token from the environment this time, with human output.
    const redeemed = await link(['redeem', linkCode], { KAIROS_SERVER_URL: w.url, KAIROS_TOKEN: jwt });
    expect(redeemed.code, redeemed.stderr).toBe(0);
    expect(redeemed.stdout).toContain(`to account ${aliceUid}`);
    expect(await uidOf(jwt)).toBe(aliceUid);

    const again = await link(['redeem', linkCode, '--server', w.url, '--token', jwt]);
    expect(again.code).toBe(3);
    expect(again.stderr.trim()).toMatch(/^kairos: .*unknown, already used or expired/);

    const channel = `${w.issuer.issuer}:alice@corp`;
    const unlinked = await link(['unlink', 'oidc', channel, '--server', w.url, '--token', alice, '--json']);
    expect(unlinked.code, unlinked.stderr).toBe(0);
    expect(JSON.parse(unlinked.stdout)).toEqual({ unlinked: true, channel: { type: 'oidc', uid: channel } });
    expect(await uidOf(jwt)).not.toBe(aliceUid);

    const notMine = await link(['unlink', 'oidc', channel, '--server', w.url, '--token', alice]);
    expect(notMine.code).toBe(3);
  });

  it('asks for --merge or --no-merge when the redeeming sign-in holds memories, and merges them with --merge', async () => {
    const bob = w.githubUser(3002, 'bob');
    const erin = w.githubUser(3003, 'erin');
    await w.api('PUT', '/v1/settings/embedder-key', bob, { body: { provider: 'openai', apiKey: 'sk-bob-0000000000000000bbbb', endpoint: w.openai.baseURL } });
    await w.api('PUT', '/v1/settings/embedder-key', erin, { body: { provider: 'openai', apiKey: 'sk-erin-000000000000000eeee', endpoint: w.openai.baseURL } });
    expect((await w.api('POST', '/v1/memories', erin, { body: { text: 'Erin: staging resets every Monday.' } })).status).toBe(201);
    const env = { KAIROS_SERVER_URL: w.url };

    const code = JSON.parse((await link(['code', '--json'], { ...env, KAIROS_TOKEN: bob })).stdout).code as string;
    const ask = await link(['redeem', code], { ...env, KAIROS_TOKEN: erin });
    expect(ask.code).toBe(2);
    expect(ask.stderr.trim().split('\n')).toEqual([
      'kairos: This sign-in already holds 1 memories. Run again with --merge to move them into the linked account, or --no-merge to leave them behind.',
    ]);

    const merged = await link(['redeem', code, '--merge', '--json'], { ...env, KAIROS_TOKEN: erin });
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({
      linked: true,
      uid: await uidOf(bob),
      channel: { type: 'github', uid: '3003' },
      merged: { created: 1, failed: 0 },
    });
    const listed = await w.api('GET', '/v1/memories', bob);
    expect(listed.json.items.map((m: { text: string }) => m.text)).toEqual(['Erin: staging resets every Monday.']);
  });

  it('exits 2 without a server or token, 4 for a token the service refuses, and 6 when the service is unreachable', async () => {
    const noServer = await link(['code', '--token', 'x']);
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain('--server <url> or KAIROS_SERVER_URL');
    const noToken = await link(['code', '--server', w.url]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('KAIROS_TOKEN');
    const badUrl = await link(['code', '--server', 'not a url', '--token', 'x']);
    expect(badUrl.code).toBe(2);

    const refused = await link(['code', '--server', w.url, '--token', 'gho_not_a_real_token']);
    expect(refused.code).toBe(4);
    expect(refused.stderr.trim()).toMatch(/^kairos: The bearer token is not valid/);

    const readOnly = (await w.api('POST', '/v1/keys', w.githubUser(3004, 'ro'), { body: { name: 'ro', scopes: ['read'] } })).json.key as string;
    const forbidden = await link(['code', '--server', w.url, '--token', readOnly]);
    expect(forbidden.code).toBe(4);

    const down = await link(['code', '--server', 'http://127.0.0.1:9', '--token', 'x']);
    expect(down.code).toBe(6);
    expect(down.stderr).toContain('Cannot reach the Kairos server at http://127.0.0.1:9');
  });
});
