import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startServiceWorld, type ServiceWorld } from '../service/harness.js';
import { cliBundle, runCli } from '../server/cliProcess.js';
import { removeHome, tempHome } from '../server/helpers.js';

describe('kairos connectors against a shared service on loopback', () => {
  let w: ServiceWorld;
  let home: string;
  let admin = '';
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(home, ['connectors', ...args], { env: { KAIROS_SERVER_URL: w.url, ...env } });

  beforeAll(async () => {
    await cliBundle();
    home = await tempHome('kairos-cli-connectors-');
    w = await startServiceWorld(
      BACKENDS.find((b) => b.name === 'pglite')!,
      { KAIROS_ADMINS: 'github:4001' },
    );
    admin = w.githubUser(4001, 'operator');
  });
  afterAll(async () => {
    await w?.close();
    await removeHome(home);
  });

  it('creates a connector whose secret works for its channel users, lists it with its last use, and revokes it', async () => {
    const created = await cli(['create', '--name', 'Home bot', '--channel', 'telegram', '--policy', 'create', '--expires', '30d', '--json'], {
      KAIROS_TOKEN: admin,
    });
    expect(created.code, created.stderr).toBe(0);
    const out = JSON.parse(created.stdout);
    expect(out).toMatchObject({ name: 'Home bot', channelType: 'telegram', firstContact: 'create', revokedAt: null });
    expect(Date.parse(out.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await w.api('GET', '/v1/me', out.secret, { headers: { 'x-kairos-channel-user': '42' } })).status).toBe(200);

    const listed = await cli(['list', '--token', admin]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`${out.id}  telegram`);
    expect(listed.stdout).toContain('Home bot');
    expect(listed.stdout).not.toContain('last used never');
    expect(listed.stdout).not.toContain(out.secret);

    const revoked = await cli(['revoke', out.id, '--token', admin]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`Revoked connector ${out.id}`);
    expect((await w.api('GET', '/v1/me', out.secret, { headers: { 'x-kairos-channel-user': '42' } })).status).toBe(401);
  });

  it('prints the secret once in human output and refuses bad arguments and non-admins', async () => {
    const human = await cli(['create', '--name', 'Discord', '--channel', 'discord', '--token', admin]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/Secret \(shown once.*\): kairos_ck_[A-Za-z0-9_-]{43}/);
    const badChannel = await cli(['create', '--name', 'x', '--channel', 'GitHub', '--token', admin]);
    expect(badChannel.code).toBe(2);
    expect(badChannel.stderr).toContain('lowercase id');
    expect((await cli(['create', '--name', 'x', '--channel', 'slack', '--policy', 'maybe', '--token', admin])).code).toBe(2);
    expect((await cli(['create', '--name', 'x', '--channel', 'slack', '--expires', 'soon', '--token', admin])).code).toBe(2);
    const notAdmin = await cli(['list', '--token', w.githubUser(4002, 'someone')]);
    expect(notAdmin.code).toBe(4);
    expect(notAdmin.stderr).toContain('KAIROS_ADMINS');
    expect((await cli(['revoke', 'nope', '--token', admin])).code).toBe(3);
  });
});
