import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { errorResponse } from '../../src/server/errors.js';
import { urlProblem } from '../../src/server/inputGuard.js';
import { setLogSink, type LogSink } from '../../src/util/logger.js';

describe('the HTTP error edge', () => {
  let prev: LogSink | undefined;
  afterEach(() => {
    if (prev) setLogSink(prev);
  });

  it('answers an unexpected error with 500, a request id and no stack, and logs it once under that id', async () => {
    const lines: string[] = [];
    prev = setLogSink((l) => lines.push(l));
    const app = new Hono();
    app.onError((e, c) => errorResponse(c, e));
    app.get('/boom', () => {
      throw new Error('secret internals at /srv/x.ts:12');
    });
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe('internal');
    expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-request-id')).toBe(body.error.requestId);
    expect(JSON.stringify(body)).not.toContain('secret internals');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(body.error.requestId);
  });

  it('names the query parameter or path that carries NUL, a lone surrogate or broken percent-encoding', () => {
    expect(urlProblem('http://h/v1/memories?tag=%00')).toContain('"tag"');
    expect(urlProblem('http://h/v1/memories/%00')).toContain('"path"');
    expect(urlProblem('http://h/v1/memories?q=%ED%A0%80')).toContain('"q"');
    expect(urlProblem('http://h/v1/memories?q=%E0%A4%A')).toContain('"q"');
    expect(urlProblem('http://h/v1/memories?q=%F0%9D%92%B3&tag=%D7%A9')).toBeUndefined();
  });
});
