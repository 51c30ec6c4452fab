/**
 * hello-ring, the blocking way (CONTRACT §8): the engine runs in a worker thread (`attach()`); this
 * thread produces with `set` (returns once the engine has produced the value) and reads with
 * blocking `get`. The fast consumer reads after every value and sees all ten in order; the slow one
 * reads at the end, past the 4-slot ring: `getResult()` tells it missed 6, then it continues.
 *
 * Run: `node --import tsx examples/hello-ring/sync.ts`. This file is also the configuration module
 * the engine loads (its `configure` export); the program part runs only on the main thread.
 */
import { isMainThread } from 'node:worker_threads';
import { ring, type Builder } from '../../core/index.js';
import { attach } from '../../bridge/sync/index.js';
import { Temperature } from './app.js';

/** Loaded in the engine thread by `attach()`. */
export function configure(b: Builder): void {
  b.configure(Temperature, (r) => r.buffer(ring(4)));
}

function main(): void {
  const h = attach({ module: new URL(import.meta.url) });
  const fast = h.consumer(Temperature);
  const slow = h.consumer(Temperature);
  const p = h.producer(Temperature);
  for (let n = 1; n <= 10; n++) {
    p.set({ seq: n, celsius: 20 + n / 10 });
    const v = fast.get();
    console.log(`fast: #${v.seq} ${v.celsius.toFixed(1)} C`);
  }
  const first = slow.getResult();
  console.log(`slow: lagged, missed ${first.missed}`);
  console.log(`slow: #${first.value.seq}`);
  for (let v = slow.tryGet(); v !== undefined; v = slow.tryGet()) console.log(`slow: #${v.seq}`);
  const m = h.metrics(Temperature);
  console.log(`metrics: produced=${m.produced} consumed=${m.consumed} dropped=${m.dropped}`);
  h.detach();
}

if (isMainThread) main();
