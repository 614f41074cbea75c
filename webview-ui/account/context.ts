/** What every section gets from the page. */
import type { AccountApi } from './routes.js';

export interface AccountContext {
  api: AccountApi;
  now(): Date;
  /** Leaves the page (sign-out, account deleted). */
  navigate(url: string): void;
  /** Reloads every section (after linking moved this sign-in to another account). */
  reloadAll(): Promise<void>;
}

export interface SectionHandle {
  root: HTMLElement;
  load(): Promise<void>;
}
