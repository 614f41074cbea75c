import { describe, expect, it } from 'vitest';
import { Disposable } from '../../src/extension/disposable.js';

/** A subscription that records when it is released. */
const recorder = (log: string[], name: string) => ({ dispose: () => void log.push(name) });

describe('Disposable', () => {
  it('releases what it owns once, in the order it was registered', () => {
    const log: string[] = [];
    const owner = new Disposable();
    const a = recorder(log, 'a');
    expect(owner.register(a)).toBe(a);
    owner.register(recorder(log, 'b'));
    owner.dispose();
    owner.dispose();
    expect(log).toEqual(['a', 'b']);
  });

  it('releases at once what is registered after it was disposed', () => {
    const log: string[] = [];
    const owner = new Disposable();
    owner.dispose();
    owner.register(recorder(log, 'late'));
    expect(log).toEqual(['late']);
  });

  it('owns subclasses the same way: a nested owner releases its own subscriptions', () => {
    const log: string[] = [];
    class Watcher extends Disposable {
      constructor() {
        super();
        this.register(recorder(log, 'watcher.listener'));
      }
    }
    const root = new Disposable();
    root.register(new Watcher());
    root.register(recorder(log, 'root.listener'));
    root.dispose();
    expect(log).toEqual(['watcher.listener', 'root.listener']);
  });
});
