import { describe, expect, it } from 'vitest';
import { duplicateKey } from '../../src/core/memory.js';
import { contentHash } from '../../src/core/contentHash.js';

describe('the duplicate rule', () => {
  it('ignores case, spacing and sentence punctuation', () => {
    const same = ['We deploy on Fridays.', '  we deploy on fridays ', 'We deploy on Fridays!', '"We deploy on Fridays."', 'We  deploy\non Fridays…'];
    for (const t of same) expect(contentHash(t), t).toBe(contentHash(same[0]!));
  });

  it('keeps every value that tells two facts apart', () => {
    const pairs: Array<[string, string]> = [
      ['Use port 8080.', 'Use port 8081.'],
      ['Version 1.2.3 is current', 'Version 12.3 is current'],
      ['The meeting is at 10:30', 'The meeting is at 1030'],
      ['Set the offset to -5', 'Set the offset to 5'],
      ['Write it in C#', 'Write it in C'],
      ['Use C++ here', 'Use C here'],
      ['Costs $5', 'Costs 5'],
      ['Config lives in src/config.ts', 'Config lives in src/config/ts'],
      ['Owner: alice', 'Owner: bob'],
      ['Released 2024-03-01', 'Released 2024-03-02'],
      ['Shard 436 is owned by infra', 'Shard 437 is owned by infra'],
      ['The id is 3f2a-99', 'The id is 3f2a99'],
    ];
    for (const [a, b] of pairs) expect(duplicateKey(a), `${a} / ${b}`).not.toBe(duplicateKey(b));
  });
});
