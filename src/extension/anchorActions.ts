/**
 * The sidebar's actions on an anchored memory that need the code: "Show change" (a diff of the
 * anchored lines as captured and the same place now, as two read-only virtual documents),
 * "Re-anchor to current code" and "Still true" (both record the checkout's HEAD commit).
 */
import * as vscode from 'vscode';
import type { CodeAnchor } from '../core/code.js';
import type { Memory } from '../core/memory.js';
import type { GetParams } from '../protocol/schemas.js';
import { selectionAnchor } from './capture.js';
import type { Checkouts } from './checkouts.js';
import type { KairosClient } from './client.js';
import { Disposable } from './disposable.js';

export const ANCHOR_SCHEME = 'kairos-anchor';

export interface AnchorActions {
  verify(ref: GetParams): Promise<Memory>;
  reanchor(ref: GetParams): Promise<Memory>;
  showChange(ref: GetParams): Promise<{ opened: boolean }>;
}

/** The lines at an anchor's place now, as many as it had (the file's end cuts them). */
export function linesNow(text: string, anchor: Pick<CodeAnchor, 'startLine' | 'endLine'>): string[] {
  return text.split(/\r?\n/).slice(anchor.startLine - 1, anchor.endLine);
}

class AnchorError extends Error {
  readonly code = 'invalid_input';
}

export function createAnchorActions(client: KairosClient, checkouts: Checkouts): AnchorActions & vscode.Disposable {
  // Contents of the virtual "then"/"now" documents, by URI; replaced on each Show change.
  const docs = new Map<string, string>();
  const owner = new Disposable();
  const changed = owner.register(new vscode.EventEmitter<vscode.Uri>());
  owner.register(
    vscode.workspace.registerTextDocumentContentProvider(ANCHOR_SCHEME, {
      onDidChange: changed.event,
      provideTextDocumentContent: (uri) => docs.get(uri.toString()) ?? '',
    }),
  );

  const anchored = async (ref: GetParams): Promise<{ memory: Memory; anchor: CodeAnchor; root: vscode.Uri | undefined; commit: string | undefined }> => {
    const memory = await client.get(ref);
    const anchor = memory.source.anchor;
    if (!anchor) throw new AnchorError('This memory is not anchored to code.');
    const checkout = anchor.repo ? checkouts.byRepo(anchor.repo) : undefined;
    return { memory, anchor, root: checkout && vscode.Uri.file(checkout.root), commit: checkout?.commit };
  };

  /** The file's text as the editor has it (unsaved edits included), or undefined when it is gone. */
  const current = async (file: vscode.Uri): Promise<string | undefined> => {
    try {
      return (await vscode.workspace.openTextDocument(file)).getText();
    } catch {
      return undefined;
    }
  };

  const needCheckout = (anchor: CodeAnchor): never => {
    throw new AnchorError(`Open the repository ${anchor.repo ?? ''} in this window to use its code.`.replace('  ', ' '));
  };

  return {
    async verify(ref) {
      const { memory, root, commit } = await anchored(ref);
      return client.verify({ id: memory.id, space: memory.space, ...(root && commit ? { commit } : {}) });
    },

    async reanchor(ref) {
      const { memory, anchor, root, commit } = await anchored(ref);
      if (!root) return needCheckout(anchor);
      const file = vscode.Uri.joinPath(root, ...anchor.path.split('/'));
      // A selection in that file says which lines; otherwise the anchor's place as it is now.
      const editor = vscode.window.activeTextEditor;
      let to: { startLine: number; endLine: number; lines: string[] } | undefined;
      if (editor && editor.document.uri.fsPath === file.fsPath && !editor.selection.isEmpty) {
        const s = editor.selection;
        to = selectionAnchor(editor.document.getText().split(/\r?\n/), { startLine: s.start.line, endLine: s.end.line, endCharacter: s.end.character });
      } else {
        const text = await current(file);
        if (text === undefined) throw new AnchorError(`${anchor.path} is gone. Open the code this memory is about, select it and choose Re-anchor again.`);
        const lines = linesNow(text, anchor);
        to = selectionAnchor(lines, { startLine: 0, endLine: Math.max(lines.length - 1, 0), endCharacter: 1 });
        if (to) to = { ...to, startLine: anchor.startLine, endLine: anchor.startLine + to.lines.length - 1 };
      }
      if (!to) throw new AnchorError('There is no code at the anchored place any more. Select the code this memory is about and choose Re-anchor again.');
      return client.reanchor({
        id: memory.id,
        space: memory.space,
        to: { path: anchor.path, ...to, ...(commit ? { commit } : {}), ...(anchor.repo ? { repo: anchor.repo } : {}) },
      });
    },

    async showChange(ref) {
      const { memory, anchor, root } = await anchored(ref);
      if (!root) return needCheckout(anchor);
      const text = await current(vscode.Uri.joinPath(root, ...anchor.path.split('/')));
      const name = anchor.path.split('/').pop() ?? anchor.path;
      const then = vscode.Uri.from({ scheme: ANCHOR_SCHEME, path: `/${memory.id}/then/${name}` });
      const now = vscode.Uri.from({ scheme: ANCHOR_SCHEME, path: `/${memory.id}/now/${name}` });
      docs.set(then.toString(), `${anchor.lines.join('\n')}\n`);
      docs.set(now.toString(), text === undefined ? '' : `${linesNow(text, anchor).join('\n')}\n`);
      changed.fire(then);
      changed.fire(now);
      const at = anchor.startLine === anchor.endLine ? `${anchor.startLine}` : `${anchor.startLine}–${anchor.endLine}`;
      const title = text === undefined ? `${anchor.path}:${at} (captured ↔ file deleted)` : `${anchor.path}:${at} (captured ↔ now)`;
      await vscode.commands.executeCommand('vscode.diff', then, now, title, { preview: true });
      return { opened: true };
    },

    dispose: () => owner.dispose(),
  };
}
