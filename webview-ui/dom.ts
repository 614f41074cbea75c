/**
 * Tiny DOM builder. Children are appended as text nodes or elements; there is deliberately no
 * way to pass HTML, so memory text can only ever become text.
 */

export type Child = Node | string | undefined | null | false;

export type Attrs = Record<string, string | undefined>;

export function el(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, v);
  append(node, children);
  return node;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** A codicon glyph; decorative, so hidden from assistive technology. */
export function icon(name: string, slot?: string): HTMLElement {
  return el('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true', ...(slot ? { slot } : {}) });
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function on<K extends keyof HTMLElementEventMap>(
  node: HTMLElement | Document | Window,
  type: K,
  listener: (e: HTMLElementEventMap[K]) => void,
): () => void {
  node.addEventListener(type, listener as EventListener);
  return () => node.removeEventListener(type, listener as EventListener);
}
