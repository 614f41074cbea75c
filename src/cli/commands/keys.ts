/** `kairos keys rotate-master`: re-encrypts every stored BYOK key under the current master key. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT } from '../exitCodes.js';
import { printJson, writeOut } from '../output.js';
import { examples, loadCliConfig } from './shared.js';

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('Service-mode key management');
  keys
    .command('rotate-master')
    .description(
      'Re-encrypt stored embedding keys under the current master key. With KAIROS_MASTER_KEY set, put the new key there and the old one in ' +
        'KAIROS_MASTER_KEY_PREVIOUS; in embedded mode a new key is generated in $KAIROS_HOME/master.key.',
    )
    .option('--json', 'print { rotated, masterKeyId } as JSON')
    .addHelpText('after', examples('KAIROS_MASTER_KEY_PREVIOUS=$OLD KAIROS_MASTER_KEY=$(openssl rand -base64 32) kairos keys rotate-master'))
    .action(async (o: { json?: boolean }) => {
      const config = await loadCliConfig();
      // node:crypto too: loading it costs every command's start-up more than this one's run.
      const [
        { loadOrCreateMasterKeyFile, masterKeyFrom, masterKeyRingFromEnv, writeMasterKeyFile },
        { rotateMasterKey },
        { identityDbConfig, openIdentityDb },
        { randomBytes },
      ] = await Promise.all([
        import('../../identity/byok.js'),
        import('../../identity/embeddingSettings.js'),
        import('../../identity/open.js'),
        import('node:crypto'),
      ]);
      let ring = masterKeyRingFromEnv(process.env);
      const embedded = !ring;
      if (!ring) {
        // On a home where service mode never ran there is nothing to re-encrypt: say so rather than create a key.
        if (!existsSync(join(config.home, 'master.key'))) {
          throw new CliError(
            EXIT.notFound,
            `No master key in ${config.home}: service mode has not run with this KAIROS_HOME, so there are no keys to re-encrypt. Set KAIROS_HOME to the service's home, or KAIROS_MASTER_KEY and KAIROS_MASTER_KEY_PREVIOUS.`,
          );
        }
        const old = loadOrCreateMasterKeyFile(config.home);
        ring = { current: masterKeyFrom(randomBytes(32).toString('base64'), 'new master key'), previous: [old.current, ...old.previous] };
        // The new key is saved (with the old ones) before anything is re-encrypted with it.
        writeMasterKeyFile(config.home, ring);
      }
      const db = await openIdentityDb(identityDbConfig(process.env, config.home));
      try {
        const rotated = await rotateMasterKey(db, ring);
        if (embedded) writeMasterKeyFile(config.home, { current: ring.current, previous: [] });
        if (o.json) printJson({ rotated, masterKeyId: ring.current.id });
        else writeOut(`Re-encrypted ${rotated} key(s) under master key ${ring.current.id}.`);
      } finally {
        await db.close();
      }
    });
}
