/**
 * Entry point of the memory UI bundle. Picks the bridge for the host the page runs in (the
 * shell marks it on <body>; VS Code also provides acquireVsCodeApi) and starts the app.
 */
import type { Bridge } from '../src/protocol/messages.js';
import { App } from './app.js';
import { createHttpBridge } from './bridges/http.js';
import { createVsCodeBridge, windowChannel, type VsCodeApi } from './bridges/vscode.js';
import { sessionStateStore, vscodeStateStore, type UiStateStore } from './persist.js';

declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

function connect(): { bridge: Bridge; store: UiStateStore } {
  if (document.body.dataset.host !== 'console' && typeof acquireVsCodeApi === 'function') {
    // acquireVsCodeApi may be called once per page: the bridge and the state store share it.
    const api = acquireVsCodeApi();
    return { bridge: createVsCodeBridge(windowChannel(api, window)), store: vscodeStateStore(api) };
  }
  let storage: Storage | undefined;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = undefined;
  }
  return { bridge: createHttpBridge(), store: sessionStateStore(storage) };
}

/**
 * The toolkit re-reads theme variables when <body>'s class changes (VS Code sets it); the
 * console mirrors the OS color scheme into that class so its palette switch reaches the toolkit.
 */
function followColorScheme(): void {
  const dark = window.matchMedia('(prefers-color-scheme: dark)');
  const apply = (): void => {
    document.body.classList.toggle('vscode-dark', dark.matches);
    document.body.classList.toggle('vscode-light', !dark.matches);
  };
  apply();
  dark.addEventListener('change', apply);
}

if (document.body.dataset.host === 'console') followColorScheme();
const root = document.getElementById('app') ?? document.body;
const { bridge, store } = connect();
void new App({ bridge, store, root }).start();
