/**
 * The UI's typed request functions through the path the VS Code sidebar really takes: the
 * postMessage bridge, over a real MessageChannel, to the extension's own router (strict zod
 * schemas) and its REST client, to a real `kairos serve` on loopback. Before these functions the
 * UI passed a whole Memory as the `get` params and the router refused every edit's reload.
 */
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Memory } from '../../src/core/memory.js';
import { KairosClient } from '../../src/extension/client.js';
import { routeMessage, type RouterDeps } from '../../src/extension/router.js';
import { BridgeError, type HostEvent } from '../../src/protocol/messages.js';
import { replaceSimilar } from '../../src/protocol/replace.js';
import { createVsCodeBridge, type VsCodeBridge } from '../../webview-ui/bridges/vscode.js';
import { positionIn } from '../../webview-ui/format.js';
import * as req from '../../webview-ui/requests.js';
import { removeHome, startTestServer, type TestServer } from '../server/helpers.js';

let s: TestServer;
let bridge: VsCodeBridge;
const refused: string[] = [];
const events: HostEvent[] = [];
let close: () => void;

beforeAll(async () => {
  s = await startTestServer();
  const client = new KairosClient(async () => ({ baseUrl: s.url, token: s.token }));
  const deps: RouterDeps = {
    client,
    openSource: async () => ({ opened: true }),
    settingsView: async () => ({ mode: 'local', embedder: { provider: 'local', model: 'use', dimension: 512 } }),
    updateSettings: async () => ({ mode: 'local', embedder: { provider: 'local', model: 'use', dimension: 512 } }),
    saveExport: async () => '/tmp/x.jsonl',
    searchLimit: () => 20,
    emit: (e) => events.push(e),
    holdDeletes: () => {},
    // The code-reading actions need VS Code; "still true" goes straight to the engine here.
    anchors: {
      verify: (ref) => client.verify(ref),
      reanchor: () => Promise.reject(new Error('needs VS Code')),
      showChange: () => Promise.reject(new Error('needs VS Code')),
    },
    setupAction: async () => ({ started: true }),
  };
  const { port1, port2 } = new MessageChannel();
  port2.on('message', (m: unknown) => {
    void routeMessage(m, deps).then((out) => {
      if (out.kind !== 'response') return;
      if (!out.message.ok && out.message.error.code === 'invalid_input') refused.push(out.message.error.message);
      port2.postMessage(out.message);
    });
  });
  bridge = createVsCodeBridge({
    post: (m) => port1.postMessage(m),
    listen: (h) => {
      port1.on('message', h);
      return () => port1.off('message', h);
    },
  });
  close = () => {
    bridge.dispose();
    port1.close();
    port2.close();
  };
});

afterAll(async () => {
  close?.();
  await s?.close();
  if (s) await removeHome(s.home);
});

describe('typed UI requests through the VS Code router', () => {
  it('edits text, adds a tag and restores a version, then reloads the memory, passing the whole memory as the reference', async () => {
    const { memory } = await req.create(bridge, { text: 'The release train leaves on Thursdays', tags: [], space: undefined });
    const edited: Memory = await req.update(bridge, memory, { text: 'The release train leaves on Fridays' });
    expect(edited).toMatchObject({ id: memory.id, version: 2 });
    // The UI reloads the memory it holds, a full Memory object with text, tags, history keys…
    const reloaded = await req.getMemory(bridge, edited);
    expect(reloaded).toMatchObject({ text: 'The release train leaves on Fridays', version: 2, history: [expect.objectContaining({ version: 1 })] });

    const tagged = await req.update(bridge, reloaded, { tags: ['release'] });
    expect((await req.getMemory(bridge, tagged)).tags).toEqual(['release']);

    const restored = await req.restore(bridge, tagged, 1);
    const after = await req.getMemory(bridge, restored);
    expect(after).toMatchObject({ text: 'The release train leaves on Thursdays', version: 4 });
    expect(refused).toEqual([]);
  });

  it('lists and searches with an unset space and cursor, and deletes by the memory itself', async () => {
    const { memory } = await req.create(bridge, { text: 'Feature flags live in LaunchDarkly', source: { kind: 'editor' } });
    const page = await req.list(bridge, { limit: 5, space: undefined, cursor: undefined });
    expect(page.items.map((m) => m.id)).toContain(memory.id);
    const hits = await req.search(bridge, { query: 'LaunchDarkly flags', limit: 5, space: memory.space, cursor: undefined });
    expect(hits.items[0]?.memory.id).toBe(memory.id);
    expect(await req.remove(bridge, memory)).toEqual({ id: memory.id, space: memory.space });
    await expect(req.getMemory(bridge, memory)).rejects.toMatchObject({ code: 'not_found' });
    expect(refused).toEqual([]);
  });

  it('"Replace" from the capture form moves the new text onto the similar memory as a superseding version', async () => {
    const old = await req.create(bridge, { text: 'We deploy the web app to production every Tuesday afternoon.' });
    const fresh = await req.create(bridge, { text: 'Production deploys of the web app happen on Tuesday afternoons.', tags: ['deploy'] });
    expect(fresh.outcome).toBe('created');
    expect(fresh.similar?.[0]?.id).toBe(old.memory.id);
    const replaced = await replaceSimilar(req.bridgeReplaceCalls(bridge), fresh, old.memory.id);
    expect(replaced).toMatchObject({
      id: old.memory.id,
      version: 2,
      text: 'Production deploys of the web app happen on Tuesday afternoons.',
      tags: ['deploy'],
    });
    await expect(req.getMemory(bridge, fresh.memory)).rejects.toMatchObject({ code: 'not_found' });
    const got = await req.getMemory(bridge, replaced);
    expect(got.history).toEqual([
      expect.objectContaining({ version: 1, reason: 'supersede', text: 'We deploy the web app to production every Tuesday afternoon.' }),
    ]);
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ id: fresh.memory.id, change: 'deleted' })]));
  });

  it('"Replace" writes the new memory back when the similar one is gone, so its text is never lost', async () => {
    const old = await req.create(bridge, { text: 'Staging runs on a single small node pool in eu-west.' });
    const fresh = await req.create(bridge, { text: 'Staging runs on one small node pool in the eu-west region.' });
    expect(fresh.similar?.[0]?.id).toBe(old.memory.id);
    await req.remove(bridge, old.memory);
    await expect(replaceSimilar(req.bridgeReplaceCalls(bridge), fresh, old.memory.id)).rejects.toMatchObject({ code: 'not_found' });
    const page = await req.search(bridge, { query: 'staging node pool eu-west', limit: 5 });
    expect(page.items.map((h) => h.memory.text)).toContain('Staging runs on one small node pool in the eu-west region.');
  });

  it('a credential in the text is refused with its kind and position, which the form turns into a caret offset', async () => {
    const text = `Bot notes\nuse ${'ghp_' + 'Zq8vR2mLk4Tn7Wx1Yc5Bd9Fh3Jp6Sg0Ae2Ku'} for the bot`;
    const err = (await req.create(bridge, { text }).catch((e: unknown) => e)) as BridgeError;
    expect(err).toBeInstanceOf(BridgeError);
    expect(err.code).toBe('invalid_input');
    expect(err.message).toMatch(/GitHub token.*line 2, column 5/);
    expect(positionIn(text, err.message)).toBe(text.indexOf('ghp_'));
  });
});
