/**
 * The checkouts open in this window and where a file sits in one: repo id, repo-relative path,
 * branch and HEAD commit. Git facts come from VS Code's built-in git extension (its API v1, of
 * which only the slice below is used); a workspace folder outside git still gets a repo id from
 * its folder name. The path and id rules are pure (checkoutPaths.ts).
 */
import * as vscode from 'vscode';
import type { CheckoutFile } from './capture.js';
import { checkoutRepoId, repoRelative, type GitRemote } from './checkoutPaths.js';
import { Disposable } from './disposable.js';
import type { ExtensionLogger } from './log.js';

/** The part of the git extension's API (extensions/git/src/api/git.d.ts) this module reads. */
export interface GitRepository {
  readonly rootUri: vscode.Uri;
  readonly state: {
    readonly HEAD: { readonly name?: string; readonly commit?: string } | undefined;
    readonly remotes: readonly GitRemote[];
    readonly onDidChange: vscode.Event<void>;
  };
}

interface GitApi {
  readonly repositories: GitRepository[];
  getRepository(uri: vscode.Uri): GitRepository | null;
  readonly onDidOpenRepository: vscode.Event<GitRepository>;
  readonly onDidCloseRepository: vscode.Event<GitRepository>;
}

/** One checkout: a git repository, or a workspace folder that is not in one. */
export interface Checkout {
  /** File-system path of its root. */
  root: string;
  repo: string;
  branch?: string;
  commit?: string;
}

export class Checkouts extends Disposable {
  private git: GitApi | undefined;
  private readonly heads = new Map<string, string | undefined>();
  private readonly headChanged = this.register(new vscode.EventEmitter<Checkout>());
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** The HEAD of a repository moved (commit, checkout, pull, rebase). */
  readonly onDidChangeHead = this.headChanged.event;
  /** Repositories opened or closed, or a remote changed: the window's repo may differ. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: ExtensionLogger) {
    super();
  }

  /** Connects to the git extension (activating it); without it, workspace folders still work. */
  async start(): Promise<void> {
    try {
      const ext = vscode.extensions.getExtension<{ getAPI(v: 1): GitApi }>('vscode.git');
      if (!ext) return;
      const api = (ext.isActive ? ext.exports : await ext.activate()).getAPI(1);
      this.git = api;
      for (const r of api.repositories) this.watch(r);
      this.register(
        api.onDidOpenRepository((r) => {
          this.watch(r);
          this.changed.fire();
        }),
      );
      this.register(api.onDidCloseRepository(() => this.changed.fire()));
      this.changed.fire();
    } catch (e) {
      this.log.warn('the git extension is not available; repo ids come from folder names', { error: e });
    }
  }

  private watch(r: GitRepository): void {
    const root = r.rootUri.fsPath;
    this.heads.set(root, r.state.HEAD?.commit);
    // onDidChange fires on every status refresh (each save): only a new HEAD commit counts.
    this.register(
      r.state.onDidChange(() => {
        const commit = r.state.HEAD?.commit;
        if (this.heads.get(root) === commit) return;
        this.heads.set(root, commit);
        this.headChanged.fire(this.fromRepository(r));
        this.changed.fire();
      }),
    );
  }

  private fromRepository(r: GitRepository): Checkout {
    const head = r.state.HEAD;
    return {
      root: r.rootUri.fsPath,
      repo: checkoutRepoId(r.state.remotes, r.rootUri.fsPath),
      ...(head?.name ? { branch: head.name } : {}),
      ...(head?.commit ? { commit: head.commit } : {}),
    };
  }

  /** The checkout holding a file: its git repository, else its workspace folder. */
  checkoutOf(uri: vscode.Uri): Checkout | undefined {
    if (uri.scheme !== 'file') return undefined;
    const r = this.git?.getRepository(uri);
    if (r) return this.fromRepository(r);
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    return folder && folder.uri.scheme === 'file' ? { root: folder.uri.fsPath, repo: checkoutRepoId([], folder.uri.fsPath) } : undefined;
  }

  /** Where a file sits in its checkout, for capture, "For this file" and the re-check on save. */
  fileOf(uri: vscode.Uri): (CheckoutFile & { root: string }) | undefined {
    const c = this.checkoutOf(uri);
    const path = c && repoRelative(c.root, uri.fsPath);
    return c && path ? { ...c, path } : undefined;
  }

  /** Every checkout open in this window: its git repositories and the folders outside them. */
  all(): Checkout[] {
    const out = new Map<string, Checkout>();
    for (const r of this.git?.repositories ?? []) out.set(r.rootUri.fsPath, this.fromRepository(r));
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const c = this.checkoutOf(f.uri);
      if (c && !out.has(c.root)) out.set(c.root, c);
    }
    return [...out.values()];
  }

  /** The checkout a repo id names in this window, if one is open. */
  byRepo(repo: string): Checkout | undefined {
    return this.all().find((c) => c.repo === repo);
  }

  /** The repo the MCP server definition names by default: the first workspace folder's. */
  windowRepo(): string | undefined {
    const first = vscode.workspace.workspaceFolders?.[0];
    return first ? this.checkoutOf(first.uri)?.repo : undefined;
  }
}
