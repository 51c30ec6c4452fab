/** Producer thread: opens a connection and sets ten readings, 10 ms apart. */
import { parentPort, workerData } from 'node:worker_threads';
import { openHandle, type SyncDescriptor } from '../../bridge/sync/index.js';
import { ReadingKey } from './app.js';

const h = openHandle(workerData as SyncDescriptor);
const p = h.producer(ReadingKey);
const pause = new Int32Array(new SharedArrayBuffer(4));
for (let seq = 1; seq <= 10; seq++) {
  // set() returns once the engine has produced the reading into the ring.
  p.set({ seq, celsius: 20 + seq / 2 });
  Atomics.wait(pause, 0, 0, 10);
}
parentPort!.postMessage({ produced: 10 });
h.detach();
