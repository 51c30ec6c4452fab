/**
 * The public shapes of the blocking API (CONTRACT §8). Implementations: handle.ts (caller side),
 * engine.ts (engine thread), attach.ts (starting and stopping the engine).
 */
import type { Builder, LogLevel, RecordKey, RecordMetrics } from '../../core/index.js';
import type { LogRecord } from '../../targets/node/runtime.js';
import type { RecordEntry, SyncDescriptor } from './protocol.js';

/** Buffer type names as in `db.records()`. */
export type BufferType = 'spmc_ring' | 'single_latest' | 'mailbox' | 'none';

/**
 * The function a configuration module exports. It receives a builder that already has the Node
 * runtime adapter, and adds records, sources, taps, transforms, links and connectors. The same
 * function serves both ways in: the async API calls it on a builder of its own; `attach()` calls it
 * inside the engine thread. It may be async (the engine awaits it). `data` is `AttachOptions.data`.
 *
 * @example
 * export function configure(b: Builder): void {
 *   b.configure(Temp, (r) => r.buffer(ring(16)).tap((ctx, c) => void c.each((v) => ctx.log.info('t=' + v.celsius))));
 * }
 */
export type ConfigureFn = (b: Builder, data: unknown) => unknown;

/** Options of `attach()`. */
export interface AttachOptions {
  /**
   * The configuration module, loaded in the engine thread: a `file:` URL (best:
   * `new URL('./app.ts', import.meta.url)`), an absolute path, or a path relative to `process.cwd()`.
   * TypeScript modules work (the engine registers tsx). Required.
   */
  module: string | URL;
  /** Name of the {@link ConfigureFn} the module exports. Default `'configure'`. */
  export?: string;
  /** Structured-clonable data handed to the configure function as its second argument. Default `undefined`. */
  data?: unknown;
  /** Node id of the engine's database. Default: the builder's (`'aimdb'`) unless configure sets one. */
  nodeId?: string;
  /** Lowest log level the engine writes. Default `'info'`. */
  logLevel?: LogLevel;
  /**
   * Receives the engine's log records on the attaching thread (delivered when its event loop turns;
   * whatever is left is delivered by `detach()` before it returns). Default: the engine writes text
   * lines to its own `process.stderr`, which Node forwards to the process's stderr.
   */
  onLog?: (record: LogRecord) => void;
  /**
   * Command channel capacity per connection: sets posted by `trySet` and not yet produced by the
   * engine. `trySet` returns false at capacity; `set` waits for room. Default 64 (values).
   */
  queue?: number;
  /** How long `attach()` waits for the engine to build and start the database. Default 10000 (ms). */
  startTimeoutMs?: number;
}

/** One value read through a {@link SyncConsumer}, with the lag just before it. */
export interface GetResult<T> {
  value: T;
  /** Record sequence number of the value (1 for the first value ever produced). */
  seq: number;
  /** Ring only: values this consumer missed (Lagged) just before this one; 0 otherwise. */
  missed: number;
}

/**
 * Writes one record from a blocking thread. Values are copied to the engine by structured clone.
 *
 * @example
 * const p = handle.producer(Cmd);
 * p.set({ on: true });               // returns once the engine has produced it
 * if (!p.trySet({ on: false })) console.log('command channel full');
 */
export interface SyncProducer<T> {
  readonly key: string;
  /**
   * Produces `value` and blocks until the engine has produced it into the record (one round trip),
   * so a read made afterwards from any thread sees it. Waits for room first if this connection has
   * `queue` trySet values in flight. Throws RUNTIME_SHUTDOWN when the engine stops.
   */
  set(value: T): void;
  /** Like {@link set}, giving up after `ms` (SET_TIMEOUT). A value already posted may still be produced. */
  setWithTimeout(value: T, ms: number): void;
  /**
   * Posts `value` without waiting: true when it entered the command channel (the engine produces it
   * soon, in order with this connection's other sets), false when `queue` values are in flight.
   */
  trySet(value: T): boolean;
}

/**
 * Reads one record from a blocking thread, with its own reader in the engine, made when
 * `handle.consumer(key)` returned (ring: it sees values produced after that; SingleLatest: the
 * current value first; Mailbox: competes with every other reader of the record).
 *
 * @example
 * const c = handle.consumer(Temp);
 * const v = c.get();                 // blocks
 * const w = c.getWithTimeout(100);   // GET_TIMEOUT after 100 ms
 * const x = c.tryGet();              // undefined when nothing new
 */
export interface SyncConsumer<T> {
  readonly key: string;
  /** Blocks until the next value (ring lags are skipped and counted in {@link missed}). RUNTIME_SHUTDOWN when the engine stops. */
  get(): T;
  /** Like {@link get}, giving up after `ms` with GET_TIMEOUT. Nothing is consumed by a timed-out get. */
  getWithTimeout(ms: number): T;
  /** {@link get} with the sequence number and the lag count; `ms` bounds the wait (GET_TIMEOUT). */
  getResult(ms?: number): GetResult<T>;
  /** The next value if there is one now, else `undefined`. Never waits for a value (one round trip). */
  tryGet(): T | undefined;
  /** Drains what this consumer has not read and returns the newest of it, or `undefined`. Never waits. */
  getLatest(): T | undefined;
  /** Total values this consumer missed to ring lag so far. */
  readonly missed: number;
  /** Closes this consumer's reader in the engine. Later reads throw RUNTIME_SHUTDOWN. */
  close(): void;
}

/**
 * A connection to a running engine, usable from one thread. `attach()` returns the owner's;
 * `openHandle(descriptor)` opens one in another thread.
 */
export interface SyncHandle {
  /** The records of the database (name, id, buffer, settable). */
  records(): RecordEntry[];
  /** A producer of a settable record. NOT_FOUND / NOT_WRITABLE (checked here, no round trip). */
  producer<T>(key: RecordKey<T>): SyncProducer<T>;
  /** A consumer with a new reader (one round trip). NOT_FOUND when the record is unknown. */
  consumer<T>(key: RecordKey<T>): SyncConsumer<T>;
  /** The record's counters, read in the engine (one round trip). */
  metrics<T>(key: RecordKey<T>): RecordMetrics;
  /**
   * A descriptor for a new connection, to open in another thread with `openHandle()`. Pass it in
   * `workerData` (or `postMessage`) with `transferList: [descriptor.port]`.
   */
  share(): SyncDescriptor;
  /** True until this handle is detached or the engine stops. */
  readonly attached: boolean;
  /**
   * Owner handle: stops the database and the engine thread, waiting up to 5000 ms (DETACH_FAILED
   * after that; the thread is terminated anyway). Every blocked caller in every thread returns
   * RUNTIME_SHUTDOWN. Handle from `openHandle`: closes this connection only (its readers are
   * closed). A second call does nothing.
   */
  detach(): void;
  /** {@link detach} with a bound of `ms`. */
  detachTimeout(ms: number): void;
}
