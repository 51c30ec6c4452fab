/**
 * The blocking API on Node (CONTRACT §8, docs/SYNC-API.md): the engine runs in a worker thread;
 * callers in any thread block on `Atomics.wait`.
 *
 * @example
 * import { attach } from '../bridge/sync/index.js';
 * const h = attach({ module: new URL('./app.ts', import.meta.url) });
 * h.producer(Cmd).set({ on: true });
 * const v = h.consumer(Temp).getWithTimeout(500);
 * h.detach();
 */
export { attach } from './attach.js';
export { openHandle } from './handle.js';
export { tsWorker } from './worker.js';
export type { AttachOptions, ConfigureFn, GetResult, SyncConsumer, SyncHandle, SyncProducer, BufferType } from './types.js';
export type { RecordEntry, SyncDescriptor } from './protocol.js';
