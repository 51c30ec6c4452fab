/**
 * The caller side of a connection: blocking producers and consumers over one MessagePort and one
 * doorbell word (protocol.ts). A connection belongs to one thread; other threads open their own
 * with `openHandle(handle.share())`.
 *
 * Waiting: read the doorbell, look for the reply with `receiveMessageOnPort`, and only if there is
 * none `Atomics.wait` on the doorbell's old value. The engine posts (synchronously queued) before it
 * rings, so no wake-up is lost. Waits are cut in slices of {@link SLICE_MS} to notice an engine that
 * died without ringing (its state word says so).
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { aimError, type RecordKey, type RecordMetrics } from '../../core/index.js';
import {
  BELL,
  CONN_WORDS,
  DONE,
  GET_BLOCK,
  GET_LATEST,
  GET_TRY,
  INFLIGHT,
  OP_CANCEL,
  OP_CLOSE,
  OP_CLOSE_READER,
  OP_CONNECT,
  OP_GET,
  OP_METRICS,
  OP_SET,
  OP_SUBSCRIBE,
  R_CANCELLED,
  R_CLOSED,
  R_EMPTY,
  R_ERROR,
  R_OK,
  R_VALUE,
  STATE,
  STATE_STOPPED,
  type RecordEntry,
  type SyncDescriptor,
} from './protocol.js';
import type { GetResult, SyncConsumer, SyncHandle, SyncProducer } from './types.js';

/** Longest single `Atomics.wait`, so that a dead engine is noticed (ms). */
export const SLICE_MS = 250;

/** A reply: `[code, id, ...]`. */
type Reply = [number, number, any?, any?, any?];

function shutdown(what: string): Error {
  return aimError('RUNTIME_SHUTDOWN', what + ': the engine has stopped');
}

/** One thread's connection to the engine. Made by `attach()` (owner) or {@link openHandle}. */
export class Connection implements SyncHandle {
  _port: MessagePort;
  _state: Int32Array;
  _conn: Int32Array;
  _records: RecordEntry[];
  _byName: { [name: string]: RecordEntry };
  _queue: number;
  _nextId: number;
  _sent: number;
  _open: boolean;

  constructor(port: MessagePort, state: SharedArrayBuffer, conn: SharedArrayBuffer, records: RecordEntry[], queue: number) {
    this._port = port;
    this._state = new Int32Array(state);
    this._conn = new Int32Array(conn);
    this._records = records;
    this._byName = {};
    for (const r of records) this._byName[r.name] = r;
    this._queue = queue;
    this._nextId = 1;
    this._sent = 0;
    this._open = true;
    // The port must not keep this thread alive, and nothing reads it through events.
    port.unref();
  }

  get attached(): boolean {
    return this._open && Atomics.load(this._state, STATE) !== STATE_STOPPED;
  }

  records(): RecordEntry[] {
    return this._records.slice();
  }

  _entry(key: { readonly name: string }): RecordEntry {
    const e = this._byName[key.name];
    if (!e) throw aimError('NOT_FOUND', "record '" + key.name + "' is not configured in the attached database");
    return e;
  }

  _check(what: string): void {
    if (!this.attached) throw shutdown(what);
  }

  _post(msg: unknown[], transfer?: MessagePort[]): void {
    this._port.postMessage(msg, transfer);
  }

  /**
   * Waits for the reply with id `id` (older replies are stale and dropped) until `deadline`
   * (ms, `performance.now()` clock; Infinity: no bound). Returns undefined on timeout.
   */
  _await(id: number, deadline: number, what: string): Reply | undefined {
    const conn = this._conn;
    for (;;) {
      const bell = Atomics.load(conn, BELL);
      for (let m = receiveMessageOnPort(this._port); m !== undefined; m = receiveMessageOnPort(this._port)) {
        const r = m.message as Reply;
        if (r[1] === id) return r;
      }
      if (Atomics.load(this._state, STATE) === STATE_STOPPED) throw shutdown(what);
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      Atomics.wait(conn, BELL, bell, left < SLICE_MS ? left : SLICE_MS);
    }
  }

