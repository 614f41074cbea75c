/**
 * Command handlers: thin VS Code UI (pickers, dialogs, progress) around the plain modules.
 * Every registration is returned as a Disposable for context.subscriptions.
 */
import * as vscode from 'vscode';
import type { Memory, RememberResult } from '../core/memory.js';
import { EMBEDDING_PROVIDER_LABELS, isKeyedProvider, KEYED_PROVIDERS, type KeyedProvider } from '../protocol/embedders.js';
import type { HostEvent } from '../protocol/messages.js';
import { type AuthController, PROVIDER_LABELS } from './auth.js';
import { rememberSelectionParams, replaceSimilar } from './capture.js';
import type { Checkouts } from './checkouts.js';
import type { KairosClient } from './client.js';
import type { ExtensionSettings } from './config.js';
import type { EngineManager } from './engine.js';
import { testKey, type ProbeFactory } from './keyTest.js';
import type { ExtensionLogger } from './log.js';
import { checkKeyShape, type KeyStore, needsKey } from './secrets.js';
import type { SidebarProvider } from './sidebar.js';

export interface CommandDeps {
  client: KairosClient;
  settings(): ExtensionSettings;
  keys: KeyStore;
  auth: AuthController;
  engine: EngineManager;
  sidebar: SidebarProvider;
  log: ExtensionLogger;
  output: vscode.LogOutputChannel;
  emit(e: HostEvent): void;
  /** Applies a changed key/provider to the running engine (local mode). */
  applyEmbedding(): Promise<void>;
  /** Sends a BYOK key to the remote service (which encrypts it at rest). */
  sendRemoteKey(provider: KeyedProvider, key: string): Promise<void>;
  /** Called after sign-in changes (MCP definitions, status, context keys). */
  authChanged(): void;
  /** Creates the embedder that tests a key (loads the provider clients lazily). */
  probeFactory: ProbeFactory;
  /** The window's checkouts: repo id, path, branch and commit of a file. */
  checkouts: Checkouts;
  /** This extension's version, recorded as the client version of what it writes. */
  version: string;
}

const t = vscode.l10n.t;

/** Shows a failure with what to do next; the details (redacted) go to the output channel. */
export async function reportError(deps: Pick<CommandDeps, 'log' | 'output'>, what: string, e: unknown): Promise<void> {
  const message = e instanceof Error ? e.message : String(e);
  deps.log.error(`${what} failed`, { error: e });
  const show = t('Show Output');
  const pick = await vscode.window.showErrorMessage(t('Kairos: {0} failed: {1}', what, message.split('\n')[0] ?? ''), show);
  if (pick === show) deps.output.show(true);
}

function firstLine(text: string, max = 80): string {
  const line = text.split('\n').find((l) => l.trim()) ?? text;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line.trim();
}

function sourceLabel(m: Memory): string {
  if (!m.source.uri) return m.source.kind;
  const file = vscode.Uri.parse(m.source.uri);
  const rel = vscode.workspace.asRelativePath(file, false);
  return m.source.range ? `${rel}:${m.source.range.startLine + 1}` : rel;
}

interface MemoryPick extends vscode.QuickPickItem {
  memory: Memory;
}

/** A quick pick whose items follow the typed query (debounced), as search and forget use. */
function pickMemory(deps: CommandDeps, placeholder: string): Promise<Memory | undefined> {
  const qp = vscode.window.createQuickPick<MemoryPick>();
  qp.placeholder = placeholder;
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  let timer: NodeJS.Timeout | undefined;
  let seq = 0;
  const load = async (query: string): Promise<void> => {
    const mine = ++seq;
    qp.busy = true;
    try {
      const items = query.trim()
        ? (await deps.client.search({ query, limit: deps.settings().searchLimit })).items.map((h) => h.memory)
        : (await deps.client.list({ limit: deps.settings().searchLimit })).items;
      if (mine !== seq) return;
      qp.items = items.map((m) => ({
        label: firstLine(m.text),
        description: sourceLabel(m),
        ...(m.tags.length ? { detail: m.tags.join(', ') } : {}),
        memory: m,
        alwaysShow: true,
      }));
    } catch (e) {
      if (mine === seq) qp.items = [];
      deps.log.warn('search failed', { error: e });
      qp.title = e instanceof Error ? e.message : String(e);
    } finally {
      if (mine === seq) qp.busy = false;
    }
  };
  return new Promise((resolve) => {
    let chosen: Memory | undefined;
    qp.onDidChangeValue((v) => {
      clearTimeout(timer);
      timer = setTimeout(() => void load(v), 200);
    });
    qp.onDidAccept(() => {
      chosen = qp.selectedItems[0]?.memory;
      qp.hide();
    });
    qp.onDidHide(() => {
      clearTimeout(timer);
      qp.dispose();
      resolve(chosen);
    });
    qp.show();
    void load('');
  });
}

