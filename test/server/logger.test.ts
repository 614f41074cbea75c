import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, redact, setLogSink } from '../../src/util/logger.js';

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  delete process.env.KAIROS_LOG_LEVEL;
});

function capture(): string[] {
  const lines: string[] = [];
  const prev = setLogSink((l) => lines.push(l));
  restore = () => setLogSink(prev);
  return lines;
}

describe('logger', () => {
  it('redacts secrets in messages, values and secret-named keys', () => {
    const lines = capture();
    createLogger('test').info('calling with Bearer abc.def-123 and kairos_sk_live_0123456789', {
      apiKey: 'plain-value',
      nested: { Authorization: 'whatever', note: 'key sk-proj-ABCDEFGH12345678 leaked', cookie: 'kairos_session=zzz' },
      url: 'http://127.0.0.1:7377/?token=one-time-secret&x=1',
      list: ['password', { password: 'hunter2' }],
    });
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    for (const secret of ['abc.def-123', 'kairos_sk_live', 'plain-value', 'whatever', 'sk-proj-ABCDEFGH', 'zzz', 'one-time-secret', 'hunter2']) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('[test]');
    expect(line).toContain('x=1');
  });

  it('redacts the user and password of a URL but keeps its host', () => {
    expect(redact({ endpoint: 'https://user:pa55@gateway.internal:8443/v1', note: 'failed at http://k:s@10.0.0.1/x' })).toEqual({
      endpoint: 'https://[redacted]@gateway.internal:8443/v1',
      note: 'failed at http://[redacted]@10.0.0.1/x',
    });
  });

  it('drops records below KAIROS_LOG_LEVEL', () => {
    const lines = capture();
    process.env.KAIROS_LOG_LEVEL = 'warn';
    const log = createLogger('lvl');
    log.info('hidden');
    log.warn('shown');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('shown');
  });

  it('keeps error names and messages but not stacks', () => {
    const out = redact({ error: new Error('failed with Bearer tok123') }) as { error: Record<string, unknown> };
    expect(out.error).toEqual({ name: 'Error', message: 'failed with Bearer [redacted]' });
  });
});
