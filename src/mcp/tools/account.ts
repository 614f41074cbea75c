/** MCP tool `link_account` (service mode): create a one-time link code, or redeem one from another channel. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { InvalidInputError } from '../../core/errors.js';
import { defineTool, type ToolDeps } from './shared.js';

/** The account operations the tool needs, already bound to the caller's verified principal. */
export interface AccountLinking {
  createCode(): Promise<{ code: string; expiresAt: string }>;
  redeem(code: string, opts: { merge?: boolean }): Promise<{ uid: string; merged?: { created: number; duplicate: number } }>;
}

const LinkInput = z.strictObject({
  action: z.enum(['create_code', 'redeem']).describe('create_code: get a one-time code for this account. redeem: link this sign-in to the account that created `code`.'),
  code: z.string().trim().min(4).max(64).optional().describe('The code to redeem (action "redeem" only).'),
  merge: z
    .boolean()
    .optional()
    .describe('When this sign-in already holds memories: true moves them into the linked account, false leaves them behind. Ask the user.'),
});

const LinkOutput = z.object({
  action: z.string(),
  code: z.string().optional(),
  expiresAt: z.string().optional(),
  linked: z.boolean().optional(),
  mergedMemories: z.number().optional(),
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
        'show the code to the user, then call with action "redeem" and the code while signed in with the other one. Codes are single use and expire after 10 minutes.',
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
