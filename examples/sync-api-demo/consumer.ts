/**
 * Consumer thread: blocks in `get()` for the first reading (however long the producer thread takes
 * to start), then in `getWithTimeout(300)` until none comes for 300 ms (GET_TIMEOUT: the producer is
 * done), then reports what it read.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openHandle, type SyncDescriptor } from '../../bridge/sync/index.js';
import { ReadingKey } from './app.js';

const h = openHandle(workerData as SyncDescriptor);
const c = h.consumer(ReadingKey);
parentPort!.postMessage({ ready: true });
const seqs: number[] = [c.get().seq];
let ended = '';
for (;;) {
  try {
    seqs.push(c.getWithTimeout(300).seq);
  } catch (e) {
    ended = (e as { code: string }).code;
    break;
  }
}
parentPort!.postMessage({ seqs, missed: c.missed, ended });
h.detach();
