/**
 * `attach()`: starts the engine in a worker thread and returns the owner's blocking handle
 * (CONTRACT §8). `detach()` on that handle stops the database and the thread.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { aimError, isAimError } from '../../core/index.js';
import type { LogRecord } from '../../targets/node/runtime.js';
import type { EngineData } from './engine.js';
import { Connection } from './handle.js';
import { BELL, CONN_WORDS, OP_DETACH, R_FAILED, R_READY, STATE, STATE_STOPPED, STATE_WORDS, type RecordEntry } from './protocol.js';
import type { AttachOptions, SyncHandle } from './types.js';
import { moduleHref, tsWorker } from './worker.js';

// engine.ts beside the sources, engine.js in the compiled package.
const ENGINE_URL = new URL(import.meta.url.endsWith('.ts') ? './engine.ts' : './engine.js', import.meta.url);

/** The owner's connection: also owns the worker and the log channel. */
class Owner extends Connection {
  _worker: Worker;
  _logPort: MessagePort | undefined;
  _onLog: ((r: LogRecord) => void) | undefined;

  constructor(port: MessagePort, state: SharedArrayBuffer, conn: SharedArrayBuffer, queue: number, worker: Worker, logPort: MessagePort | undefined, onLog: ((r: LogRecord) => void) | undefined) {
    super(port, state, conn, [], queue);
    this._worker = worker;
    this._logPort = logPort;
    this._onLog = onLog;
  }

  _setRecords(records: RecordEntry[]): void {
    this._records = records;
    for (const r of records) this._byName[r.name] = r;
  }

  /** Delivers every log record still queued, synchronously. */
  _drainLogs(): void {
    const lp = this._logPort;
    if (lp === undefined || this._onLog === undefined) return;
    for (let m = receiveMessageOnPort(lp); m !== undefined; m = receiveMessageOnPort(lp)) this._onLog(m.message as LogRecord);
  }

  _release(): void {
    this._drainLogs();
    if (this._logPort !== undefined) this._logPort.close();
    this._port.close();
    this._worker.unref();
  }

  override detachTimeout(ms: number): void {
    if (!this._open) return;
    this._open = false;
    if (Atomics.load(this._state, STATE) === STATE_STOPPED) {
      // The engine is gone already (it died); nothing to stop.
      this._release();
      return;
    }
    const id = this._nextId++;
    this._port.postMessage([OP_DETACH, id, ms]);
    const deadline = performance.now() + ms;
    // Waits for the ack regardless of the state word: the engine marks itself stopped before it acks.
    let acked = false;
    for (;;) {
      const bell = Atomics.load(this._conn, BELL);
      for (let m = receiveMessageOnPort(this._port); m !== undefined; m = receiveMessageOnPort(this._port)) {
        if ((m.message as unknown[])[1] === id) acked = true;
      }
      if (acked) break;
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(this._conn, BELL, bell, left < 50 ? left : 50);
    }
    Atomics.store(this._state, STATE, STATE_STOPPED);
    this._release();
    if (!acked) {
      void this._worker.terminate();
      throw aimError('DETACH_FAILED', 'detach: the engine did not stop within ' + ms + ' ms; its thread was terminated');
    }
  }
}

/**
 * Starts the engine thread, loads `options.module` there, calls its configure function with a
 * builder on the Node runtime, builds and starts the database, and returns the owner's handle once
 * it runs. Blocks the calling thread meanwhile (up to `startTimeoutMs`). Throws ATTACH_FAILED when
 * the module cannot be loaded, has no such export, or its configuration does not build (the
 * message carries the cause, e.g. the InvalidConfiguration list).
 *
 * Values cross threads by structured clone: what a caller sets is a copy in the engine, what it
 * gets is a copy of the buffered value (see docs/SYNC-API.md).
 *
 * @example
 * // app.ts
 * export function configure(b: Builder): void { b.configure(Temp, (r) => r.buffer(ring(16))); }
 * // main.ts
 * const h = attach({ module: new URL('./app.ts', import.meta.url) });
 * const c = h.consumer(Temp);
 * h.producer(Temp).set({ celsius: 21 });
 * console.log(c.get().celsius);   // 21
 * h.detach();
 */
export function attach(options: AttachOptions): SyncHandle {
  if (!options || options.module === undefined) throw aimError('INVALID_ARGUMENT', 'attach: options.module (the configuration module) is required');
  const queue = options.queue ?? 64;
  if (!(queue >= 1)) throw aimError('INVALID_ARGUMENT', 'attach: queue must be at least 1');
  const state = new SharedArrayBuffer(STATE_WORDS * 4);
  const conn = new SharedArrayBuffer(CONN_WORDS * 4);
  const ch = new MessageChannel();
  const log = options.onLog ? new MessageChannel() : undefined;
  const data: EngineData = {
    module: moduleHref(options.module),
    export: options.export ?? 'configure',
    data: options.data,
    nodeId: options.nodeId,
    logLevel: options.logLevel ?? 'info',
    logPort: log?.port2,
    port: ch.port2,
    state,
    conn,
  };
  let worker: Worker;
  try {
    worker = tsWorker(ENGINE_URL, { workerData: data, transferList: log ? [ch.port2, log.port2] : [ch.port2] });
  } catch (e) {
    throw aimError('ATTACH_FAILED', 'attach: could not start the engine thread: ' + String(e));
  }
  const stateWords = new Int32Array(state);
  const connWords = new Int32Array(conn);
  const mark = (): void => {
    Atomics.store(stateWords, STATE, STATE_STOPPED);
    Atomics.add(connWords, BELL, 1);
    Atomics.notify(connWords, BELL);
  };
  worker.on('error', (e) => {
    process.stderr.write('aimdb sync engine failed: ' + String((e && e.stack) || e) + '\n');
    mark();
  });
  worker.on('exit', mark);
  if (log && options.onLog) {
    log.port1.on('message', options.onLog);
    log.port1.unref();
  }
  const owner = new Owner(ch.port1, state, conn, queue, worker, log?.port1, options.onLog);
  const ms = options.startTimeoutMs ?? 10000;
  let r;
  try {
    r = owner._await(0, performance.now() + ms, 'attach');
  } catch (e) {
    if (!isAimError(e, 'RUNTIME_SHUTDOWN')) throw e;
  }
  if (r === undefined || r[0] !== R_READY) {
    owner._open = false;
    owner._release();
    void worker.terminate();
    if (r !== undefined && r[0] === R_FAILED) throw aimError('ATTACH_FAILED', 'attach: ' + r[2], { stack: r[3] });
    throw aimError('ATTACH_FAILED', 'attach: the engine did not start within ' + ms + ' ms');
  }
  owner._setRecords(r[2] as RecordEntry[]);
  return owner;
}
