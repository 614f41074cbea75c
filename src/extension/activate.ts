/**
 * Composition root of the VS Code extension: builds the plain modules with their VS Code seams
 * (authentication, SecretStorage, globalStorage, child_process, fetch) and registers the
 * sidebar, commands, status bar and MCP server definition provider. Nothing here starts the
 * engine: that happens on the first request that needs it.
 */
// First: configures zod before any module builds a schema (see the file).
import './zodConfig.js';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { HostEvent, SettingsUpdate, SettingsView, SetupAction } from '../protocol/messages.js';
import { checkRepoAnchors, type AnchorStore } from '../code/checkAnchors.js';
import type { ActiveFile } from '../protocol/messages.js';
import { createAnchorActions } from './anchorActions.js';
import { AnchorWatcher } from './anchorWatcher.js';
import { AuthController } from './auth.js';
import { Checkouts } from './checkouts.js';
import { statusLabel, statusText } from './capture.js';
import { KairosClient } from './client.js';
import { registerCommands, reportError } from './commands.js';
import { affectsConnection, readSettings, type ExtensionSettings } from './config.js';
import { ConnectionResolver, MCP_LABEL, setupReason, type McpDefinitionData } from './connection.js';
import { Disposable, type DisposableLike } from './disposable.js';
import { EngineManager, type SpawnFn } from './engine.js';
import { EventStream } from './eventStream.js';
import { buildEngineEnv } from './engineEnv.js';
import { probeFactory, type EmbedderModule } from './keyTest.js';
import { createExtensionLogger } from './log.js';
import { routeMessage } from './router.js';
import { KeyStore, needsKey, type KeyedProvider } from './secrets.js';
import { SidebarProvider, VIEW_ID } from './sidebar.js';
import { pidAlive } from '../util/pid.js';

const t = vscode.l10n.t;

let shutdown: (() => Promise<void>) | undefined;

/** Only with KAIROS_EXTENSION_TEST=1 (the real-VS-Code suite): hooks to inspect state. */
export interface KairosTestApi {
  activationMs: number;
  resolveMcp(): Promise<McpDefinitionData | undefined>;
  provideMcp(): McpDefinitionData[];
  state(): unknown;
  engineHome: string;
  /** The hint (provider + last four characters) of a stored key, never the key. */
  keyHint(provider: string): Promise<string | undefined>;
  measureSearch(query: string, runs: number): Promise<{ runs: number; wallMsPerSearch: number; mainThreadMsPerSearch: number; hits: number }>;
}

/** The self-contained engine bundle shipped in the VSIX, else the checkout's CLI build. */
function engineEntry(extensionPath: string): string {
  const bundled = join(extensionPath, 'dist', 'engine', 'kairos.mjs');
  return existsSync(bundled) ? bundled : join(extensionPath, 'dist', 'kairos.mjs');
}

