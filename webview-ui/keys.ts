/** Keyboard map: a pure function from a key press and where focus is to a UI command. */

export type KeyCommand = 'focusSearch' | 'next' | 'previous' | 'first' | 'last' | 'open' | 'back' | 'clearSearch' | 'delete' | 'undo' | 'save' | 'edit';

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export interface KeyContext {
  /** Focus is in the search field. */
  inSearch: boolean;
  /** Focus is in some other text input (capture box, editor, tag field). */
  inTextInput: boolean;
  /** Focus is on a result row. */
  inList: boolean;
  view: 'list' | 'detail';
  /** Something can be undone (a delete waiting out its undo window). */
  canUndo: boolean;
}

export function keyCommand(press: KeyPress, ctx: KeyContext): KeyCommand | undefined {
  const mod = press.ctrlKey || press.metaKey;
  if (mod && !press.altKey && press.key.toLowerCase() === 'f') return 'focusSearch';
  if (mod && press.key === 'Enter' && ctx.inTextInput) return 'save';
  if (mod && !press.shiftKey && press.key.toLowerCase() === 'z' && ctx.canUndo && !ctx.inTextInput && !ctx.inSearch) return 'undo';
  if (mod || press.altKey) return undefined;

  if (ctx.inSearch) {
    if (press.key === 'ArrowDown') return 'next';
    if (press.key === 'Enter') return 'open';
    if (press.key === 'Escape') return 'clearSearch';
    return undefined;
  }
  if (ctx.inTextInput) return press.key === 'Escape' ? 'back' : undefined;

  switch (press.key) {
    case '/':
      return 'focusSearch';
    case 'Escape':
      return 'back';
    case 'Delete':
      return ctx.inList || ctx.view === 'detail' ? 'delete' : undefined;
    case 'F2':
    case 'e':
      return ctx.view === 'detail' ? 'edit' : undefined;
  }
  if (!ctx.inList) return undefined;
  switch (press.key) {
    case 'ArrowDown':
      return 'next';
    case 'ArrowUp':
      return 'previous';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    case 'Enter':
      return 'open';
    default:
      return undefined;
  }
}
