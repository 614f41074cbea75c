/**
 * The `kairos` command line: the composition root for the CLI. Every failure ends as one line
 * `kairos: <message>` on stderr and a documented exit code (see exitCodes.ts).
 */
import { Command, CommanderError } from 'commander';
import { isKairosError } from '../core/errors.js';
import { kairosVersion } from '../util/version.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerConnectorCommands } from './commands/connectors.js';
import { registerLinkCommands } from './commands/link.js';
import { registerMemoryCommands } from './commands/memories.js';
import { registerPortableCommands } from './commands/portable.js';
import { registerServerCommands } from './commands/server.js';
import { CliError, describeSystemError, EXIT, exitCodeFor } from './exitCodes.js';

function buildProgram(): Command {
  const program = new Command()
    .name('kairos')
    .description('Kairos: long-term memory shared by your editor and your coding agents.')
    .version(kairosVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`kairos: ${s.replace(/^error: /, '')}`),
    })
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 unexpected, 2 invalid input, 3 not found, 4 auth, 5 embedder, 6 data dir in use / server unreachable, 7 a file could not be read or written.\n' +
        'A running `kairos serve` is used automatically; otherwise commands open $KAIROS_HOME directly.\n',
    );
  registerServerCommands(program);
  registerMemoryCommands(program);
  registerPortableCommands(program);
  registerKeyCommands(program);
  registerLinkCommands(program);
  registerConnectorCommands(program);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(program.configureOutput());
  return program;
}

function report(e: unknown): number {
  if (e instanceof CommanderError) {
    // Help and --version "errors" are successes; commander already printed the usage error.
    return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  let code: number = EXIT.unexpected;
  let message: string;
  if (e instanceof CliError) {
    code = e.exitCode;
    message = e.message;
  } else if (isKairosError(e)) {
    code = exitCodeFor(e.code);
    message = e.message;
  } else if (describeSystemError(e)) {
    const sys = describeSystemError(e)!;
    code = sys.exitCode;
    message = sys.message;
  } else {
    message = `unexpected error: ${(e as Error)?.message ?? String(e)}. Run with KAIROS_DEBUG=1 for details.`;
  }
  process.stderr.write(`kairos: ${message}\n`);
  if (process.env.KAIROS_DEBUG === '1' && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
  return code;
}

async function main(argv: string[]): Promise<number> {
  // Commands print results on stdout; store and embedder chatter stays out of the way.
  if (!process.env.KAIROS_LOG_LEVEL && argv[2] !== 'serve') process.env.KAIROS_LOG_LEVEL = 'warn';
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (e) {
    return report(e);
  }
}

process.exit(await main(process.argv));
