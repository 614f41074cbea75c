/**
 * Omnichannel end to end, on real HTTP with PostgreSQL: three bots (two Telegram bots and a
 * Discord bot) drive Kairos with the MCP SDK client the way a bot process would, one client per
 * channel user with X-Kairos-Channel-User on every request. A person remembers through Telegram
 * bot A, gets a link code there, redeems it through the Discord bot, finds the memory there and
 * through Telegram bot B, then signs in on the web console and links that sign-in too. Another
 * person on the same bots sees none of it.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, operatorEmbedderEnv, startServiceWorld, type ServiceWorld } from './harness.js';
import { toolText } from './mcpClient.js';

const PROVIDER = { id: 'github', kind: 'github', name: 'GitHub', clientId: 'gh-app', clientSecret: 'gh-secret' };

/** What a bot process holds: its connector secret, and one MCP client per channel user it serves. */
class Bot {
  private readonly clients = new Map<string, Client>();
  constructor(
    private readonly url: string,
    private readonly secret: string,
  ) {}

  async call(channelUser: string, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    let client = this.clients.get(channelUser);
    if (!client) {
      client = new Client({ name: 'e2e-bot', version: '1.0.0' });
      const headers = { authorization: `Bearer ${this.secret}`, 'x-kairos-channel-user': channelUser };
      await client.connect(new StreamableHTTPClientTransport(new URL(`${this.url}/mcp`), { requestInit: { headers } }));
      this.clients.set(channelUser, client);
    }
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }
}

function cookiesOf(res: Response): Record<string, string> {
  return Object.fromEntries(res.headers.getSetCookie().map((c) => c.split(';')[0]!.split('=') as [string, string]));
}

describe('omnichannel end to end on PostgreSQL', () => {
  let w: ServiceWorld;
  const bots: { telegramA?: Bot; telegramB?: Bot; discord?: Bot } = {};

  beforeAll(async () => {
    w = await startServiceWorld(
      BACKENDS.find((b) => b.name === 'postgres')!,
      ({ github, openai }) => ({
        KAIROS_ADMINS: 'github:1',
        ...operatorEmbedderEnv(openai),
        KAIROS_LOGIN_PROVIDERS: JSON.stringify([
          { ...PROVIDER, authorizationUrl: `${github.url}/login/oauth/authorize`, tokenUrl: `${github.url}/login/oauth/access_token`, apiUrl: github.url },
        ]),
      }),
    );
    w.github.registerApp({ clientId: PROVIDER.clientId, clientSecret: PROVIDER.clientSecret, callback: `${w.url}/auth/callback/github` });
    const admin = w.githubUser(1, 'operator');
    const register = async (name: string, channelType: string, firstContact: string): Promise<string> => {
      const r = await w.api('POST', '/v1/connectors', admin, { body: { name, channelType, firstContact } });
      expect(r.status, r.text).toBe(201);
      return r.json.secret;
    };
    bots.telegramA = new Bot(w.url, await register('Telegram home bot', 'telegram', 'create'));
    bots.telegramB = new Bot(w.url, await register('Telegram work bot', 'telegram', 'refuse'));
    bots.discord = new Bot(w.url, await register('Discord community bot', 'discord', 'refuse'));
  });
  afterAll(async () => {
    await Promise.all(Object.values(bots).map((b) => b?.close()));
    await w?.close();
  });

  it('links one person across bots and the web console to one memory, and shows another person nothing', async () => {
    const { telegramA, telegramB, discord } = bots as Required<typeof bots>;
    const pat = { telegram: '70001', discord: '80001' };
    const quinn = { telegram: '70002', discord: '80002' };
    const fact = 'Pat prefers window seats on long train rides.';

    // Pat's first message to Telegram bot A: policy "create" gives Pat a private account.
    const remembered = await telegramA.call(pat.telegram, 'remember', { text: fact });
    expect(remembered.isError, toolText(remembered)).toBeFalsy();
    const code = await telegramA.call(pat.telegram, 'link_account', { action: 'create_code' });
    expect(code.isError, toolText(code)).toBeFalsy();
    const linkCode = (code.structuredContent as { code: string }).code;

    // On Discord (policy "refuse") Pat is unknown until the code is redeemed there.
    const before = await discord.call(pat.discord, 'search', { query: 'window seats train' });
    expect(before.isError).toBe(true);
    expect(toolText(before)).toContain('not linked to a Kairos account yet');
    const redeemed = await discord.call(pat.discord, 'link_account', { action: 'redeem', code: linkCode });
    expect(redeemed.isError, toolText(redeemed)).toBeFalsy();
    const found = await discord.call(pat.discord, 'search', { query: 'window seats train' });
    expect(found.isError, toolText(found)).toBeFalsy();
    expect(toolText(found)).toContain(fact);
    // The same code cannot be used twice.
    expect((await discord.call(quinn.discord, 'link_account', { action: 'redeem', code: linkCode })).isError).toBe(true);

    // Telegram bot B serves the same Telegram user id, so Pat is known there too.
    expect(toolText(await telegramB.call(pat.telegram, 'search', { query: 'window seats' }))).toContain(fact);
    const channels = await discord.call(pat.discord, 'link_account', { action: 'list_channels' });
    expect((channels.structuredContent as { channels: unknown[] }).channels).toEqual(
      expect.arrayContaining([
        { type: 'telegram', createdAt: expect.any(String) },
        { type: 'discord', uid: pat.discord, createdAt: expect.any(String) },
      ]),
    );

    // The web console: Pat signs in with GitHub in a browser, then links that sign-in with a code from the Discord bot.
    w.github.nextSignIn({ id: 424242, login: 'pat' });
    const start = await fetch(`${w.url}/auth/signin/github?return=/`, { redirect: 'manual' });
    const back = await fetch(new URL(start.headers.get('location')!), { redirect: 'manual' });
    const done = await fetch(back.headers.get('location')!, { redirect: 'manual', headers: { cookie: `kairos_login=${cookiesOf(start).kairos_login}` } });
    expect(done.status).toBe(302);
    const browser = { cookie: `kairos_session=${cookiesOf(done).kairos_session}`, 'x-kairos-csrf': '1', origin: w.url };
    const webCode = (await discord.call(pat.discord, 'link_account', { action: 'create_code' })).structuredContent as { code: string };
    const webRedeem = await w.api('POST', '/v1/link/redeem', null, { headers: browser, body: { code: webCode.code } });
    expect(webRedeem.status, webRedeem.text).toBe(200);
    const console = await w.api('GET', '/v1/memories', null, { headers: browser });
    expect(console.json.items.map((m: { text: string }) => m.text)).toEqual([fact]);

    // Quinn uses the same bots and sees nothing of Pat's.
    const quinnSearch = await telegramA.call(quinn.telegram, 'search', { query: 'window seats train' });
    expect(quinnSearch.isError, toolText(quinnSearch)).toBeFalsy();
    expect(toolText(quinnSearch)).not.toContain(fact);
    const quinnList = await telegramA.call(quinn.telegram, 'list_memories', {});
    expect((quinnList.structuredContent as { memories: unknown[] }).memories).toEqual([]);
    expect((await telegramB.call(quinn.telegram, 'list_memories', {})).isError).toBeFalsy();
    expect((await discord.call(quinn.discord, 'list_memories', {})).isError).toBe(true);
    const patMemId = (await w.api('GET', '/v1/memories', null, { headers: browser })).json.items[0].id;
    expect((await telegramA.call(quinn.telegram, 'get_memory', { id: patMemId })).isError).toBe(true);
  });
});
