import { describe, expect, it } from 'vitest';
import { onFirstUse } from '../../src/embeddings/remote.js';

describe('onFirstUse (SDK clients made on the first request)', () => {
  it('makes nothing until called, then one client for every caller', async () => {
    let made = 0;
    const client = onFirstUse(async () => ({ n: ++made }));
    expect(made).toBe(0);
    const [a, b] = await Promise.all([client(), client()]);
    expect(a).toBe(b);
    expect(await client()).toBe(a);
    expect(made).toBe(1);
  });

  it('does not keep a failed load: the next call tries again', async () => {
    let calls = 0;
    const client = onFirstUse(async () => {
      if (++calls === 1) throw new Error('module not found');
      return 'client';
    });
    await expect(client()).rejects.toThrow('module not found');
    expect(await client()).toBe('client');
    expect(calls).toBe(2);
  });
});