export async function activate(context: vscode.ExtensionContext): Promise<KairosTestApi | undefined> {
  const t0 = performance.now();
  // Everything activation creates is released with the extension (see disposable.ts).
  const lifetime = new Disposable();
  context.subscriptions.push(lifetime);
  const sub = <T extends DisposableLike>(d: T): T => lifetime.register(d);
  const output = sub(vscode.window.createOutputChannel('Kairos', { log: true }));
  const log = createExtensionLogger(output);
  const readCfg = (): ExtensionSettings => readSettings((k) => vscode.workspace.getConfiguration('kairos').get(k));
  let settings = readCfg();
  const keys = new KeyStore(context.secrets);
  const auth = new AuthController(async (id, scopes, options) => vscode.authentication.getSession(id, [...scopes], options), context.globalState);
  const mcpChanged = sub(new vscode.EventEmitter<void>());
  const home = vscode.Uri.joinPath(context.globalStorageUri, 'engine').fsPath;

  let lastCount: number | undefined;
  const statusItem = sub(vscode.window.createStatusBarItem('kairos.status', vscode.StatusBarAlignment.Right, 100));
  statusItem.name = 'Kairos';
  statusItem.command = `${VIEW_ID}.focus`;

  const engine = new EngineManager({
    home,
    entry: engineEntry(context.extensionUri.fsPath),
    execPath: process.execPath,
    env: async () => {
      const provider = settings.embedding.provider;
      const key = needsKey(provider) ? await keys.get(provider) : undefined;
      if (key) log.addSecret(key);
      return buildEngineEnv(process.env, home, settings.embedding, key);
    },
    spawn: ((cmd, args, opts) => spawn(cmd, args, opts)) as SpawnFn,
    fetch: (i, init) => fetch(i, init),
    isAlive: pidAlive,
    kill: (pid, signal) => {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    },
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    log,
    selfPid: process.pid,
    onStatus: (status) => {
      sidebar.post({ type: 'engineStatus', status });
      if (status === 'starting') void showStarting();
      void refreshStatus();
    },
    onDidChange: (conn) => {
      if (conn) log.addSecret(conn.token);
      mcpChanged.fire();
      events.restart();
      void refreshStatus();
      if (conn) checkAllAnchors();
    },
    onCrash: (restarted, tail) => {
      log.error(`engine log tail:\n${tail}`);
      const show = t('Show Output');
      if (restarted) {
        void vscode.window
          .showWarningMessage(t('The Kairos engine stopped unexpectedly and was restarted.'), show)
          .then((p) => p === show && output.show(true));
      } else {
        const restart = t('Restart Engine');
        void vscode.window.showErrorMessage(t('The Kairos engine stopped again and was not restarted.'), restart, show).then((p) => {
          if (p === restart) void vscode.commands.executeCommand('kairos.restartEngine');
          if (p === show) output.show(true);
        });
      }
    },
  });
  // deactivate() awaits the engine's stop; the lifetime releases it too if that never runs.
  shutdown = () => engine.dispose();
  sub(engine);
  const checkouts = sub(new Checkouts(log));
  const resolver = new ConnectionResolver(
    () => settings,
    engine,
    auth,
    () => checkouts.windowRepo(),
  );
  const client = new KairosClient(() => resolver.target());
  const anchors = sub(createAnchorActions(client, checkouts));
  const connected = (): boolean => (settings.mode === 'local' ? engine.connection !== undefined : auth.current.signedIn);

  // Refreshes overlap (auth, settings and memory events all trigger one); only the
  // newest may write, and it reads the auth state after its await, so a slow earlier
  // refresh never paints a stale "signed out" over a newer sign-in.
  let statusSeq = 0;
  async function refreshStatus(): Promise<void> {
    const seq = ++statusSeq;
    const connected = settings.mode === 'local' ? engine.connection !== undefined : auth.current.signedIn;
    if (connected) {
      try {
        const count = (await client.spaces()).reduce((n, s) => n + s.count, 0);
        if (seq === statusSeq) lastCount = count;
      } catch (e) {
        log.debug('count refresh failed', { error: e });
      }
    }
    if (seq !== statusSeq) return;
    const a = auth.current;
    const status = {
      mode: settings.mode,
      ...(a.signedIn ? { account: a.account.label } : {}),
      ...(lastCount !== undefined ? { count: lastCount } : {}),
      engine: engine.status,
    };
    statusItem.text = statusText(status);
    statusItem.accessibilityInformation = { label: statusLabel(status), role: 'button' };
    statusItem.tooltip =
      settings.mode === 'local'
        ? t('Kairos: local mode (data in {0})', home)
        : a.signedIn
          ? t('Kairos: {0} as {1} ({2})', settings.serverUrl, a.account.label, a.account.provider)
          : t('Kairos: remote mode, signed out');
    statusItem.show();
  }

  // Events come in bursts (an import, an agent's batch): one count refresh per burst.
  let statusTimer: NodeJS.Timeout | undefined;
  const scheduleStatus = (): void => {
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => void refreshStatus(), 50);
  };
  sub({ dispose: () => clearTimeout(statusTimer) });

  const emit = (event: HostEvent): void => {
    sidebar.post(event);
    if (event.type === 'memoryChanged') scheduleStatus();
  };

  // Writes by any client (MCP agents, CLI, console, other windows) reach the view and the count.
  const events = new EventStream({
    target: async () => {
      if (settings.mode === 'local') {
        const c = engine.connection;
        return c && { baseUrl: c.url, token: c.token };
      }
      if (!settings.serverUrl || !auth.current.signedIn) return undefined;
      return { baseUrl: settings.serverUrl, token: await auth.token() };
    },
    fetch: (i, init) => fetch(i, init),
    onEvent: (e) => emit(e),
    // A fresh connection (first, or to a restarted engine) knows nothing of what changed before:
    // one refresh. A resumed one gets the missed events (or a resync) from the server.
    onConnected: (resumed) => {
      if (!resumed) emit({ type: 'memoryChanged', change: 'updated' });
    },
    log,
  });
  sub(events);

  async function settingsView(): Promise<SettingsView> {
    const view = await client.settings();
    const hint = await keys.hint(settings.embedding.provider);
    const a = auth.current;
    return {
      ...view,
      mode: settings.mode,
      ...(hint ? { keyHint: hint } : {}),
      ...(a.signedIn ? { account: { id: a.account.id, label: a.account.label, provider: a.account.provider } } : {}),
    };
  }

  async function updateSettings(u: SettingsUpdate): Promise<SettingsView> {
    if (u.embedder) {
      const cfg = vscode.workspace.getConfiguration('kairos');
      const g = vscode.ConfigurationTarget.Global;
      await cfg.update('embedding.provider', u.embedder.provider, g);
      await cfg.update('embedding.model', u.embedder.model ?? '', g);
      await cfg.update('embedding.endpoint', u.embedder.endpoint ?? '', g);
      await cfg.update('embedding.deployment', u.embedder.deployment ?? '', g);
      settings = readCfg();
      await applyEmbedding();
    }
    return settingsView();
  }

  /** A new key or provider reaches the engine through a restart with the new environment. */
  async function applyEmbedding(): Promise<void> {
    settings = readCfg();
    if (settings.mode === 'local' && engine.connection) await engine.restart();
  }

  // Remote mode without a server URL or signed out: the view shows the setup panel, not a stale list.
  const setupEvent = (): HostEvent => {
    const reason = setupReason(settings, auth.current.signedIn);
    return { type: 'setupNeeded', ...(reason ? { reason } : {}) };
  };
  async function setupAction(action: SetupAction): Promise<{ started: boolean }> {
    switch (action) {
      case 'setServerUrl':
        await vscode.commands.executeCommand('workbench.action.openSettings', 'kairos.serverUrl');
        return { started: true };
      case 'signIn':
        void vscode.commands.executeCommand('kairos.signIn');
        return { started: true };
      case 'useLocal':
        await vscode.workspace.getConfiguration('kairos').update('mode', 'local', vscode.ConfigurationTarget.Global);
        return { started: true };
    }
  }

  /** VS Code's own progress bar on the view while the engine starts (the UI says so in words). */
  async function showStarting(): Promise<void> {
    await vscode.window.withProgress({ location: { viewId: VIEW_ID }, title: t('Starting local engine…') }, async () => {
      while (engine.status === 'starting') await new Promise((r) => setTimeout(r, 100));
    });
  }

  const sidebar = sub(
    new SidebarProvider(
      context.extensionUri,
      {
        client,
        openSource: async (p) => {
          const uri = vscode.Uri.parse(p.uri, true);
          const r = p.range;
          const selection = r ? new vscode.Range(r.startLine, r.startCharacter ?? 0, r.endLine, r.endCharacter ?? 0) : undefined;
          await vscode.window.showTextDocument(uri, { preview: false, ...(selection ? { selection } : {}) });
          return { opened: true };
        },
        settingsView,
        updateSettings,
        saveExport: async (jsonl) => {
          const target = await vscode.window.showSaveDialog({ filters: { JSONL: ['jsonl'] } });
          if (!target) return undefined;
          await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(jsonl));
          return target.fsPath;
        },
        searchLimit: () => settings.searchLimit,
        anchors,
        setupAction,
      },
      (e) => emit(e),
      () => [
        setupEvent(),
        activeFileEvent(),
        {
          type: 'authChanged',
          signedIn: auth.current.signedIn,
          ...(auth.current.signedIn ? { account: { label: auth.current.account.label, provider: auth.current.account.provider } } : {}),
        },
        ...(settings.mode === 'local' ? [{ type: 'engineStatus' as const, status: engine.status }] : []),
      ],
      log,
    ),
  );
  sub(vscode.window.registerWebviewViewProvider(VIEW_ID, sidebar, { webviewOptions: { retainContextWhenHidden: false } }));

  // Background re-check of code anchors: a saved file's own anchors, every anchor of a checkout
  // whose HEAD moved, and all open checkouts once Kairos is reachable. Never starts the engine.
  const anchorStore: AnchorStore = {
    list: (input) => client.list({ filter: input.filter, limit: input.limit, ...(input.cursor ? { cursor: input.cursor } : {}) }),
    recordAnchorCheck: (id, check, commit) => client.recordAnchorCheck({ id, check, commit }),
  };
  const watcher = new AnchorWatcher({
    check: (c, paths) =>
      checkRepoAnchors({ root: c.root, repo: c.repo, store: anchorStore, ...(c.commit ? { commit: c.commit } : {}), ...(paths ? { paths } : {}) }),
    onChecked: (c, summary) => {
      log.info(`anchors re-checked in ${c.repo}`, { checked: summary.checked, moved: summary.moved, stale: summary.stale });
      // The local engine announces each recorded change on its event stream; the service may not.
      if (settings.mode === 'remote') emit({ type: 'memoryChanged', change: 'updated' });
    },
    onError: (c, e) => log.warn(`re-checking the anchors of ${c.repo} failed`, { error: e }),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    delayMs: 50,
  });
  sub(watcher);
  function checkAllAnchors(): void {
    if (!connected()) return;
    for (const c of checkouts.all()) watcher.checkoutChanged(c);
  }
  sub(
    vscode.workspace.onDidSaveTextDocument((doc) => {
      const c = connected() ? checkouts.checkoutOf(doc.uri) : undefined;
      const path = c && checkouts.fileOf(doc.uri)?.path;
      if (c && path) watcher.fileSaved(c, path);
    }),
  );
  sub(checkouts.onDidChangeHead((c) => connected() && watcher.checkoutChanged(c)));

  // "For this file": the sidebar follows the active editor's file.
  function activeFileEvent(): HostEvent {
    const editor = vscode.window.activeTextEditor;
    const f = editor && checkouts.fileOf(editor.document.uri);
    const file: ActiveFile | undefined = f && { path: f.path, repo: f.repo };
    return { type: 'activeFile', ...(file ? { file } : {}) };
  }
  let lastActive = '';
  const postActiveFile = (): void => {
    const event = activeFileEvent();
    const key = JSON.stringify(event);
    if (key === lastActive) return;
    lastActive = key;
    sidebar.post(event);
  };
  sub(vscode.window.onDidChangeActiveTextEditor(() => postActiveFile()));
  // The window's repo names the MCP default context; a repo opened later (git scans) changes it.
  let windowRepo = checkouts.windowRepo();
  sub(
    checkouts.onDidChange(() => {
      lastActive = '';
      postActiveFile();
      const repo = checkouts.windowRepo();
      if (repo !== windowRepo) {
        windowRepo = repo;
        mcpChanged.fire();
      }
      checkAllAnchors();
    }),
  );
  void checkouts.start();

  const authChanged = (): void => {
    const a = auth.current;
    void vscode.commands.executeCommand('setContext', 'kairos.signedIn', a.signedIn);
    mcpChanged.fire();
    events.restart();
    sidebar.post(setupEvent());
    sidebar.post({ type: 'authChanged', signedIn: a.signedIn, ...(a.signedIn ? { account: { label: a.account.label, provider: a.account.provider } } : {}) });
    void refreshStatus();
    checkAllAnchors();
  };
  sub(auth.onDidChange(() => authChanged()));

  for (const d of registerCommands({
    client,
    settings: () => settings,
    keys,
    auth,
    engine,
    sidebar,
    log,
    output,
    emit,
    applyEmbedding,
    sendRemoteKey: async (provider: KeyedProvider, key: string) => {
      // Issue 6's settings endpoint: the service encrypts the key at rest.
      await client.json('PUT', '/v1/settings/embedder-key', { json: { provider, apiKey: key } });
    },
    authChanged,
    checkouts,
    version: String((context.extension.packageJSON as { version?: unknown }).version ?? ''),
    // A path esbuild leaves alone: dist/embedders.cjs is its own bundle, parsed on first use.
    probeFactory: probeFactory(() => import(pathToFileURL(join(context.extensionUri.fsPath, 'dist', 'embedders.cjs')).href) as Promise<EmbedderModule>),
  }))
    sub(d);

  const toDefinition = (d: McpDefinitionData): vscode.McpHttpServerDefinition =>
    new vscode.McpHttpServerDefinition(d.label, vscode.Uri.parse(d.uri), d.headers, d.version);
  if (typeof vscode.lm?.registerMcpServerDefinitionProvider === 'function') {
    sub(
      vscode.lm.registerMcpServerDefinitionProvider('kairos', {
        onDidChangeMcpServerDefinitions: mcpChanged.event,
        provideMcpServerDefinitions: () => resolver.provide().map(toDefinition),
        resolveMcpServerDefinition: async (def) => {
          try {
            const resolved = await resolver.resolve(def.label);
            if (!resolved) {
              void vscode.window.showWarningMessage(t('Sign in to Kairos (or set kairos.serverUrl) to use its MCP tools.'));
              return undefined;
            }
            return toDefinition(resolved);
          } catch (e) {
            await reportError({ log, output }, t('Starting the Kairos MCP server'), e);
            return undefined;
          }
        },
      }),
    );
  } else {
    log.warn('this VS Code has no MCP server definition API; Copilot will not see Kairos tools');
  }

  sub(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!affectsConnection((k) => e.affectsConfiguration(k)) && !e.affectsConfiguration('kairos.search')) return;
      const before = settings;
      settings = readCfg();
      if (before.mode !== settings.mode || before.serverUrl !== settings.serverUrl) {
        mcpChanged.fire();
        events.restart();
        sidebar.post(setupEvent());
        sidebar.post({ type: 'memoryChanged', change: 'updated' });
      }
      const embeddingChanged = JSON.stringify(before.embedding) !== JSON.stringify(settings.embedding);
      // Every window sees this change: only the window that owns the engine restarts it.
      if (embeddingChanged && settings.mode === 'local' && engine.connection?.owned) {
        void engine.restart().catch((err) => reportError({ log, output }, t('Restarting the engine'), err));
      }
      void refreshStatus();
    }),
  );
  sub(vscode.authentication.onDidChangeSessions((e) => void auth.sessionsChanged(e.provider.id)));

  // Windows attached to another window's engine notice when it goes away.
  const watch = setInterval(() => void engine.check(), 5_000);
  sub({ dispose: () => clearInterval(watch) });

  if (auth.providerId) {
    void auth.restore().then(
      () => authChanged(),
      (e) => log.warn('session restore failed', { error: e }),
    );
  } else {
    void vscode.commands.executeCommand('setContext', 'kairos.signedIn', false);
  }
  void refreshStatus();
  events.start();

  const activationMs = performance.now() - t0;
  log.info(`activated in ${activationMs.toFixed(1)} ms`, { mode: settings.mode });

  if (process.env.KAIROS_EXTENSION_TEST !== '1') return undefined;
  return {
    activationMs,
    engineHome: home,
    keyHint: (provider) => keys.hint(provider as ExtensionSettings['embedding']['provider']),
    resolveMcp: () => resolver.resolve(MCP_LABEL),
    provideMcp: () => resolver.provide(),
    state: () => ({
      mode: settings.mode,
      auth: auth.current,
      engine: engine.status,
      connection: engine.connection ? { url: engine.connection.url, pid: engine.connection.pid, owned: engine.connection.owned } : undefined,
      statusText: statusItem.text,
    }),
    measureSearch: async (query, runs) => {
      const deps = {
        client,
        openSource: async () => ({ opened: false }),
        settingsView,
        updateSettings,
        saveExport: async () => undefined,
        searchLimit: () => settings.searchLimit,
        emit: () => {},
        holdDeletes: () => {},
        anchors,
        setupAction,
      };
      await routeMessage({ kind: 'request', requestId: 'warm', type: 'search', params: { query } }, deps);
      const elu0 = performance.eventLoopUtilization();
      const w0 = performance.now();
      let hits = 0;
      for (let i = 0; i < runs; i++) {
        const r = await routeMessage({ kind: 'request', requestId: `m${i}`, type: 'search', params: { query } }, deps);
        if (r.kind === 'response' && r.message.ok) hits = (r.message.result as { items: unknown[] }).items.length;
      }
      const wall = performance.now() - w0;
      // Event-loop active time = time the extension host's main thread was busy during the runs.
      const elu = performance.eventLoopUtilization(elu0);
      return { runs, wallMsPerSearch: wall / runs, mainThreadMsPerSearch: elu.active / runs, hits };
    },
  };
}

export async function deactivate(): Promise<void> {
  const stop = shutdown;
  shutdown = undefined;
  await stop?.();
}
