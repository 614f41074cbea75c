/**
 * Where requests and the MCP definition go in each mode. Local: the loopback engine with its
 * bearer token. Remote: `kairos.serverUrl` with the signed-in session's token, fetched fresh
 * per request. The MCP logic returns plain data; activate.ts turns it into
 * vscode.McpHttpServerDefinition (this module imports nothing from vscode).
 */
import type { AuthController } from './auth.js';
import { NotSignedInError } from './auth.js';
import type { SetupReason } from '../protocol/messages.js';
import type { ApiTarget } from './client.js';
import type { ExtensionSettings } from './config.js';
import type { EngineConnection } from './engine.js';

export interface EngineHandle {
  ensure(): Promise<EngineConnection>;
  readonly connection: EngineConnection | undefined;
}

export interface McpDefinitionData {
  label: string;
  uri: string;
  headers: Record<string, string>;
  /** Changes when the server behind the label changes, so VS Code refreshes its tool cache. */
  version: string;
}

export const MCP_LABEL = 'Kairos';
/** Shown before the engine has ever run; resolve replaces it with the real address. */
export const LOCAL_PLACEHOLDER_URI = 'http://127.0.0.1/mcp';

export class MissingServerUrlError extends Error {
  readonly code = 'invalid_input';
  constructor() {
    super('Remote mode needs the service address: set "kairos.serverUrl".');
    this.name = 'MissingServerUrlError';
  }
}

/** What the user must do before remote mode can list anything; undefined when nothing (or local mode). */
export function setupReason(s: Pick<ExtensionSettings, 'mode' | 'serverUrl'>, signedIn: boolean): SetupReason | undefined {
  if (s.mode !== 'remote') return undefined;
  if (!s.serverUrl) return 'no-server-url';
  return signedIn ? undefined : 'signed-out';
}

/** The header that names the window's repo: the MCP server's default search context and remember scope. */
export const REPO_HEADER = 'X-Kairos-Repo';

export class ConnectionResolver {
  constructor(
    private readonly settings: () => ExtensionSettings,
    private readonly engine: EngineHandle,
    private readonly auth: AuthController,
    /** This window's repo id (its first workspace folder's), when it has one. */
    private readonly repo: () => string | undefined = () => undefined,
  ) {}

  private repoHeader(): Record<string, string> {
    const repo = this.repo();
    return repo ? { [REPO_HEADER]: repo } : {};
  }

  get mode(): ExtensionSettings['mode'] {
    return this.settings().mode;
  }

  /** Base URL + bearer for one REST request. */
  async target(): Promise<ApiTarget> {
    const s = this.settings();
    if (s.mode === 'local') {
      const conn = await this.engine.ensure();
      return { baseUrl: conn.url, token: conn.token };
    }
    if (!s.serverUrl) throw new MissingServerUrlError();
    return { baseUrl: s.serverUrl, token: await this.auth.token() };
  }

  /**
   * What provideMcpServerDefinitions returns: never a token (VS Code caches these), and no
   * engine start (activation stays cheap). Remote mode while signed out offers nothing.
   */
  provide(): McpDefinitionData[] {
    const s = this.settings();
    if (s.mode === 'local') {
      const url = this.engine.connection?.url;
      return [{ label: MCP_LABEL, uri: url ? `${url}/mcp` : LOCAL_PLACEHOLDER_URI, headers: this.repoHeader(), version: 'local' }];
    }
    if (!s.serverUrl || !this.auth.current.signedIn) return [];
    return [{ label: MCP_LABEL, uri: `${s.serverUrl}/mcp`, headers: this.repoHeader(), version: `remote:${s.serverUrl}` }];
  }

  /**
   * What resolveMcpServerDefinition returns when VS Code starts the server: the live address and
   * a fresh bearer. Undefined (VS Code does not start it) when remote mode is signed out.
   */
  async resolve(label: string): Promise<McpDefinitionData | undefined> {
    if (label !== MCP_LABEL) return undefined;
    const s = this.settings();
    try {
      const { baseUrl, token } = await this.target();
      return {
        label: MCP_LABEL,
        uri: `${baseUrl}/mcp`,
        headers: { Authorization: `Bearer ${token}`, ...this.repoHeader() },
        version: s.mode === 'local' ? 'local' : `remote:${s.serverUrl}`,
      };
    } catch (e) {
      if (e instanceof NotSignedInError || e instanceof MissingServerUrlError) return undefined;
      throw e;
    }
  }
}
