/**
 * The CLI's entry point (dist/kairos.mjs). `kairos --version` is answered here, from the version
 * the bundle inlines (scripts/cli-bundle.mjs), before any other module loads; every other command
 * loads the CLI proper (main.ts).
 */
declare const KAIROS_VERSION: string;

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) process.stdout.write(`${KAIROS_VERSION}\n`);
else await import('./main.js');
