/**
 * The one module that knows about @vscode/webview-ui-toolkit (deprecated upstream). Views
 * create controls through these functions only, so the toolkit can be swapped out here.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
  vsCodeTextArea,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import { el, icon } from './dom.js';

let registered = false;

/** Defines the custom elements once per page. */
export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeBadge(),
    vsCodeButton(),
    vsCodeDivider(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeProgressRing(),
    vsCodeTextArea(),
    vsCodeTextField(),
  );
}

/** Anything with a `value`, as toolkit inputs are. */
type Valued = HTMLElement & { value: string };

export function valueOf(control: HTMLElement): string {
  return (control as Valued).value ?? '';
}

export function setValue(control: HTMLElement, value: string): void {
  (control as Valued).value = value;
}

export interface ButtonOptions {
  label: string;
  /** Codicon name: icon-only buttons show it alone and keep `label` as their accessible name. */
  icon?: string;
  appearance?: 'primary' | 'secondary' | 'icon';
  id?: string;
  onClick: (e: MouseEvent) => void;
}

export function button(o: ButtonOptions): HTMLElement {
  const appearance = o.appearance ?? (o.icon && !o.label ? 'icon' : 'primary');
  const b = el('vscode-button', { appearance, 'aria-label': o.label, title: o.label, ...(o.id ? { id: o.id } : {}) });
  if (appearance === 'icon') b.append(icon(o.icon ?? 'circle'));
  else {
    if (o.icon) b.append(icon(o.icon, 'start'));
    b.append(o.label);
  }
  b.addEventListener('click', o.onClick);
  return b;
}

export function iconButton(label: string, codicon: string, onClick: (e: MouseEvent) => void, id?: string): HTMLElement {
  return button({ label, icon: codicon, appearance: 'icon', onClick, ...(id ? { id } : {}) });
}

export interface FieldOptions {
  label: string;
  placeholder?: string;
  value?: string;
  id?: string;
  /** Codicon shown at the start of the field. */
  icon?: string;
  maxLength?: number;
}

/**
 * The toolkit's text controls overwrite `aria-label` with their text content (or "Text field")
 * when connected, and label their inner input with it and with their default slot. So the name
 * goes in as hidden text content: it reaches the inner input both ways (the slot's visible
 * label is hidden by base.css; the placeholder and the icon show what the field is for).
 */
function named(control: HTMLElement, label: string): void {
  control.append(el('span', { class: 'visually-hidden' }, label));
}

export function textField(o: FieldOptions): HTMLElement {
  const f = el('vscode-text-field', {
    'aria-label': o.label,
    placeholder: o.placeholder ?? o.label,
    ...(o.id ? { id: o.id } : {}),
    ...(o.maxLength ? { maxlength: String(o.maxLength) } : {}),
  });
  if (o.icon) f.append(icon(o.icon, 'start'));
  named(f, o.label);
  if (o.value) setValue(f, o.value);
  return f;
}

export function textArea(o: FieldOptions & { rows?: number }): HTMLElement {
  const a = el('vscode-text-area', {
    'aria-label': o.label,
    placeholder: o.placeholder ?? o.label,
    rows: String(o.rows ?? 4),
    resize: 'vertical',
    ...(o.id ? { id: o.id } : {}),
    ...(o.maxLength ? { maxlength: String(o.maxLength) } : {}),
  });
  named(a, o.label);
  if (o.value) setValue(a, o.value);
  return a;
}

export interface DropdownOption {
  value: string;
  label: string;
}

export function dropdown(label: string, options: DropdownOption[], selected: string | undefined, onChange: (value: string) => void): HTMLElement {
  const d = el('vscode-dropdown', { 'aria-label': label, title: label });
  for (const o of options) {
    const opt = el('vscode-option', { value: o.value }, o.label);
    if (o.value === selected) opt.setAttribute('selected', '');
    d.append(opt);
  }
  d.addEventListener('change', () => onChange(valueOf(d)));
  return d;
}

export function badge(text: string, label?: string): HTMLElement {
  return el('vscode-badge', label ? { 'aria-label': label } : {}, text);
}

export function progressRing(label: string): HTMLElement {
  return el('vscode-progress-ring', { 'aria-label': label });
}

export function divider(): HTMLElement {
  return el('vscode-divider', { role: 'presentation' });
}