  /** Sends a request and waits for its reply without a bound; R_ERROR becomes a thrown error. */
  _call(id: number, what: string): Reply {
    const r = this._await(id, Infinity, what) as Reply;
    if (r[0] === R_ERROR) throw aimError(r[2].code || 'INTERNAL', r[2].message);
    return r;
  }

  producer<T>(key: RecordKey<T>): SyncProducer<T> {
    this._check('producer');
    const e = this._entry(key);
    if (!e.settable) throw aimError('NOT_WRITABLE', "record '" + e.name + "' is written by its own producer stage (one authoritative producer per key)");
    return new Producer<T>(this, e);
  }

  consumer<T>(key: RecordKey<T>): SyncConsumer<T> {
    this._check('consumer');
    const e = this._entry(key);
    const id = this._nextId++;
    this._post([OP_SUBSCRIBE, id, e.id]);
    const r = this._call(id, 'consumer');
    return new Consumer<T>(this, e, r[2] as number);
  }

  metrics<T>(key: RecordKey<T>): RecordMetrics {
    this._check('metrics');
    const e = this._entry(key);
    const id = this._nextId++;
    this._post([OP_METRICS, id, e.id]);
    return this._call(id, 'metrics')[2] as RecordMetrics;
  }

  share(): SyncDescriptor {
    this._check('share');
    const ch = new MessageChannel();
    const conn = new SharedArrayBuffer(CONN_WORDS * 4);
    // The engine starts reading port2 when it handles this message; commands sent on port1 before
    // that wait in port2's queue, so the new connection needs no handshake.
    this._post([OP_CONNECT, ch.port2, conn], [ch.port2]);
    return { kind: 'aimdb-sync', version: 1, state: this._state.buffer as SharedArrayBuffer, conn, port: ch.port1, records: this._records, queue: this._queue };
  }

  detach(): void {
    this.detachTimeout(5000);
  }

  detachTimeout(_ms: number): void {
    if (!this._open) return;
    this._open = false;
    if (Atomics.load(this._state, STATE) !== STATE_STOPPED) this._post([OP_CLOSE]);
    this._port.close();
  }

  /** Posts one set; false when the channel is full. */
  _trySet(recordId: number, value: unknown): boolean {
    if (Atomics.add(this._conn, INFLIGHT, 1) >= this._queue) {
      Atomics.sub(this._conn, INFLIGHT, 1);
      return false;
    }
    try {
      this._post([OP_SET, recordId, value]);
    } catch (e) {
      // Not clonable (DataCloneError): nothing was sent, so nothing is in flight.
      Atomics.sub(this._conn, INFLIGHT, 1);
      throw e;
    }
    this._sent = (this._sent + 1) | 0;
    return true;
  }

  /** Waits until there is room, posts, then waits until the engine has produced it. */
  _set(recordId: number, value: unknown, ms: number): void {
    const conn = this._conn;
    const deadline = performance.now() + ms;
    for (;;) {
      const bell = Atomics.load(conn, BELL);
      if (Atomics.load(this._state, STATE) === STATE_STOPPED || !this._open) throw shutdown('set');
      if (this._trySet(recordId, value)) break;
      const left = deadline - performance.now();
      if (left <= 0) throw aimError('SET_TIMEOUT', 'set: command channel still full after ' + ms + ' ms (value not sent)');
      Atomics.wait(conn, BELL, bell, left < SLICE_MS ? left : SLICE_MS);
    }
    const ticket = this._sent;
    for (;;) {
      const bell = Atomics.load(conn, BELL);
      // Wrap-safe "DONE >= ticket": the counters are int32 and wrap after 2^31 sets.
      if (((Atomics.load(conn, DONE) - ticket) | 0) >= 0) return;
      if (Atomics.load(this._state, STATE) === STATE_STOPPED) throw shutdown('set');
      const left = deadline - performance.now();
      if (left <= 0) throw aimError('SET_TIMEOUT', 'set: not confirmed by the engine within ' + ms + ' ms (it may still be produced)');
      Atomics.wait(conn, BELL, bell, left < SLICE_MS ? left : SLICE_MS);
    }
  }
}

/** The {@link SyncProducer} implementation. */
class Producer<T> implements SyncProducer<T> {
  readonly key: string;
  _c: Connection;
  _id: number;

