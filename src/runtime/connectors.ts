/**
 * Connector management (service mode), shared by REST and the CLI: only a deployment admin (an
 * account with a sign-in listed in KAIROS_ADMINS, through a sign-in or an admin API key) may
 * register, list or revoke connectors. A connector itself never manages connectors.
 */
import { KairosError, NotFoundError } from '../core/errors.js';
import type { ServicePrincipal } from '../auth/principal.js';
import { audit } from '../identity/audit.js';
import {
  CONNECTOR_DEFAULT_TTL_MS,
  createConnector,
  listConnectors,
  revokeConnector,
  type ConnectorInfo,
  type FirstContactPolicy,
} from '../identity/connectors.js';
import type { SqlDb } from '../identity/sql.js';
import { listChannels, type ChannelRef } from '../identity/users.js';

export interface ConnectorAdminDeps {
  db: SqlDb;
  /** KAIROS_ADMINS: the sign-in identities of deployment admins. */
  admins: readonly ChannelRef[];
  now?: () => Date;
}

export const NOT_ADMIN_MESSAGE =
  'Managing connectors needs a deployment admin: sign in with an identity the operator listed in KAIROS_ADMINS, or use an admin API key of such an account.';

export class ConnectorAdmin {
  constructor(private readonly deps: ConnectorAdminDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private async requireDeploymentAdmin(p: ServicePrincipal): Promise<void> {
    if (p.connector || !p.scopes.includes('admin') || !this.deps.admins.length) throw new KairosError('forbidden', NOT_ADMIN_MESSAGE);
    const mine = await listChannels(this.deps.db, p.uid);
    if (!mine.some((c) => this.deps.admins.some((a) => a.type === c.type && a.uid === c.uid))) throw new KairosError('forbidden', NOT_ADMIN_MESSAGE);
  }

  async create(
    p: ServicePrincipal,
    opts: { name: string; channelType: string; firstContact: FirstContactPolicy; expiresAt?: Date },
  ): Promise<{ secret: string; info: ConnectorInfo }> {
    await this.requireDeploymentAdmin(p);
    const now = this.now();
    if (opts.expiresAt && opts.expiresAt.getTime() <= now.getTime()) throw new KairosError('invalid_input', '"expiresAt" must be in the future.');
    const expiresAt = opts.expiresAt ?? new Date(now.getTime() + CONNECTOR_DEFAULT_TTL_MS);
    const created = await createConnector(this.deps.db, p.uid, { ...opts, expiresAt });
    await audit(this.deps.db, 'connector.created', p.uid, created.info.id, { id: created.info.id, channelType: created.info.channelType });
    return created;
  }

  async list(p: ServicePrincipal): Promise<ConnectorInfo[]> {
    await this.requireDeploymentAdmin(p);
    return listConnectors(this.deps.db);
  }

  async revoke(p: ServicePrincipal, id: string): Promise<ConnectorInfo> {
    await this.requireDeploymentAdmin(p);
    if (!(await revokeConnector(this.deps.db, id, this.now()))) throw new NotFoundError(`There is no live connector with id "${id}".`);
    const revoked = (await listConnectors(this.deps.db)).find((c) => c.id === id)!;
    await audit(this.deps.db, 'connector.revoked', p.uid, id, { id, channelType: revoked.channelType });
    return revoked;
  }
}
