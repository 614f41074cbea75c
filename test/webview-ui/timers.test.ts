import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Debouncer, DelayedActions } from '../../webview-ui/timers.js';

describe('timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs only the last debounced call, once typing pauses', () => {
    const seen: string[] = [];
    const d = new Debouncer<string>(200, (v) => seen.push(v));
    d.call('a');
    vi.advanceTimersByTime(150);
    d.call('ab');
    vi.advanceTimersByTime(150);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(60);
    expect(seen).toEqual(['ab']);
  });

  it('runs a pending debounced call at once on flush and never twice', () => {
    const seen: string[] = [];
    const d = new Debouncer<string>(200, (v) => seen.push(v));
    d.call('x');
    d.flush();
    vi.advanceTimersByTime(500);
    expect(seen).toEqual(['x']);
  });

  it('sends a delayed action only after the undo window, and never when cancelled', () => {
    const sent: string[] = [];
    const a = new DelayedActions(5000);
    a.schedule('m1', () => sent.push('m1'));
    a.schedule('m2', () => sent.push('m2'));
    vi.advanceTimersByTime(4999);
    expect(sent).toEqual([]);
    expect(a.cancel('m2')).toBe(true);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['m1']);
    expect(a.cancel('m1')).toBe(false);
    expect(a.size).toBe(0);
  });
});