  constructor(c: Connection, e: RecordEntry) {
    this.key = e.name;
    this._c = c;
    this._id = e.id;
  }

  set(value: T): void {
    this._c._set(this._id, value, Infinity);
  }

  setWithTimeout(value: T, ms: number): void {
    this._c._set(this._id, value, ms);
  }

  trySet(value: T): boolean {
    this._c._check('trySet');
    return this._c._trySet(this._id, value);
  }
}

/** The {@link SyncConsumer} implementation. */
class Consumer<T> implements SyncConsumer<T> {
  readonly key: string;
  missed: number;
  _c: Connection;
  _reader: number;
  _closed: boolean;

  constructor(c: Connection, e: RecordEntry, reader: number) {
    this.key = e.name;
    this.missed = 0;
    this._c = c;
    this._reader = reader;
    this._closed = false;
  }

  get(): T {
    return this._read(Infinity).value;
  }

  getWithTimeout(ms: number): T {
    return this._read(ms).value;
  }

  getResult(ms?: number): GetResult<T> {
    return this._read(ms === undefined ? Infinity : ms);
  }

  tryGet(): T | undefined {
    return this._now(GET_TRY);
  }

  getLatest(): T | undefined {
    return this._now(GET_LATEST);
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    if (this._c.attached) this._c._post([OP_CLOSE_READER, this._reader]);
  }

  _start(what: string, mode: number): number {
    if (this._closed) throw shutdown(what + ' (consumer closed)');
    this._c._check(what);
    const id = this._c._nextId++;
    this._c._post([OP_GET, id, this._reader, mode]);
    return id;
  }

  _value(r: Reply, what: string): GetResult<T> | undefined {
    if (r[0] === R_VALUE) {
      this.missed += r[4] as number;
      return { value: r[2] as T, seq: r[3] as number, missed: r[4] as number };
    }
    if (r[0] === R_EMPTY) {
      this.missed += r[2] as number;
      return undefined;
    }
    if (r[0] === R_CLOSED) throw shutdown(what);
    throw aimError('INTERNAL', what + ': unexpected reply ' + r[0]);
  }

  _now(mode: number): T | undefined {
    const what = mode === GET_TRY ? 'tryGet' : 'getLatest';
    const id = this._start(what, mode);
    const res = this._value(this._c._call(id, what), what);
    return res === undefined ? undefined : res.value;
  }

  /**
   * A blocking get. On timeout it cancels the engine's pending read and waits for the cancel to be
   * confirmed: a value the engine sent in the meantime is returned (late, never lost — Mailbox
   * values are taken on read); otherwise GET_TIMEOUT.
   */
  _read(ms: number): GetResult<T> {
    const id = this._start('get', GET_BLOCK);
    const deadline = ms === Infinity ? Infinity : performance.now() + ms;
    const r = this._c._await(id, deadline, 'get');
    if (r !== undefined) return this._value(r, 'get') as GetResult<T>;
    this._c._post([OP_CANCEL, id, this._reader]);
    let late: GetResult<T> | undefined;
    for (;;) {
      const c = this._c._await(id, Infinity, 'get') as Reply;
      if (c[0] === R_CANCELLED) break;
      if (c[0] === R_VALUE) late = this._value(c, 'get');
      else if (c[0] === R_CLOSED) throw shutdown('get');
    }
    if (late !== undefined) return late;
    throw aimError('GET_TIMEOUT', "get on '" + this.key + "': no value within " + ms + ' ms');
  }
}

/**
 * Opens a connection from a descriptor made by `handle.share()` in another thread. `detach()` on it
 * closes this connection only; the engine keeps running for the others.
 *
 * @example
 * // main thread
 * const d = handle.share();
 * const w = tsWorker(new URL('./reader.ts', import.meta.url), { workerData: d, transferList: [d.port] });
 * // reader.ts
 * const h = openHandle(workerData as SyncDescriptor);
 * console.log(h.consumer(Temp).get());
 */
export function openHandle(d: SyncDescriptor): SyncHandle {
  if (!d || d.kind !== 'aimdb-sync' || d.version !== 1) throw aimError('INVALID_ARGUMENT', 'openHandle: not an AimDB sync descriptor (version 1)');
  return new Connection(d.port, d.state, d.conn, d.records, d.queue);
}
