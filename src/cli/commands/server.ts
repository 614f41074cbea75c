/** serve, mcp, token, console. The server, MCP and store code load inside the actions that run them. */
import type { Command } from 'commander';
import { EMBEDDING_PROVIDERS } from '../../protocol/embedders.js';
import { findRunningServer } from '../../runtime/discovery.js';
import { loadOrCreateToken } from '../../runtime/token.js';
import { kairosHome } from '../../util/home.js';
import { kairosVersion } from '../../util/version.js';
import { CliError, EXIT } from '../exitCodes.js';
import { HttpClient } from '../httpClient.js';
import { printJson, writeOut } from '../output.js';
import { routes } from '../../protocol/rest/routes.js';
import { examples, loadCliConfig } from './shared.js';

export function registerServerCommands(program: Command): void {
  program
    .command('serve')
    .description('Run the Kairos server: REST API, MCP endpoint (/mcp) and web console')
    .addHelpText(
      'after',
      '\nEnvironment: KAIROS_HOME (default ~/.kairos), KAIROS_HOST (127.0.0.1), KAIROS_PORT (7377; 0 = any free port),\n' +
        `KAIROS_EMBEDDER (${EMBEDDING_PROVIDERS.join('|')}), QDRANT_URL, KAIROS_LOG_LEVEL.\n` +
        'Editors that start the server set KAIROS_EXIT_WHEN_UNUSED=1: it then stops once no client is registered\n' +
        'for KAIROS_UNUSED_EXIT_SECONDS (30). A server you start yourself never stops on its own.\n' +
        'Service mode (many users): KAIROS_MODE=service or DATABASE_URL; see docs/deployment.md.\n' +
        examples('kairos serve', 'KAIROS_PORT=0 kairos serve'),
    )
    .action(async () => {
      const config = await loadCliConfig();
      const { isServiceMode, loadServiceConfig } = await import('../../runtime/serviceConfig.js');
      if (isServiceMode(process.env)) {
        // Loaded lazily: local mode never pays for pg, ioredis or the identity schema.
        const { serveService } = await import('../../server/serviceMain.js');
        return serveService(config, loadServiceConfig());
      }
      const { serve } = await import('../../server/main.js');
      await serve(config);
    });

  program
    .command('mcp')
    .description('Run the MCP server over stdio (for clients that spawn a command); relays to a running `kairos serve`')
    .addHelpText('after', examples('kairos mcp', 'claude mcp add kairos -- kairos mcp'))
    .action(async () => {
      const home = kairosHome();
      const running = await findRunningServer(home);
      // The server owns the data dir: relay to its /mcp endpoint instead of opening it.
      if (running) {
        const { runMcpProxy } = await import('../mcpProxy.js');
        return runMcpProxy(running.url, loadOrCreateToken(home), kairosVersion());
      }
      const [{ openLocalRuntime }, { runMcpStdio }] = await Promise.all([import('../../runtime/local.js'), import('../../mcp/stdio.js')]);
      const runtime = await openLocalRuntime(await loadCliConfig());
      try {
        await runMcpStdio(runtime.service(), { version: kairosVersion() });
      } finally {
        await runtime.close();
      }
    });

  program
    .command('token')
    .description('Print the local bearer token (created on first use)')
    .option('--json', 'print { token } as JSON')
    .addHelpText('after', examples('curl -H "Authorization: Bearer $(kairos token)" http://127.0.0.1:7377/v1/me'))
    .action((o: { json?: boolean }) => {
      const token = loadOrCreateToken(kairosHome());
      if (o.json) printJson({ token });
      else writeOut(token);
    });

  program
    .command('console')
    .description('Print a fresh one-time login link for the web console of the running server')
    .option('--json', 'print { url } as JSON')
    .addHelpText('after', examples('kairos console', 'xdg-open "$(kairos console)"'))
    .action(async (o: { json?: boolean }) => {
      const home = kairosHome();
      const running = await findRunningServer(home);
      if (!running) throw new CliError(EXIT.unavailable, 'No Kairos server is running. Start one with `kairos serve`.');
      const http = new HttpClient(running.url, loadOrCreateToken(home));
      const { url } = (await http.call(routes.consoleLink, {})) as { url: string };
      if (o.json) printJson({ url });
      else writeOut(url);
    });
}
