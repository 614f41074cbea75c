import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EMBEDDING_PROVIDERS } from '../../src/protocol/embedders.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const nls = JSON.parse(readFileSync('package.nls.json', 'utf8')) as Record<string, string>;
const commandsSrc = readFileSync('src/extension/commands.ts', 'utf8');
const activateSrc = readFileSync('src/extension/activate.ts', 'utf8');

describe('extension manifest', () => {
  it('activates after start-up (cheap: no engine start), so Kairos is in MCP: List Servers without opening the view', () => {
    const events: string[] = pkg.activationEvents;
    expect(events).not.toContain('*');
    expect(events).toContain('onStartupFinished');
    expect(activateSrc).toMatch(/Nothing here starts the\s+\* engine/);
    expect(events).toEqual(expect.arrayContaining(['onView:kairos.memories', 'onMcpServerDefinitionProvider:kairos']));
  });

  it('registers a handler for every contributed command', () => {
    const ids: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) expect(commandsSrc, id).toContain(`reg('${id}'`);
  });

  it('localises every %key% it uses', () => {
    const keys = [...JSON.stringify(pkg).matchAll(/%([a-zA-Z0-9_.]+)%/g)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(20);
    for (const k of keys) expect(nls[k], k).toBeTypeOf('string');
  });

  it('declares the MCP provider id that activate.ts registers', () => {
    expect(pkg.contributes.mcpServerDefinitionProviders).toEqual([{ id: 'kairos', label: 'Kairos Memory' }]);
    expect(activateSrc).toContain("registerMcpServerDefinitionProvider('kairos'");
  });

  it("offers exactly the embedding providers the code knows (the manifest's copy of the one list)", () => {
    expect(pkg.contributes.configuration.properties['kairos.embedding.provider'].enum).toEqual([...EMBEDDING_PROVIDERS]);
  });

  it('targets the VS Code version whose API types it compiles against', () => {
    expect(pkg.engines.vscode).toBe('^1.101.0');
    expect(pkg.devDependencies['@types/vscode']).toBe('1.101.0');
    expect(pkg.main).toBe('./dist/extension.cjs');
  });

  it('lists the settings in a deliberate order, and an empty Server Url is valid (local mode needs none)', () => {
    const props: Record<string, { order: number; pattern?: string }> = pkg.contributes.configuration.properties;
    const byOrder = Object.entries(props)
      .sort(([, a], [, b]) => a.order - b.order)
      .map(([k]) => k);
    expect(byOrder).toEqual([
      'kairos.mode',
      'kairos.serverUrl',
      'kairos.embedding.provider',
      'kairos.embedding.model',
      'kairos.embedding.endpoint',
      'kairos.embedding.deployment',
      'kairos.search.limit',
    ]);
    const url = new RegExp(props['kairos.serverUrl']!.pattern!);
    expect(['', 'https://kairos.example.com', 'http://127.0.0.1:7377/'].every((v) => url.test(v))).toBe(true);
    expect(['kairos.example.com', 'ftp://x', 'https://a b'].some((v) => url.test(v))).toBe(false);
  });

  it("keeps the engine's loopback port out of auto-forwarding (matched on the command line the extension spawns)", () => {
    const attrs: Record<string, { onAutoForward: string }> = pkg.contributes.configurationDefaults['remote.portsAttributes'];
    const [pattern, rule] = Object.entries(attrs)[0]!;
    expect(rule.onAutoForward).toBe('ignore');
    expect(new RegExp(pattern).test('/usr/bin/node /home/u/.vscode/extensions/kairos.kairos-0.1.0/dist/engine/kairos.mjs serve')).toBe(true);
    expect(new RegExp(pattern).test('node server.js')).toBe(false);
  });
});
