/**
 * The in-process event hub (local mode, a single service instance): delivery by space, replay
 * after a given id, and a resync for ids it no longer keeps or never gave. The Redis adapter is
 * tested with two real service instances in test/service/events.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { compareEventIds, InProcessEventHub, RESYNC, type DeliveredEvent } from '../../src/runtime/events.js';

const A = 'kairos_user_a';
const B = 'kairos_user_b';
const changed = (id: string, space: string) => ({ type: 'memoryChanged' as const, id, space, change: 'created' as const });

async function listen(hub: InProcessEventHub, spaces: string[], lastEventId?: string): Promise<{ got: DeliveredEvent[]; stop: () => void }> {
  const got: DeliveredEvent[] = [];
  const stop = await hub.subscribe({ spaces: new Set(spaces), onEvent: (e) => got.push(e), ...(lastEventId ? { lastEventId } : {}) });
  return { got, stop };
}

describe('in-process event hub', () => {
  it('delivers an event only to subscribers of its space, with growing ids, until they unsubscribe', async () => {
    const hub = new InProcessEventHub(1000);
    const a = await listen(hub, [A]);
    const both = await listen(hub, [A, B]);
    hub.publish(A, changed('1', A));
    hub.publish(B, changed('2', B));
    expect(a.got.map((e) => e.event)).toEqual([changed('1', A)]);
    expect(both.got.map((e) => e.id)).toEqual(['1000-1', '1000-2']);
    expect(compareEventIds('1000-2', '1000-10')).toBeLessThan(0);
    a.stop();
    hub.publish(A, changed('3', A));
    expect(a.got).toHaveLength(1);
    expect(hub.size).toBe(1);
  });

  it('replays what came after the given id in the subscriber’s spaces, then goes on live', async () => {
    const hub = new InProcessEventHub(1000);
    hub.publish(A, changed('1', A));
    hub.publish(B, changed('2', B));
    hub.publish(A, changed('3', A));
    const back = await listen(hub, [A], '1000-1');
    hub.publish(A, changed('4', A));
    expect(back.got.map((e) => [e.id, (e.event as { id: string }).id])).toEqual([
      ['1000-3', '3'],
      ['1000-4', '4'],
    ]);
  });

  it('asks for a resync with an id from another boot, from the future, or older than it keeps', async () => {
    const hub = new InProcessEventHub(1000);
    for (let i = 0; i < 1005; i++) hub.publish(A, changed(String(i), A));
    for (const stale of ['999-3', '1000-2000', '1000-2']) {
      const s = await listen(hub, [A], stale);
      expect(s.got).toEqual([{ id: '1000-1005', event: RESYNC }]);
    }
    expect((await listen(hub, [A], '1000-5')).got).toHaveLength(1000);
  });
});
