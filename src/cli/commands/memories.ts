/** remember, search, list, get, forget. */
import type { Command } from 'commander';
import type { MemorySource } from '../../core/memory.js';
import { CliError, EXIT } from '../exitCodes.js';
import { gitContext, gitRoot } from '../git.js';
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
    .option('--repo <repo>', 'repo the memory is about (remote URL or host/owner/name; default: the git checkout you are in)')
    .option('--no-repo', 'a memory about you rather than this repo: no repo scope')
    .option('-p, --path <path>', 'repo-relative file, directory ("src/server/") or glob ("**/*.sql") it is about (repeatable)', collect, [])
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      examples(
        'kairos remember "Run tests with npm test -- --run" --tag testing',
        'kairos remember "We deploy on Fridays" --supersedes 3f2a…',
        'kairos remember "Migrations must be reversible" --path "db/migrations/"',
      ),
    )
    .action(
      async (
        words: string[],
        o: JsonOpt & { tag: string[]; space?: string; supersedes?: string; sourceUri?: string; repo?: string | false; path: string[] },
      ) => {
        const here = await gitContext();
        const repo = o.repo === false ? undefined : (o.repo ?? here?.repo);
        const source: MemorySource = {
          kind: 'cli',
          actor: 'user',
          ...(o.sourceUri ? { uri: o.sourceUri } : {}),
          ...(here ? { repo: here.repo, ...(here.branch ? { branch: here.branch } : {}), ...(here.commit ? { commit: here.commit } : {}) } : {}),
          ...(repo || o.path.length ? { scope: { ...(repo ? { repo } : {}), ...(o.path.length ? { paths: o.path } : {}) } } : {}),
        };
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
      },
    );

  program
    .command('search')
    .description('Search memories by meaning and keywords')
    .argument('<query...>', 'what to look for')
    .option('-n, --limit <n>', 'results per page (1-100)', positiveInt)
    .option('-t, --tag <tag>', 'only memories with this tag (repeatable)', collect, [])
    .option('--space <space>', 'space to search (repeatable; default: personal)', spaceNames, [])
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--repo <repo>', "rank this repo's memories first (default: the git checkout you are in)")
    .option('--no-repo', 'no repo context')
    .option('--repo-only', "only this repo's memories")
    .option('-p, --path <path>', 'rank memories about this repo-relative file first (repeatable)', collect, [])
    .option('--json', 'print the page as JSON')
    .addHelpText(
      'after',
      examples('kairos search how do we run tests', 'kairos search deploy --tag ops --limit 5 --json', 'kairos search auth --path src/auth.ts --repo-only'),
    )
    .action(
      async (
        words: string[],
        o: JsonOpt & { limit?: number; tag: string[]; space: string[]; cursor?: string; repo?: string | false; repoOnly?: boolean; path: string[] },
      ) => {
        // git runs while the backend connects (a server's health check, or opening the data dir).
        const here = o.repo === undefined ? gitContext() : undefined;
        const page = await withBackend(async (b) => {
          const repo = o.repo === false ? undefined : (o.repo ?? (await here)?.repo);
          const context = repo || o.path.length ? { ...(repo ? { repo } : {}), ...(o.path.length ? { paths: o.path } : {}) } : undefined;
          return b.search({
            query: words.join(' '),
            ...(context ? { context } : {}),
            ...(o.repoOnly ? { repoOnly: true } : {}),
            ...(o.limit ? { limit: o.limit } : {}),
            ...(o.tag.length ? { filter: { tags: o.tag } } : {}),
            ...(o.space.length ? { spaces: o.space } : {}),
            ...(o.cursor ? { cursor: o.cursor } : {}),
          });
        });
        if (o.json) printJson(page);
        else writeOut(formatSearch(page));
      },
    );

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
    .command('stale')
    .description('List memories whose anchored code changed or was deleted since they were written')
    .option('--repo <repo>', 'only this repo (remote URL or host/owner/name)')
    .option('-n, --limit <n>', 'memories per page (1-100)', positiveInt)
    .option('--space <space>', 'space to list (default: personal)', spaceName)
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--json', 'print the page as JSON')
    .addHelpText('after', examples('kairos stale', 'kairos stale --repo github.com/acme/shop --json'))
    .action(async (o: JsonOpt & { repo?: string; limit?: number; space?: string; cursor?: string }) => {
      const page = await withBackend((b) =>
        b.list({
          filter: { stale: true, ...(o.repo ? { repo: o.repo } : {}) },
          ...(o.limit ? { limit: o.limit } : {}),
          ...(o.space ? { space: o.space } : {}),
          ...(o.cursor ? { cursor: o.cursor } : {}),
        }),
      );
      if (o.json) printJson(page);
      else writeOut(page.items.length ? formatList(page) : 'No stale memories: every anchored memory matches its code.');
    });

  program
    .command('check')
    .description("Compare the anchored memories of this git checkout's repo with the code as it is now, and mark changed ones stale")
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', examples('kairos check', 'kairos check && kairos stale'))
    .action(async (o: JsonOpt) => {
      const here = await gitContext();
      if (!here) throw new CliError(EXIT.usage, 'kairos check runs inside a git checkout: cd into one first.');
      const root = (await gitRoot())!;
      const { checkRepoAnchors } = await import('../../code/checkAnchors.js');
      const summary = await withBackend((b) => checkRepoAnchors({ root, repo: here.repo, store: b, ...(here.commit ? { commit: here.commit } : {}) }));
      if (o.json) printJson(summary);
      else {
        writeOut(
          `${here.repo}: checked ${summary.checked} anchored memor${summary.checked === 1 ? 'y' : 'ies'}: ${summary.fresh} fresh, ${summary.moved} moved (followed), ${summary.stale} stale.`,
        );
        for (const s of summary.staleIds) writeOut(`  ${s.id}  ${s.path}  ${s.reason}`);
      }
    });

  program
    .command('verify')
    .description('Mark a stale memory as still true for the code as it is now')
    .argument('<id>', 'memory id')
    .option('--commit <sha>', 'commit it was checked against (default: HEAD of the git checkout you are in)')
    .option('--space <space>', 'space the memory is in (default: any of yours)', spaceName)
    .option('--json', 'print the memory as JSON')
    .addHelpText('after', examples('kairos verify 3f2a9c1e-…'))
    .action(async (id: string, o: JsonOpt & { commit?: string; space?: string }) => {
      const commit = o.commit ?? (await gitContext())?.commit;
      const memory = await withBackend((b) => b.verify(id, { ...(commit ? { commit } : {}), ...(o.space ? { space: o.space } : {}) }));
      if (o.json) printJson(memory);
      else writeOut(`Verified ${memory.id}${commit ? ` at ${commit.slice(0, 12)}` : ''}: it is no longer marked stale.`);
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
