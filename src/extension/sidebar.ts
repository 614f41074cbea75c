/**
 * The Kairos sidebar: a WebviewView hosting the memory UI bundle (media/webview) with a fresh
 * CSP nonce per render. retainContextWhenHidden stays off: the UI re-announces `ready` when it
 * is shown again and the host replays what it must restore.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { HostEvent, HostToUi, PendingDeletesParamsRefs } from '../protocol/messages.js';
import { renderShell, webviewAssetDir, webviewAssetNames } from '../ui/shell.js';
import { Disposable } from './disposable.js';
import type { ExtensionLogger } from './log.js';
import { routeMessage, type RouterDeps } from './router.js';

export const VIEW_ID = 'kairos.memories';

export class SidebarProvider extends Disposable implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  /** Events for a view that is not showing (e.g. "show this memory" from the quick pick). */
  private queued: HostEvent[] = [];
  /** Deletes the UI shows as done but is still holding for Undo (see `commitPending`). */
  private pending: PendingDeletesParamsRefs = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly deps: Omit<RouterDeps, 'emit' | 'holdDeletes'>,
    private readonly emit: (e: HostEvent) => void,
    private readonly initialEvents: () => HostEvent[],
    private readonly log: ExtensionLogger,
  ) {
    super();
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const root = vscode.Uri.joinPath(this.extensionUri, ...webviewAssetDir.split('/'));
    view.webview.options = { enableScripts: true, localResourceRoots: [root] };
    const asset = (name: string): string => view.webview.asWebviewUri(vscode.Uri.joinPath(root, name)).toString();
    try {
      view.webview.html = renderShell({
        nonce: randomBytes(18).toString('base64url'),
        scriptUri: asset(webviewAssetNames.script),
        styleUri: asset(webviewAssetNames.style),
        codiconUri: asset(webviewAssetNames.codicons),
        cspSource: view.webview.cspSource,
        host: 'vscode',
      });
    } catch (e) {
      this.log.error('the memory view could not be rendered', { error: e, cspSource: view.webview.cspSource });
      throw e;
    }
    for (const d of [
      view.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      // Hidden means the webview (and its undo timers) is destroyed: commit what it held.
      view.onDidChangeVisibility(() => {
        if (!view.visible) void this.commitPending();
      }),
      view.onDidDispose(() => {
        void this.commitPending();
        if (this.view === view) this.view = undefined;
      }),
    ])
      this.register(d);
  }

  /** Sends the deletes the UI was holding for Undo; a memory already gone counts as done. */
  async commitPending(): Promise<void> {
    const refs = this.pending;
    this.pending = [];
    for (const ref of refs) {
      try {
        await this.deps.client.delete(ref);
        this.emit({ type: 'memoryChanged', id: ref.id, space: ref.space, change: 'deleted' });
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'not_found') this.log.warn('a pending delete failed', { error: e });
      }
    }
  }

  private async onMessage(raw: unknown): Promise<void> {
    const outcome = await routeMessage(raw, { ...this.deps, emit: this.emit, holdDeletes: (refs) => (this.pending = refs) });
    switch (outcome.kind) {
      case 'ready': {
        const replay = [...this.initialEvents(), ...this.queued];
        this.queued = [];
        for (const event of replay) this.send({ kind: 'event', event });
        return;
      }
      case 'response':
        // The user saw this error in the view; the output channel keeps it for a bug report.
        if (!outcome.message.ok) this.log.warn('a sidebar request failed', { code: outcome.message.error.code, message: outcome.message.error.message });
        this.send(outcome.message);
        return;
      case 'ignored':
        this.log.warn('ignored a malformed webview message', { reason: outcome.reason });
        return;
    }
  }

  /** Sends an event now if the view is showing, else keeps it for the next `ready`. */
  post(event: HostEvent, keepIfHidden = false): void {
    if (this.view?.visible) this.send({ kind: 'event', event });
    else if (keepIfHidden) this.queued.push(event);
  }

  private send(message: HostToUi): void {
    void this.view?.webview.postMessage(message);
  }

  /** Reveals the view (which loads the UI if needed). */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
  }
}