async function chooseKeyedProvider(deps: CommandDeps, title: string): Promise<KeyedProvider | undefined> {
  const current = deps.settings().embedding.provider;
  if (needsKey(current)) return current;
  const pick = await vscode.window.showQuickPick(
    KEYED_PROVIDERS.map((p) => ({ label: EMBEDDING_PROVIDER_LABELS[p], provider: p })),
    { title, placeHolder: t('Embedding provider') },
  );
  return pick?.provider;
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const reg = (id: string, fn: (...args: unknown[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        await reportError(deps, id.replace(/^kairos\./, ''), e);
        return undefined;
      }
    });

  /** A new memory close to an existing one: "Replace <it>" or "Keep both" (the default, doing nothing). */
  const offerReplace = async (result: RememberResult): Promise<void> => {
    const similar = result.outcome === 'created' ? result.similar?.[0] : undefined;
    if (!similar) return;
    const replace = t('Replace it');
    const pick = await vscode.window.showInformationMessage(
      t('Kairos already has a similar memory: "{0}". Replace it with the new one, or keep both?', firstLine(similar.text, 80)),
      replace,
      t('Keep both'),
    );
    if (pick !== replace) return;
    try {
      const memory = await replaceSimilar(deps.client, result, similar.id);
      deps.emit({ type: 'memoryChanged', id: result.memory.id, space: result.memory.space, change: 'deleted' });
      deps.emit({ type: 'memoryChanged', id: memory.id, space: memory.space, change: 'updated' });
      void vscode.window.setStatusBarMessage(`$(check) ${t('Replaced; the old text is kept in its history.')}`, 4000);
    } catch (e) {
      void vscode.window.showErrorMessage(t('Kairos could not replace the memory: {0}', e instanceof Error ? e.message : String(e)));
    }
  };

  return [
    reg('kairos.rememberSelection', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) {
        void vscode.window.showInformationMessage(t('Open a file and select the code to remember.'));
        return undefined;
      }
      const sel = editor.selection;
      const range = sel.isEmpty ? editor.document.lineAt(sel.active.line).range : new vscode.Range(sel.start, sel.end);
      const text = editor.document.getText(range);
      if (!text.trim()) {
        void vscode.window.showInformationMessage(t('The selection is empty.'));
        return undefined;
      }
      const code = deps.checkouts.fileOf(editor.document.uri);
      const params = rememberSelectionParams(
        {
          text,
          uri: editor.document.uri.toString(),
          languageId: editor.document.languageId,
          range: { startLine: range.start.line, startCharacter: range.start.character, endLine: range.end.line, endCharacter: range.end.character },
          ...(code
            ? {
                code: { repo: code.repo, path: code.path, ...(code.branch ? { branch: code.branch } : {}), ...(code.commit ? { commit: code.commit } : {}) },
                docLines: editor.document.getText().split(/\r?\n/),
              }
            : {}),
        },
        deps.version,
      );
      const result = await deps.client.create(params);
      deps.emit({ type: 'memoryChanged', id: result.memory.id, space: result.memory.space, change: result.outcome === 'created' ? 'created' : 'updated' });
      const msg = result.outcome === 'duplicate' ? t('Kairos already remembers this.') : t('Remembered {0}.', firstLine(text, 40));
      void vscode.window.setStatusBarMessage(`$(check) ${msg}`, 4000);
      void offerReplace(result);
      return { id: result.memory.id, outcome: result.outcome };
    }),

    reg('kairos.remember', async (arg?: unknown) => {
      const text =
        typeof arg === 'string'
          ? arg
          : await vscode.window.showInputBox({ title: t('Kairos: Remember'), prompt: t('What should Kairos remember?'), ignoreFocusOut: true });
      if (!text?.trim()) return undefined;
      const result = await deps.client.create({ text, source: { kind: 'editor', client: 'vscode' } });
      deps.emit({ type: 'memoryChanged', id: result.memory.id, space: result.memory.space, change: result.outcome === 'created' ? 'created' : 'updated' });
      void vscode.window.setStatusBarMessage(`$(check) ${t('Remembered.')}`, 4000);
      void offerReplace(result);
      return { id: result.memory.id, outcome: result.outcome };
    }),

    reg('kairos.search', async () => {
      const memory = await pickMemory(deps, t('Search memories'));
      if (!memory) return;
      deps.sidebar.post({ type: 'showMemory', id: memory.id, space: memory.space }, true);
      await deps.sidebar.reveal();
    }),

    reg('kairos.forget', async () => {
      const memory = await pickMemory(deps, t('Search the memory to forget'));
      if (!memory) return;
      const forget = t('Forget');
      const ok = await vscode.window.showWarningMessage(
        t('Forget "{0}"?', firstLine(memory.text, 60)),
        { modal: true, detail: t('Its history is deleted too.') },
        forget,
      );
      if (ok !== forget) return;
      const r = await deps.client.delete({ id: memory.id, space: memory.space });
      deps.emit({ type: 'memoryChanged', id: r.id, space: r.space, change: 'deleted' });
    }),

    reg('kairos.export', async () => {
      const day = new Date().toISOString().slice(0, 10);
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const target = await vscode.window.showSaveDialog({
        title: t('Export Kairos memories'),
        filters: { JSONL: ['jsonl'] },
        ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `kairos-export-${day}.jsonl`) } : {}),
      });
      if (!target) return;
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Exporting memories…') }, async () => {
        const jsonl = await deps.client.exportJsonl({});
        await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(jsonl));
        const lines = jsonl.split('\n').filter((l) => l.trim()).length;
        void vscode.window.showInformationMessage(t('Exported {0} memories to {1}.', lines, vscode.workspace.asRelativePath(target)));
      });
    }),

    reg('kairos.import', async () => {
      const files = await vscode.window.showOpenDialog({
        title: t('Import memories'),
        canSelectMany: false,
        filters: { [t('Kairos export or MCP memory file')]: ['jsonl', 'ndjson', 'json'] },
      });
      const file = files?.[0];
      if (!file) return;
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Importing memories…') }, async () => {
        const content = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
        // The engine recognises Kairos exports and MCP memory-server files by their lines.
        const summary = await deps.client.json<{ created: number; duplicate: number; failed: number }>('POST', '/v1/import', {
          body: content,
          contentType: 'application/x-ndjson',
        });
        deps.emit({ type: 'memoryChanged', change: 'imported' });
        void vscode.window.showInformationMessage(t('Imported {0} memories ({1} duplicates, {2} failed).', summary.created, summary.duplicate, summary.failed));
      });
    }),

    reg('kairos.deleteAllData', async () => {
      const mode = deps.settings().mode;
      const confirm = t('Delete Everything');
      const detail =
        mode === 'local'
          ? t('Every memory you own on this machine and its history is deleted. This cannot be undone. Export first if you may need them.')
          : t(
              'Your account on {0} is deleted with its memories, API keys and linked sign-ins. This cannot be undone. Export first if you may need them.',
              deps.settings().serverUrl ?? '',
            );
      const ok = await vscode.window.showWarningMessage(t('Delete all your Kairos data?'), { modal: true, detail }, confirm);
      if (ok !== confirm) return undefined;
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Deleting your data…') }, () =>
        deps.client.deleteAllData(mode),
      );
      deps.emit({ type: 'memoryChanged', change: 'deleted' });
      void vscode.window.showInformationMessage(
        result.memories !== undefined ? t('Deleted {0} memories.', result.memories) : t('Deleted your Kairos account and its data.'),
      );
      return result;
    }),

    reg('kairos.showOutput', () => deps.output.show(true)),

    reg('kairos.signIn', async (arg?: unknown) => {
      let providerId = typeof arg === 'string' ? arg : undefined;
      if (!providerId) {
        const pick = await vscode.window.showQuickPick(
          Object.entries(PROVIDER_LABELS).map(([id, label]) => ({ label, id })),
          { title: t('Sign in to Kairos with') },
        );
        providerId = pick?.id;
      }
      if (!providerId) return undefined;
      const state = await deps.auth.signIn(providerId);
      deps.authChanged();
      if (state.signedIn && deps.settings().mode === 'local') {
        const use = t('Use Remote Mode');
        const pick = await vscode.window.showInformationMessage(
          t('Signed in as {0}. Kairos is in local mode; switch to the shared service?', state.account.label),
          use,
        );
        if (pick === use) await vscode.workspace.getConfiguration('kairos').update('mode', 'remote', vscode.ConfigurationTarget.Global);
      }
      return state.signedIn ? { account: state.account.label } : undefined;
    }),

    reg('kairos.signOut', async () => {
      await deps.auth.signOut();
      deps.authChanged();
      void vscode.window.showInformationMessage(t('Signed out of Kairos. To remove the account from VS Code too, use the Accounts menu.'));
    }),

    reg('kairos.switchAccount', async () => {
      await deps.auth.switchAccount();
      deps.authChanged();
    }),

    reg('kairos.setEmbeddingKey', async (arg?: unknown) => {
      const provider = isKeyedProvider(arg) ? arg : await chooseKeyedProvider(deps, t('Set embedding API key'));
      if (!provider) return false;
      const key = await vscode.window.showInputBox({
        title: t('Kairos: {0} API key', provider),
        prompt: t('Stored in VS Code secret storage (the OS keychain), never in settings or logs.'),
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => (v ? checkKeyShape(v) : undefined),
      });
      if (!key) return false;
      deps.log.addSecret(key.trim());
      const inUse = deps.settings().embedding.provider === provider;
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Saving the {0} key…', provider) }, async () => {
        if (deps.settings().mode === 'remote') {
          // The service encrypts it at rest; no copy stays here.
          await deps.sendRemoteKey(provider, key.trim());
        } else {
          await deps.keys.set(provider, key);
          // The engine only needs a restart when it embeds with this provider.
          if (inUse) await deps.applyEmbedding();
        }
      });
      deps.emit({ type: 'embedderChanged', embedder: { provider, model: deps.settings().embedding.model ?? '', dimension: 0 } });
      if (inUse) {
        void vscode.window.showInformationMessage(t('Saved the {0} key.', provider));
        return true;
      }
      // A key alone changes nothing while another provider embeds: offer the switch.
      const use = t('Use {0}', EMBEDDING_PROVIDER_LABELS[provider]);
      void vscode.window
        .showInformationMessage(
          t('Saved the {0} key. Embeddings still use "{1}": switch to {2}?', provider, deps.settings().embedding.provider, EMBEDDING_PROVIDER_LABELS[provider]),
          use,
        )
        .then(async (pick) => {
          if (pick === use) await vscode.workspace.getConfiguration('kairos').update('embedding.provider', provider, vscode.ConfigurationTarget.Global);
        });
      return true;
    }),

    reg('kairos.testEmbeddingKey', async () => {
      const provider = await chooseKeyedProvider(deps, t('Test embedding API key'));
      if (!provider) return undefined;
      const key = await deps.keys.get(provider);
      if (!key) {
        void vscode.window.showWarningMessage(t('No {0} key is stored. Run "Kairos: Set Embedding API Key" first.', provider));
        return undefined;
      }
      deps.log.addSecret(key);
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Testing the {0} key…', provider) }, () =>
        testKey(provider, key, deps.settings().embedding, deps.probeFactory),
      );
      if (result.ok) void vscode.window.showInformationMessage(result.message);
      else void vscode.window.showErrorMessage(result.message);
      return result;
    }),

    reg('kairos.clearEmbeddingKey', async () => {
      const stored: KeyedProvider[] = [];
      for (const p of KEYED_PROVIDERS) if (await deps.keys.get(p)) stored.push(p);
      if (stored.length === 0) {
        void vscode.window.showInformationMessage(t('No embedding key is stored.'));
        return;
      }
      const pick =
        stored.length === 1 ? stored[0] : ((await vscode.window.showQuickPick(stored, { title: t('Clear which key?') })) as KeyedProvider | undefined);
      if (!pick) return;
      await deps.keys.clear(pick);
      await deps.applyEmbedding();
      void vscode.window.showInformationMessage(t('Cleared the {0} key.', pick));
    }),

    reg('kairos.refresh', () => {
      deps.emit({ type: 'memoryChanged', change: 'updated' });
    }),

    reg('kairos.restartEngine', async () => {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Restarting the Kairos engine…') }, () =>
        deps.engine.restart(),
      );
    }),
  ];
}
