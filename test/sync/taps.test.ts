/**
 * CONTRACT §8: both ways in configure the same graph, and a tap behaves the same whichever way the
 * caller came in. One configure function, run by the async API in this thread and by attach() in
 * the engine thread; the tap's log must be identical.
 */
import { expect } from 'chai';
import { builder, type LogLevel } from '../../core/index.js';
import { nodeRuntime } from '../../targets/node/runtime.js';
import { configure, Latest, Ring } from './fixtures/app.js';
import { attachFixture, sleep } from './helpers.js';

const script = (set: (k: typeof Ring, n: number) => void): void => {
  for (let n = 1; n <= 6; n++) set(n % 2 ? Ring : Latest, n);
  for (let n = 7; n <= 12; n++) set(Ring, n);
};

describe('bridge/sync: one configuration, two ways in', function () {
  this.timeout(20000);

  it('runs a tap registered in configure identically through the async API and through attach', async () => {
    const viaAsync: string[] = [];
    const b = builder(nodeRuntime({ onLog: (r: { level: LogLevel; message: string }) => void viaAsync.push(r.level + ' ' + r.message) }));
    configure(b, { ticks: false, ringCapacity: 16 });
    const db = b.build().start();
    script((k, n) => {
      db.set(k, { n });
    });
    await sleep(50);
    db.stop();

    const viaSync: string[] = [];
    const h = attachFixture({ ticks: false, ringCapacity: 16 }, undefined, { onLog: (r) => void viaSync.push(r.level + ' ' + r.message) });
    const producers = { [Ring.name]: h.producer(Ring), [Latest.name]: h.producer(Latest) };
    script((k, n) => producers[k.name].set({ n }));
    h.detach();

    expect(viaSync).to.deep.equal(viaAsync);
    expect(viaAsync.slice(0, 3)).to.deep.equal(['info tap ring #1 n=1', 'info tap ring #2 n=3', 'info tap ring #3 n=5']);
  });
});
