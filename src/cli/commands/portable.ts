/** export, import, reembed. */
import type { Command } from 'commander';
import { createWriteStream, statSync, type Stats, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { CliError, EXIT } from '../exitCodes.js';
import { formatImport, printJson, writeOut } from '../output.js';
import { examples, spaceName, withBackend } from './shared.js';

/** Opens a file for writing, so a missing folder or a denied write fails before anything is exported. */
async function openOut(file: string): Promise<WriteStream> {
  const out = createWriteStream(file, { mode: 0o600 });
  await Promise.race([once(out, 'open'), once(out, 'error').then(([e]) => Promise.reject(e as Error))]);
  return out;
}

async function write(stream: NodeJS.WritableStream, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

export function registerPortableCommands(program: Command): void {
  program
    .command('export')
    .description('Export memories with their history as JSONL (to stdout, or to a file)')
    .argument('[file]', 'file to write (default: stdout)')
    .option('--space <space>', 'space to export (default: personal)', spaceName)
    .option('--json', 'with a file: print a JSON summary')
    .addHelpText('after', examples('kairos export > memories.jsonl', 'kairos export backup.jsonl --json'))
    .action(async (file: string | undefined, o: { space?: string; json?: boolean }) => {
      const out = file ? await openOut(file) : process.stdout;
      let count = 0;
      await withBackend(async (b) => {
        for await (const line of b.export(o.space)) {
          await write(out, line);
          count++;
        }
      });
      if (file) {
        out.end();
        await once(out, 'finish');
        if (o.json) printJson({ exported: count, file });
        else process.stderr.write(`Exported ${count} memories to ${file}\n`);
      }
    });

  program
    .command('import')
    .description('Import a Kairos JSONL export or an MCP memory server memory.json (duplicates are skipped)')
    .argument('<file>', 'file to import')
    .option('--format <format>', 'jsonl or mcp-memory (default: detected from the first line)')
    .option('--space <space>', 'space to import into (default: personal)', spaceName)
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', examples('kairos import backup.jsonl', 'kairos import ~/.mcp/memory.json --format mcp-memory --json'))
    .action(async (file: string, o: { format?: string; space?: string; json?: boolean }) => {
      const { ImportFormatSchema } = await import('../../protocol/schemas.js');
      const format = o.format === undefined ? undefined : ImportFormatSchema.safeParse(o.format).data;
      if (o.format !== undefined && !format) throw new CliError(EXIT.usage, `--format must be jsonl or mcp-memory (got "${o.format}").`);
      let stat: Stats;
      try {
        stat = statSync(file);
      } catch {
        throw new CliError(EXIT.usage, `Cannot read ${file}: no such file.`);
      }
      if (stat.isDirectory()) throw new CliError(EXIT.usage, `${file} is a directory; give the export file inside it.`);
      const size = stat.size;
      const { createProgress } = await import('../progress.js');
      const progress = createProgress('Importing', 'bytes');
      const summary = await withBackend((b) =>
        b.import(file, {
          ...(format ? { format } : {}),
          ...(o.space ? { space: o.space } : {}),
          onBytes: (n) => progress.update(n, size),
        }),
      ).finally(() => progress.stop());
      if (o.json) printJson(summary);
      else writeOut(formatImport(summary));
    });

  program
    .command('reembed')
    .description('Re-embed a space with the current embedder (resumable: run it again after an interruption)')
    .option('--space <space>', 'space to re-embed (default: personal)', spaceName)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('KAIROS_EMBEDDER=openai kairos reembed', 'kairos reembed --space kairos_user_local --json'))
    .action(async (o: { space?: string; json?: boolean }) => {
      const { createProgress } = await import('../progress.js');
      const progress = createProgress('Re-embedding', 'memories');
      const result = await withBackend((b) => b.reembed(o.space, (p) => progress.update(p.done, p.total))).finally(() => progress.stop());
      if (o.json) printJson(result);
      else
        writeOut(
          result.reembedded ? `Re-embedded ${result.reembedded} memories in ${result.space}.` : `${result.space} already uses this embedder; nothing to do.`,
        );
    });
}
