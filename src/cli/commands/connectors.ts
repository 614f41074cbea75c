/**
 * `kairos connectors`: a deployment admin registers, lists and revokes the bots (connectors) of a
 * shared Kairos service. Server and credential as for `kairos link` (--server/--token or
 * KAIROS_SERVER_URL/KAIROS_TOKEN); the local data dir is never opened.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { ConnectorInfo } from '../../identity/connectors.js';
import {
  CHANNEL_TYPE_HINT,
  CHANNEL_TYPE_PATTERN,
  FIRST_CONTACT_POLICIES,
  RESERVED_CHANNEL_TYPE_HINT,
  RESERVED_CHANNEL_TYPES,
  type FirstContactPolicy,
} from '../../protocol/channels.js';
import { printJson, writeOut } from '../output.js';
import { serviceClient, withServiceOptions } from './link.js';
import { routes } from '../../protocol/rest/routes.js';
import { examples } from './shared.js';

interface Options {
  server?: string;
  token?: string;
  json?: boolean;
}

/** The rules of the server's ChannelTypeSchema, checked without loading zod at start-up. */
function channelType(value: string): string {
  if (!CHANNEL_TYPE_PATTERN.test(value)) throw new InvalidArgumentError(CHANNEL_TYPE_HINT);
  if (RESERVED_CHANNEL_TYPES.includes(value)) throw new InvalidArgumentError(RESERVED_CHANNEL_TYPE_HINT);
  return value;
}

function policy(value: string): FirstContactPolicy {
  if (!(FIRST_CONTACT_POLICIES as readonly string[]).includes(value)) throw new InvalidArgumentError('Expected "create" or "refuse".');
  return value as FirstContactPolicy;
}

/** `90d`, `12h` or an ISO date → an ISO date in the future. */
function expiry(value: string): string {
  const m = /^(\d{1,5})([dh])$/.exec(value);
  if (m) return new Date(Date.now() + Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000)).toISOString();
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidArgumentError('Expected a duration such as 90d or 12h, or an ISO date such as 2027-01-31T00:00:00Z.');
  return new Date(t).toISOString();
}

function line(c: ConnectorInfo): string {
  const state = c.revokedAt ? `revoked ${c.revokedAt}` : `expires ${c.expiresAt}`;
  return `${c.id}  ${c.channelType.padEnd(10)} ${c.firstContact.padEnd(7)} ${c.prefix}…  ${c.name}  (${state}; last used ${c.lastUsedAt ?? 'never'})`;
}

export function registerConnectorCommands(program: Command): void {
  const connectors = program
    .command('connectors')
    .description('Manage the bots (connectors) that speak for their channel users on a shared Kairos service (deployment admins)')
    .addHelpText('after', '\nEnvironment: KAIROS_SERVER_URL, KAIROS_TOKEN (or --server, --token on each command). See docs/channels.md.\n');

  withServiceOptions(connectors.command('create'))
    .description('Register a connector and print its secret (shown once)')
    .requiredOption('--name <name>', 'a name for people, e.g. "Home Telegram bot"')
    .requiredOption('--channel <type>', 'the channel type it serves: telegram, discord, slack, web or any lowercase id', channelType)
    .option('--policy <policy>', 'first contact with an unknown channel user: create (a new private account) or refuse', policy, 'refuse')
    .option('--expires <when>', 'when the secret expires: 90d, 12h or an ISO date (default: one year)', expiry)
    .addHelpText('after', examples('kairos connectors create --name "Home Telegram bot" --channel telegram --policy create --expires 180d'))
    .action(async (o: Options & { name: string; channel: string; policy: FirstContactPolicy; expires?: string }) => {
      const body = { name: o.name, channelType: o.channel, firstContact: o.policy, ...(o.expires ? { expiresAt: o.expires } : {}) };
      const out = (await serviceClient(o).call(routes.createConnector, { body })) as ConnectorInfo & { secret: string };
      if (o.json) return printJson(out);
      writeOut(`Connector ${out.id} (${out.channelType}, first contact: ${out.firstContact}) expires ${out.expiresAt}.`);
      writeOut(`Secret (shown once, give it to the bot now): ${out.secret}`);
    });

  withServiceOptions(connectors.command('list'))
    .description('List connectors with their channel type, policy, expiry and last use (never secrets)')
    .action(async (o: Options) => {
      const { items } = (await serviceClient(o).call(routes.connectors, {})) as { items: ConnectorInfo[] };
      if (o.json) return printJson(items);
      writeOut(items.length ? items.map(line).join('\n') : 'No connectors yet. Create one with `kairos connectors create`.');
    });

  withServiceOptions(connectors.command('revoke'))
    .description('Revoke a connector: its secret stops working at once')
    .argument('<id>', 'the connector id (see `kairos connectors list`)')
    .action(async (id: string, o: Options) => {
      const out = (await serviceClient(o).call(routes.revokeConnector, { path: { id } })) as ConnectorInfo;
      if (o.json) return printJson(out);
      writeOut(`Revoked connector ${out.id} (${out.name}).`);
    });
}
