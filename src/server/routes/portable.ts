/** /v1/export, /v1/import and /v1/reembed: bulk data in and out, streamed. */
import { Hono } from 'hono';
import type { ExportRecord, ImportSummary, Progress } from '../../core/memoryService.js';
import { exportLine, parsePortable, splitLines, type LineError } from '../../core/portable.js';
import { rest } from '../../protocol/rest/endpoints.js';
import { ImportFormatSchema, SpaceNameSchema } from '../../protocol/schemas.js';
import type { KairosEnv } from '../context.js';
import { toKairosError } from '../errors.js';
import { route, single, validate } from '../request.js';
import { limitedChunks, ndjsonResponse, tooLarge } from '../streams.js';

async function* exportLines(records: AsyncGenerator<ExportRecord>): AsyncGenerator<string> {
  for await (const r of records) yield exportLine(r);
}

export function portableRoutes(maxImportBytes: number): Hono<KairosEnv> {
  const r = new Hono<KairosEnv>();

  route(r, rest.export, async (c, q) => {
    const space = validate(SpaceNameSchema.optional(), single(q, 'space'));
    const day = new Date().toISOString().slice(0, 10);
    return ndjsonResponse(exportLines(c.var.service.export(space)), {
      'Content-Disposition': `attachment; filename="kairos-export-${day}.jsonl"`,
    });
  });

  route(r, rest.import, async (c, q) => {
    const space = validate(SpaceNameSchema.optional(), single(q, 'space'));
    const format = validate(ImportFormatSchema.optional(), single(q, 'format'));
    // A declared length over the cap is refused before anything is read or written.
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxImportBytes) throw tooLarge(maxImportBytes);

    const lineErrors: LineError[] = [];
    const items = parsePortable(splitLines(limitedChunks(c.req.raw.body, maxImportBytes)), {
      ...(format ? { format } : {}),
      onLineError: (e) => lineErrors.push(e),
    });
    const summary: ImportSummary = await c.var.service.import(items, space ? { space } : {});
    summary.failed += lineErrors.length;
    for (const e of lineErrors) if (summary.errors.length < 100) summary.errors.push({ index: e.line - 1, message: e.message });
    return c.json(summary);
  });

  /**
   * Re-embeds a space with the current embedder, streaming progress as NDJSON:
   * `{"progress":{done,total}}` lines, then `{"result":…}` or `{"error":{code,message}}`.
   */
  route(r, rest.reembed, async (c, q) => {
    const space = validate(SpaceNameSchema.optional(), single(q, 'space'));
    const queue: string[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    const push = (line: string): void => {
      queue.push(line);
      wake?.();
    };
    let started!: () => void;
    const firstProgress = new Promise<void>((res) => (started = res));
    const run = c.var.service.reembed(space, (p: Progress) => {
      started();
      push(JSON.stringify({ progress: p }) + '\n');
    });
    // Errors before the first progress report (unknown space, interrupted run) keep their status.
    await Promise.race([firstProgress, run]);
    void run
      .then(
        (result) => push(JSON.stringify({ result }) + '\n'),
        (e: unknown) => {
          const k = toKairosError(e);
          push(JSON.stringify({ error: { code: k.code, message: k.message } }) + '\n');
        },
      )
      .finally(() => {
        finished = true;
        wake?.();
      });

    async function* lines(): AsyncGenerator<string> {
      for (;;) {
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (finished) return;
        await new Promise<void>((res) => (wake = res));
        wake = undefined;
      }
    }
    return ndjsonResponse(lines(), {});
  });

  return r;
}
