import { describe, expect, it } from 'vitest';
import { detectFormat, type LineError, parsePortable, splitLines } from '../../src/core/portable.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('portable formats', () => {
  it('splits lines across chunk boundaries, including multi-byte characters and CRLF', async () => {
    const bytes = new TextEncoder().encode('a€b\r\nsecond\nthird');
    const chunks = [bytes.slice(0, 2), bytes.slice(2, 4), bytes.slice(4)];
    expect(
      await collect(
        splitLines(
          (async function* () {
            yield* chunks;
          })(),
        ),
      ),
    ).toEqual(['a€b', 'second', 'third']);
  });

  it('turns memory.json entities and relations into tagged import items', async () => {
    const lines = [
      JSON.stringify({ type: 'entity', name: 'Ada', entityType: 'Person', observations: ['likes tea'] }),
      '',
      JSON.stringify({ type: 'relation', from: 'Ada', to: 'Bob', relationType: 'mentors' }),
    ];
    expect(detectFormat(lines[0]!)).toBe('mcp-memory');
    const items = await collect(
      parsePortable(lines, {
        onLineError: (e) => {
          throw e;
        },
      }),
    );
    expect(items).toEqual([
      { text: 'Ada: likes tea', tags: ['person', 'entity:Ada'], source: { kind: 'import', client: 'mcp-memory' }, line: 1 },
      { text: 'Ada mentors Bob', tags: ['relation'], source: { kind: 'import', client: 'mcp-memory' }, line: 3 },
    ]);
  });

  it('keeps ids, timestamps and history from a Kairos export and reports bad lines by number', async () => {
    const errors: LineError[] = [];
    const record = {
      id: 'm1',
      space: 'kairos_user_x',
      text: 'now',
      tags: ['a'],
      source: { kind: 'cli' },
      contentHash: 'h',
      version: 2,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-02T00:00:00.000Z',
      history: [{ version: 1, text: 'before', tags: [], source: { kind: 'cli' }, replacedAt: '2026-01-02T00:00:00.000Z', reason: 'update' }],
    };
    const items = await collect(parsePortable([JSON.stringify(record), '{oops', '{"text": 3}'], { format: 'jsonl', onLineError: (e) => errors.push(e) }));
    expect(items).toEqual([
      {
        id: 'm1',
        text: 'now',
        tags: ['a'],
        source: { kind: 'cli' },
        createdAt: record.createdAt,
        updatedAt: record.updatedAt,
        history: record.history,
        line: 1,
      },
    ]);
    expect(errors.map((e) => e.line)).toEqual([2, 3]);
    expect(errors[0]!.message).toBe('Line 2: not valid JSON.');
  });
});

describe('portable formats refuse what cannot be stored exactly', () => {
  it('fails a line carrying NUL, a lone surrogate, a bad timestamp or an oversized version, naming its line', async () => {
    const errors: LineError[] = [];
    const h = (version: number) => [{ version, text: 'old', tags: [], source: { kind: 'cli' }, replacedAt: '2026-01-01T00:00:00Z', reason: 'update' }];
    const lines = [
      JSON.stringify({ text: 'ok' }),
      JSON.stringify({ text: 'nul\u0000' }),
      JSON.stringify({ text: 'x', tags: ['\udc00'] }),
      JSON.stringify({ text: 'x', updatedAt: 'not a date' }),
      JSON.stringify({ text: 'x', history: h(2147483647) }),
      '['.repeat(5000) + ']'.repeat(5000),
    ];
    const items = await collect(parsePortable(lines, { format: 'jsonl', onLineError: (e) => errors.push(e) }));
    expect(items.map((i) => i.line)).toEqual([1]);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6]);
    expect(errors[0]!.message).toContain('"text"');
    expect(errors[1]!.message).toContain('"tags[0]"');
  });
});
