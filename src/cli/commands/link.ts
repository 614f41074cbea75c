/**
 * `kairos link`: account linking against a shared Kairos service (code, redeem, unlink). The
 * service and the credential come from --server/--token or KAIROS_SERVER_URL/KAIROS_TOKEN; the
 * local data dir is never opened.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { isKairosError } from '../../core/errors.js';
import type { ImportSummary } from '../../core/memoryService.js';
import { CliError, EXIT } from '../exitCodes.js';
import { HttpClient } from '../httpClient.js';
import { formatImport, printJson, writeOut } from '../output.js';
import { routes } from '../../protocol/rest/routes.js';
import { examples } from './shared.js';

interface ServiceOptions {
  server?: string;
  token?: string;
  json?: boolean;
}

/** An absolute http(s) URL, checked with the platform's URL parser (no zod at start-up). */
function serverUrl(value: string): string {
  const url = value.trim();
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) throw new InvalidArgumentError('Expected an http(s) URL such as https://kairos.example.com.');
  return url.replace(/\/+$/, '');
}

/** The service client from flags, then the environment; a missing one is a usage error. */
export function serviceClient(o: ServiceOptions, env: NodeJS.ProcessEnv = process.env): HttpClient {
  const url = o.server ?? (env.KAIROS_SERVER_URL ? serverUrl(env.KAIROS_SERVER_URL) : undefined);
  if (!url) throw new CliError(EXIT.usage, 'Name the Kairos service with --server <url> or KAIROS_SERVER_URL.');
  const token = o.token ?? env.KAIROS_TOKEN;
  if (!token) throw new CliError(EXIT.usage, 'Sign in first: pass --token <token> or set KAIROS_TOKEN (a GitHub or OIDC sign-in token, or an admin API key).');
  return new HttpClient(url, token);
}

/** --server, --token and --json, for every command that talks to a shared service. */
export function withServiceOptions(cmd: Command): Command {
  return cmd
    .option('--server <url>', 'the Kairos service (default: $KAIROS_SERVER_URL)', serverUrl)
    .option('--token <token>', 'your sign-in token or admin API key (default: $KAIROS_TOKEN)')
    .option('--json', 'print the result as JSON');
}

interface RedeemOut {
  linked: true;
  uid: string;
  channel: { type: string; uid: string };
  merged?: ImportSummary;
}

export function registerLinkCommands(program: Command): void {
  const link = program
    .command('link')
    .description('Link your sign-ins (GitHub, OIDC) on a shared Kairos service to one account')
    .addHelpText('after', '\nEnvironment: KAIROS_SERVER_URL, KAIROS_TOKEN (or --server, --token on each command).\n');

  withServiceOptions(link.command('code'))
    .description('Print a one-time link code (10 minutes, single use) for the account you are signed in with')
    .addHelpText('after', examples('KAIROS_TOKEN=$(gh auth token) kairos link code --server https://kairos.example.com'))
    .action(async (o: ServiceOptions) => {
      const out = (await serviceClient(o).call(routes.linkCode, {})) as { code: string; expiresAt: string };
      if (o.json) printJson(out);
      else writeOut(`Link code: ${out.code}\nValid until ${out.expiresAt}, once. Redeem it from your other sign-in with \`kairos link redeem ${out.code}\`.`);
    });

  withServiceOptions(link.command('redeem'))
    .description('Redeem a link code from another sign-in, which then maps to the same account')
    .argument('<code>', 'the code `kairos link code` printed')
    .option('--merge', 'move memories this sign-in already holds into the linked account')
    .option('--no-merge', 'leave memories this sign-in already holds behind')
    .addHelpText('after', examples('KAIROS_TOKEN=$OIDC_TOKEN kairos link redeem K7Q2-9XPD --merge'))
    .action(async (code: string, o: ServiceOptions & { merge?: boolean }) => {
      const client = serviceClient(o);
      let out: RedeemOut;
      try {
        out = (await client.call(routes.redeem, { body: { code, ...(o.merge === undefined ? {} : { merge: o.merge }) } })) as RedeemOut;
      } catch (e) {
        const held = isKairosError(e) && e.code === 'conflict' ? /holds (\d+) memories/.exec(e.message) : null;
        if (held) {
          throw new CliError(
            EXIT.usage,
            `This sign-in already holds ${held[1]} memories. Run again with --merge to move them into the linked account, or --no-merge to leave them behind.`,
          );
        }
        throw e;
      }
      if (o.json) return printJson(out);
      writeOut(`Linked ${out.channel.type} sign-in ${out.channel.uid} to account ${out.uid}.`);
      if (out.merged) writeOut(`Merged memories: ${formatImport(out.merged)}`);
    });

  withServiceOptions(link.command('unlink'))
    .description('Remove a linked sign-in channel from your account (not the last one)')
    .argument('<type>', 'channel type: github or oidc')
    .argument('<uid>', 'the channel uid (see GET /v1/link/channels)')
    .addHelpText('after', examples('kairos link unlink oidc "https://login.example.com:alice"'))
    .action(async (type: string, uid: string, o: ServiceOptions) => {
      await serviceClient(o).call(routes.unlink, { path: { type, uid } });
      if (o.json) printJson({ unlinked: true, channel: { type, uid } });
      else writeOut(`Unlinked ${type} sign-in ${uid}.`);
    });
}
