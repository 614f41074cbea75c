import { describe, expect, it } from 'vitest';
import { keyCommand, type KeyContext, type KeyPress } from '../../webview-ui/keys.js';

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });
const ctx = (over: Partial<KeyContext> = {}): KeyContext => ({ inSearch: false, inTextInput: false, inList: false, view: 'list', canUndo: false, ...over });

describe('keyboard map', () => {
  it('focuses search with / outside inputs and with Ctrl+F or Cmd+F anywhere', () => {
    expect(keyCommand(press('/'), ctx())).toBe('focusSearch');
    expect(keyCommand(press('/'), ctx({ inTextInput: true }))).toBeUndefined();
    expect(keyCommand(press('f', { ctrlKey: true }), ctx({ inTextInput: true }))).toBe('focusSearch');
    expect(keyCommand(press('F', { metaKey: true }), ctx({ view: 'detail' }))).toBe('focusSearch');
  });

  it('moves from the search field into the list and through it with the arrows', () => {
    expect(keyCommand(press('ArrowDown'), ctx({ inSearch: true }))).toBe('next');
    expect(keyCommand(press('ArrowDown'), ctx({ inList: true }))).toBe('next');
    expect(keyCommand(press('ArrowUp'), ctx({ inList: true }))).toBe('previous');
    expect(keyCommand(press('Home'), ctx({ inList: true }))).toBe('first');
    expect(keyCommand(press('ArrowDown'), ctx())).toBeUndefined();
  });

  it('opens with Enter, goes back with Esc and asks to delete with Delete', () => {
    expect(keyCommand(press('Enter'), ctx({ inList: true }))).toBe('open');
    expect(keyCommand(press('Escape'), ctx({ view: 'detail' }))).toBe('back');
    expect(keyCommand(press('Escape'), ctx({ inSearch: true }))).toBe('clearSearch');
    expect(keyCommand(press('Delete'), ctx({ inList: true }))).toBe('delete');
    expect(keyCommand(press('Delete'), ctx({ view: 'detail' }))).toBe('delete');
    expect(keyCommand(press('Delete'), ctx({ inTextInput: true, view: 'detail' }))).toBeUndefined();
  });

  it('saves with Ctrl+Enter in a text input and undoes a delete with Ctrl+Z outside inputs', () => {
    expect(keyCommand(press('Enter', { ctrlKey: true }), ctx({ inTextInput: true }))).toBe('save');
    expect(keyCommand(press('z', { ctrlKey: true }), ctx({ canUndo: true }))).toBe('undo');
    expect(keyCommand(press('z', { ctrlKey: true }), ctx({ canUndo: true, inTextInput: true }))).toBeUndefined();
    expect(keyCommand(press('z', { ctrlKey: true }), ctx())).toBeUndefined();
  });

  it('starts editing the open memory with E or F2, but not from the list or while typing', () => {
    expect(keyCommand(press('e'), ctx({ view: 'detail' }))).toBe('edit');
    expect(keyCommand(press('F2'), ctx({ view: 'detail' }))).toBe('edit');
    expect(keyCommand(press('e'), ctx({ view: 'list', inList: true }))).toBeUndefined();
    expect(keyCommand(press('e'), ctx({ view: 'detail', inTextInput: true }))).toBeUndefined();
  });

  it('leaves typing in inputs alone', () => {
    expect(keyCommand(press('a'), ctx({ inSearch: true }))).toBeUndefined();
    expect(keyCommand(press('Enter'), ctx({ inTextInput: true }))).toBeUndefined();
    expect(keyCommand(press('Escape'), ctx({ inTextInput: true }))).toBe('back');
  });
});
