/** Request bodies of the account, settings and connector routes (server validation and client checks). */
import { z } from 'zod';
import type { SpaceRole } from '../../core/tenancy.js';
import { CHANNEL_TYPE_HINT, CHANNEL_TYPE_PATTERN, FIRST_CONTACT_POLICIES, RESERVED_CHANNEL_TYPE_HINT, RESERVED_CHANNEL_TYPES } from '../channels.js';
import { KEYED_PROVIDERS } from '../embedders.js';

export const SCOPES = ['read', 'write', 'admin'] as const;
export const ROLES = ['owner', 'writer', 'reader'] as const satisfies readonly SpaceRole[];

/** An id in a path: keys, grants, orgs, members, connectors, clients. */
export const IdParamSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'Not a valid id.' });

export const ChannelTypeSchema = z
  .string()
  .regex(CHANNEL_TYPE_PATTERN, { error: CHANNEL_TYPE_HINT })
  .refine((t) => !RESERVED_CHANNEL_TYPES.includes(t), { error: RESERVED_CHANNEL_TYPE_HINT });

const CodeSchema = z.string().trim().min(4).max(64);

export const SettingsUpdateSchema = z.strictObject({
  embedder: z
    .strictObject({
      provider: z.string().min(1).max(64),
      model: z.string().min(1).max(256).optional(),
      endpoint: z.url({ error: '"embedder.endpoint" must be a URL.' }).max(2048).optional(),
      deployment: z.string().min(1).max(256).optional(),
    })
    .optional(),
});

export const CreateKeySchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(SCOPES)).min(1).max(3).default(['read', 'write']),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export const RedeemSchema = z.strictObject({ code: CodeSchema, merge: z.boolean().optional() });
export const EmbedderKeySchema = z.strictObject({
  provider: z.enum(KEYED_PROVIDERS),
  apiKey: z.string().trim().min(8).max(512),
  model: z.string().trim().min(1).max(256).optional(),
  endpoint: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
  deployment: z.string().trim().min(1).max(256).optional(),
});
export const CreateOrgSchema = z.strictObject({ name: z.string().trim().min(1).max(100) });
export const InviteSchema = z.strictObject({ role: z.enum(ROLES).default('writer') });
export const JoinSchema = z.strictObject({ code: CodeSchema });

export const CreateConnectorSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  channelType: ChannelTypeSchema,
  firstContact: z.enum(FIRST_CONTACT_POLICIES).default('refuse'),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

export const ClientIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'A client id is 1 to 64 letters, digits, "-" or "_".' });
/** An editor window registering its bearer with a local engine (POST /v1/clients). */
export const RegisterClientSchema = z.strictObject({
  id: ClientIdSchema,
  // At least 32 base64url characters (192 bits): callers must bring a real random secret.
  token: z.string().regex(/^[A-Za-z0-9_-]{32,256}$/, { error: '"token" must be 32 to 256 base64url characters of random data.' }),
  pid: z.number().int().positive().optional(),
});
