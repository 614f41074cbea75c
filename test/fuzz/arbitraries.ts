/**
 * Hostile inputs for the fuzz suites: strings with NUL, lone surrogates, RTL and zero-width
 * marks, astral characters and 1 MB runs; numbers at and past every integer edge; JSON nested far
 * deeper than any real request. A fixed seed and a bounded count keep `npm test` fast and
 * repeatable; KAIROS_FUZZ_RUNS / KAIROS_FUZZ_SEED run longer or elsewhere.
 */
import fc from 'fast-check';

export const FUZZ = {
  runs: Number(process.env.KAIROS_FUZZ_RUNS ?? 0) || 0,
  seed: Number(process.env.KAIROS_FUZZ_SEED ?? 20261204),
};

/** fast-check parameters: `defaultRuns` unless KAIROS_FUZZ_RUNS asks for more. */
export function fuzzParams(defaultRuns: number): fc.Parameters<unknown> {
  return { numRuns: FUZZ.runs || defaultRuns, seed: FUZZ.seed, endOnFailure: true };
}

const SPECIALS = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\udc00\ud800',
  '\u202e',
  '\u200f',
  '\u200b',
  '\ufeff',
  '\uffff',
  '𝒳',
  '🚀',
  'é',
  '%00',
  '\\u0000',
  '"',
  '\n',
  '\r\n',
  ' ',
];

/** Any UTF-16 code units, lone surrogates included. */
const codeUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((u) => String.fromCharCode(...u));

export const MEGABYTE_STRING = 'x'.repeat(1024 * 1024);

/** A string built from ordinary text, hostile characters and raw code units. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...SPECIALS), fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: 6 })
      .map((p) => p.join('')),
  },
  { weight: 2, arbitrary: codeUnits },
  { weight: 1, arbitrary: fc.constant(MEGABYTE_STRING) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'kairos_user_local', 'kairos_org_x', 'a'.repeat(17_000)) },
);

export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    1,
    2147483646,
    2147483647,
    2147483648,
    -2147483649,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    1e308,
    -1e308,
    5e-324,
    0.5,
    1_000_000,
    10_000_001,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** JSON nested `depth` levels deep (arrays or objects). */
export function deeplyNested(depth: number, kind: 'array' | 'object'): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

/** Any JSON value with hostile strings and numbers at the leaves. */
export const nastyJson: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        nastyString,
        nastyNumber,
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(
          fc.oneof(nastyString, fc.constantFrom('text', 'tags', 'source', 'query', 'filter', 'limit', 'cursor', 'space', 'version', 'kind', 'uri')),
          tie('value'),
          { maxKeys: 4 },
        ),
      ),
    })).value,
  },
  // Deep enough to exceed every limit, shallow enough for a client's JSON.stringify.
  { weight: 1, arbitrary: fc.constantFrom(deeplyNested(1_000, 'array'), deeplyNested(500, 'object')) },
);

/** A plausible-looking memory body with hostile values in its fields. */
export const memoryBody: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    text: fc.oneof(nastyString, fc.string({ minLength: 1, maxLength: 80 })),
    tags: fc.array(fc.oneof(nastyString, fc.string({ maxLength: 10 })), { maxLength: 4 }),
    source: fc.record(
      {
        kind: fc.constantFrom('api', 'editor', 'agent', 'import', 'bogus'),
        uri: nastyString,
        repo: nastyString,
        language: fc.string({ maxLength: 8 }),
        range: fc.record({ startLine: nastyNumber, endLine: nastyNumber }),
      },
      { requiredKeys: ['kind'] },
    ),
    space: fc.constantFrom('kairos_user_local', 'kairos_org_nope', '\u0000'),
  },
  { requiredKeys: ['text'] },
);

/** Raw JSON text nested far deeper than any parser's stack: only sendable as a string. */
export const DEEP_JSON_TEXT = ['['.repeat(200_000) + ']'.repeat(200_000), '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)];

/** Percent-encodes any string, sending a lone surrogate as its WTF-8 bytes (encodeURIComponent refuses it). */
export function percentEncode(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < v.length && (v.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += encodeURIComponent(v.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += '%' + [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => b.toString(16).toUpperCase()).join('%');
    } else out += encodeURIComponent(v[i]!);
  }
  return out;
}
