/**
 * MCP tool `link_account` (service mode): create a one-time link code, redeem one from another
 * channel, list the linked channels, or unlink one. Bots (connectors) call it for their channel user.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { InvalidInputError } from '../../core/errors.js';
import { defineTool, type ToolDeps } from './shared.js';

/** The account operations the tool needs, already bound to the caller's verified principal. */
export interface AccountLinking {
  createCode(): Promise<{ code: string; expiresAt: string }>;
  redeem(code: string, opts: { merge?: boolean }): Promise<{ uid: string; merged?: { created: number; duplicate: number } }>;
  listChannels(): Promise<Array<{ type: string; uid?: string; createdAt: string }>>;
  /** Without a channel: the one the caller is acting through. */
  unlink(channel: { type: string; uid: string } | undefined): Promise<{ type: string; uid: string }>;
}

const LinkInput = z.strictObject({
  action: z
    .enum(['create_code', 'redeem', 'list_channels', 'unlink'])
    .describe(
      'create_code: get a one-time code for this account. redeem: link this sign-in to the account that created `code`. ' +
        'list_channels: the sign-ins and chat accounts linked to this account. unlink: remove one (default: the one in use).',
    ),
  code: z.string().trim().min(4).max(64).optional().describe('The code to redeem (action "redeem" only).'),
  merge: z
    .boolean()
    .optional()
    .describe('When this sign-in already holds memories: true moves them into the linked account, false leaves them behind. Ask the user.'),
  channel: z
    .strictObject({ type: z.string().min(1).max(64), uid: z.string().min(1).max(512) })
    .optional()
    .describe('The channel to unlink (action "unlink" only); default: the one this request comes through.'),
});

const LinkOutput = z.object({
  action: z.string(),
  code: z.string().optional(),
  expiresAt: z.string().optional(),
  linked: z.boolean().optional(),
  mergedMemories: z.number().optional(),
  channels: z.array(z.object({ type: z.string(), uid: z.string().optional(), createdAt: z.string() })).optional(),
  unlinked: z.object({ type: z.string(), uid: z.string() }).optional(),
});

export function registerAccountTools(server: McpServer, deps: ToolDeps, linking: AccountLinking): void {
  defineTool(
    server,
    deps,
    'link_account',
    {
      title: 'Link accounts',
      description:
        'Links two sign-ins (e.g. GitHub and a company login) to one Kairos account. Call with action "create_code" on the account to keep, ' +
        'show the code to the user, then call with action "redeem" and the code while signed in with the other one (or through the other chat bot). ' +
        'Codes are single use and expire after 10 minutes.',
      input: LinkInput,
      output: LinkOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async (args) => {
      if (args.action === 'create_code') {
        const out = await linking.createCode();
        return {
          structured: { action: 'create_code', code: out.code, expiresAt: out.expiresAt },
          text: `Link code: ${out.code} (single use, expires ${out.expiresAt}). Redeem it from the other sign-in with link_account action "redeem".`,
        };
      }
      if (args.action === 'list_channels') {
        const channels = (await linking.listChannels()).map((c) => ({ type: c.type, ...(c.uid !== undefined ? { uid: c.uid } : {}), createdAt: c.createdAt }));
        return {
          structured: { action: 'list_channels', channels },
          text: `Linked: ${channels.map((c) => (c.uid !== undefined ? `${c.type} ${c.uid}` : c.type)).join(', ')}.`,
        };
      }
      if (args.action === 'unlink') {
        const unlinked = await linking.unlink(args.channel);
        return { structured: { action: 'unlink', unlinked }, text: `Unlinked ${unlinked.type} ${unlinked.uid} from this Kairos account.` };
      }
      if (!args.code) throw new InvalidInputError('"code" is required for action "redeem".');
      const out = await linking.redeem(args.code, args.merge === undefined ? {} : { merge: args.merge });
      const moved = out.merged ? out.merged.created + out.merged.duplicate : undefined;
      return {
        structured: { action: 'redeem', linked: true, ...(moved !== undefined ? { mergedMemories: moved } : {}) },
        text: `Linked: this sign-in now opens the same Kairos account.${moved !== undefined ? ` ${moved} memories were merged into it.` : ''}`,
      };
    },
  );
}
