/** remember, search, list, get, forget. */
import type { Command } from 'commander';
import type { MemorySource } from '../../core/memory.js';
import { formatList, formatMemory, formatRemember, formatSearch, printJson, writeOut } from '../output.js';
import { collect, examples, positiveInt, spaceName, spaceNames, withBackend } from './shared.js';

interface JsonOpt {
  json?: boolean;
}

export function registerMemoryCommands(program: Command): void {
  program
    .command('remember')
    .description('Store a memory (exact duplicates are detected; near-identical text updates the old memory)')
    .argument('<text...>', 'the text to remember')
    .option('-t, --tag <tag>', 'tag the memory (repeatable)', collect, [])
    .option('--space <space>', 'space to write to (default: personal)', spaceName)
    .option('--supersedes <id>', 'id of a memory this one replaces (its text is kept as history)')
    .option('--source-uri <uri>', 'file or URL the memory is about')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('kairos remember "Run tests with npm test -- --run" --tag testing', 'kairos remember "We deploy on Fridays" --supersedes 3f2a…'))
    .action(async (words: string[], o: JsonOpt & { tag: string[]; space?: string; supersedes?: string; sourceUri?: string }) => {
      const source: MemorySource = { kind: 'cli', ...(o.sourceUri ? { uri: o.sourceUri } : {}) };
      const result = await withBackend((b) =>
        b.remember({
          text: words.join(' '),
          tags: o.tag,
          source,
          ...(o.space ? { space: o.space } : {}),
          ...(o.supersedes ? { supersedes: o.supersedes } : {}),
        }),
      );
      if (o.json) printJson(result);
      else writeOut(formatRemember(result));
    });

  program
    .command('search')
    .description('Search memories by meaning and keywords')
    .argument('<query...>', 'what to look for')
    .option('-n, --limit <n>', 'results per page (1-100)', positiveInt)
    .option('-t, --tag <tag>', 'only memories with this tag (repeatable)', collect, [])
    .option('--space <space>', 'space to search (repeatable; default: personal)', spaceNames, [])
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--json', 'print the page as JSON')
    .addHelpText('after', examples('kairos search how do we run tests', 'kairos search deploy --tag ops --limit 5 --json'))
    .action(async (words: string[], o: JsonOpt & { limit?: number; tag: string[]; space: string[]; cursor?: string }) => {
      const page = await withBackend((b) =>
        b.search({
          query: words.join(' '),
          ...(o.limit ? { limit: o.limit } : {}),
          ...(o.tag.length ? { filter: { tags: o.tag } } : {}),
          ...(o.space.length ? { spaces: o.space } : {}),
          ...(o.cursor ? { cursor: o.cursor } : {}),
        }),
      );
      if (o.json) printJson(page);
      else writeOut(formatSearch(page));
    });

  program
    .command('list')
    .description('List memories, newest first')
    .option('-n, --limit <n>', 'memories per page (1-100)', positiveInt)
    .option('-t, --tag <tag>', 'only memories with this tag (repeatable)', collect, [])
    .option('--space <space>', 'space to list (default: personal)', spaceName)
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--json', 'print the page as JSON')
    .addHelpText('after', examples('kairos list', 'kairos list --tag testing --limit 50 --json'))
    .action(async (o: JsonOpt & { limit?: number; tag: string[]; space?: string; cursor?: string }) => {
      const page = await withBackend((b) =>
        b.list({
          ...(o.limit ? { limit: o.limit } : {}),
          ...(o.tag.length ? { filter: { tags: o.tag } } : {}),
          ...(o.space ? { space: o.space } : {}),
          ...(o.cursor ? { cursor: o.cursor } : {}),
        }),
      );
      if (o.json) printJson(page);
      else writeOut(formatList(page));
    });

  program
    .command('get')
    .description('Show one memory with its history')
    .argument('<id>', 'memory id')
    .option('--space <space>', 'space the memory is in (default: any of yours)', spaceName)
    .option('--json', 'print the memory as JSON')
    .addHelpText('after', examples('kairos get 3f2a9c1e-…', 'kairos get 3f2a9c1e-… --json'))
    .action(async (id: string, o: JsonOpt & { space?: string }) => {
      const memory = await withBackend((b) => b.get(id, o.space));
      if (o.json) printJson(memory);
      else writeOut(formatMemory(memory));
    });

  program
    .command('forget')
    .description('Delete a memory and its history')
    .argument('<id>', 'memory id')
    .option('--space <space>', 'space the memory is in (default: any of yours)', spaceName)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('kairos forget 3f2a9c1e-…'))
    .action(async (id: string, o: JsonOpt & { space?: string }) => {
      const result = await withBackend((b) => b.forget(id, o.space));
      if (o.json) printJson(result);
      else writeOut(`Forgot ${result.id}`);
    });
}
