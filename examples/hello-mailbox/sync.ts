/**
 * hello-mailbox, the blocking way: each command goes to exactly one of two consumers (take-on-read,
 * competitive); three commands set back to back leave only the last one pending, the other two are
 * lost and counted. The consumers could live in any threads (see examples/sync-api-demo); here they
 * share the main thread so that the output order is fixed.
 *
 * Run: `node --import tsx examples/hello-mailbox/sync.ts`.
 */
import { isMainThread } from 'node:worker_threads';
import { mailbox, type Builder } from '../../core/index.js';
import { attach } from '../../bridge/sync/index.js';
import { ValveCommand } from './app.js';

/** Loaded in the engine thread by `attach()`. */
export function configure(b: Builder): void {
  b.configure(ValveCommand, (r) => r.buffer(mailbox()));
}

function main(): void {
  const h = attach({ module: new URL(import.meta.url) });
  const workers = [h.consumer(ValveCommand), h.consumer(ValveCommand)];
  const p = h.producer(ValveCommand);
  for (let id = 1; id <= 3; id++) {
    p.set({ id, action: id % 2 ? 'open' : 'close' });
    const w = (id - 1) % 2;
    const cmd = workers[w].get();
    console.log(`worker ${w + 1}: #${cmd.id} ${cmd.action}`);
    // Taken: the other consumer finds nothing.
    if (workers[1 - w].tryGet() !== undefined) console.log('bug: delivered twice');
  }
  p.set({ id: 4, action: 'close' });
  p.set({ id: 5, action: 'open' });
  p.set({ id: 6, action: 'close' });
  const last = workers[1].get();
  console.log(`worker 2: #${last.id} ${last.action}`);
  try {
    workers[0].getWithTimeout(100);
  } catch (e) {
    console.log(`worker 1: ${(e as { code: string }).code}`);
  }
  const m = h.metrics(ValveCommand);
  console.log(`metrics: produced=${m.produced} consumed=${m.consumed} dropped=${m.dropped}`);
  h.detach();
}

if (isMainThread) main();
