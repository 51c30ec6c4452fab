/**
 * sync-api-demo: the blocking API with real threads (CONTRACT §8).
 *
 * The engine runs in a worker thread started by `attach()`. A producer thread and a consumer thread
 * each open their own connection from `handle.share()`. The consumer blocks in `getWithTimeout`
 * and ends on GET_TIMEOUT once the producer is done; the main thread reads the transform's average,
 * sends a command through a Mailbox, and detaches cleanly (afterwards calls say RUNTIME_SHUTDOWN).
 *
 * Run: `node --import tsx examples/sync-api-demo/main.ts`.
 */
import type { Worker } from 'node:worker_threads';
import { attach, tsWorker, type SyncHandle } from '../../bridge/sync/index.js';
import { AverageKey, CommandKey, ReadingKey } from './app.js';

/** Starts a demo thread with its own connection; resolves with its messages when it exits. */
function thread(h: SyncHandle, file: string, onMessage: (m: any) => void): Promise<void> {
  const d = h.share();
  const w: Worker = tsWorker(new URL(file, import.meta.url), { workerData: d, transferList: [d.port] });
  w.on('message', onMessage);
  return new Promise((resolve, reject) => {
    w.on('error', reject);
    w.on('exit', () => resolve());
  });
}

const taps: string[] = [];
const h = attach({ module: new URL('./app.ts', import.meta.url), onLog: (r) => taps.push(r.message) });
console.log('attached: ' + h.records().map((r) => `${r.name} (${r.bufferType}/${r.bufferCapacity})`).join(', '));

let report: { seqs: number[]; missed: number; ended: string } | undefined;
let ready!: () => void;
const consumerReady = new Promise<void>((r) => (ready = r));
const consumerDone = thread(h, './consumer.ts', (m) => (m.ready ? ready() : (report = m)));
await consumerReady;
await thread(h, './producer.ts', (m) => console.log(`producer: set ${m.produced} readings`));
await consumerDone;
console.log(`consumer: got #${report!.seqs.join(' #')} (missed ${report!.missed}), then ${report!.ended}`);

const avg = h.consumer(AverageKey).getLatest();
console.log(`main: average of ${avg?.count} readings = ${avg?.celsius.toFixed(2)} C`);

const commands = h.consumer(CommandKey);
h.producer(CommandKey).set({ action: 'calibrate' });
console.log(`main: command taken once: ${commands.tryGet()?.action}, again: ${commands.tryGet()?.action ?? 'nothing'}`);

const late = h.consumer(ReadingKey);
h.detach();
h.detach(); // a second detach does nothing
try {
  late.get();
} catch (e) {
  console.log(`main: get after detach: ${(e as { code: string }).code}`);
}
console.log(`engine log (${taps.length} lines): ${taps[0]} ... ${taps[taps.length - 1]}`);
