/**
 * The wire between a blocking caller thread and the engine thread (CONTRACT §8, docs/SYNC-API.md).
 *
 * Two things cross: messages on a `MessagePort` (commands one way, replies the other; values inside
 * them are copied by structured clone), and a few `Int32Array` words in `SharedArrayBuffer`s that the
 * caller waits on with `Atomics.wait` and the engine rings with `Atomics.notify`. The caller reads a
 * reply with `receiveMessageOnPort`, so it never needs its own event loop to turn: that is what lets it
 * block.
 *
 * Messages are small arrays (`[op, ...]`), not objects, so that the clone is cheap.
 */
import type { MessagePort } from 'node:worker_threads';
import type { BufferType } from './types.js';

// ------------------------------------------------------------------ engine-wide state words

/** Index of the engine state in the state buffer. */
export const STATE = 0;
/** Engine is loading the configuration module. */
export const STATE_STARTING = 0;
/** Database built and started; commands are served. */
export const STATE_RUNNING = 1;
/** Detached or died: every blocked caller returns RUNTIME_SHUTDOWN. */
export const STATE_STOPPED = 2;
/** The configuration module failed to load, configure or build. */
export const STATE_FAILED = 3;
/** Words in the state buffer. */
export const STATE_WORDS = 2;

// ------------------------------------------------------------------ per-connection words

/** Doorbell: the engine adds 1 and notifies after every reply, every processed set and at shutdown. */
export const BELL = 0;
/** Sets posted by this connection and not yet produced by the engine (trySet fails at capacity). */
export const INFLIGHT = 1;
/** Sets of this connection produced by the engine so far (wraps at 2^32; compare wrap-safe). */
export const DONE = 2;
/** Words in a connection buffer. */
export const CONN_WORDS = 4;

// ------------------------------------------------------------------ commands (caller → engine)

/** `[OP_SET, recordId, value]`: produce; no reply (DONE is counted instead). */
export const OP_SET = 1;
/** `[OP_SUBSCRIBE, reqId, recordId]` → `[R_OK, reqId, readerId]`. */
export const OP_SUBSCRIBE = 2;
/** `[OP_GET, getId, readerId, mode]` → `[R_VALUE, getId, value, seq, missed]` | `[R_EMPTY, getId, missed]` | `[R_CLOSED, getId]`. */
export const OP_GET = 3;
/** `[OP_CANCEL, getId, readerId]` → `[R_CANCELLED, getId]` (after any value reply of that get). */
export const OP_CANCEL = 4;
/** `[OP_CLOSE_READER, readerId]`: no reply. */
export const OP_CLOSE_READER = 5;
/** `[OP_CONNECT, port, connBuffer]`: a new connection (another thread's handle); no reply. */
export const OP_CONNECT = 6;
/** `[OP_CLOSE]`: this connection is done; the engine closes its readers. No reply. */
export const OP_CLOSE = 7;
/** `[OP_DETACH, reqId, timeoutMs]` (owner only) → `[R_OK, reqId, 0]` once pending deliveries ran and the database stopped. */
export const OP_DETACH = 8;
/** `[OP_METRICS, reqId, recordId]` → `[R_OK, reqId, RecordMetrics]`. */
export const OP_METRICS = 9;

/** Read modes of OP_GET. */
export const GET_TRY = 0;
export const GET_BLOCK = 1;
export const GET_LATEST = 2;

// ------------------------------------------------------------------ replies (engine → caller)

export const R_OK = 1;
export const R_VALUE = 2;
export const R_EMPTY = 3;
export const R_CLOSED = 4;
export const R_CANCELLED = 5;
export const R_ERROR = 6;
/** `[R_READY, records]` once the database runs (owner connection only). */
export const R_READY = 7;
/** `[R_FAILED, message, stack]` when the configuration failed (owner connection only). */
export const R_FAILED = 8;

/** One record as the handle sees it (sent once, at start). */
export interface RecordEntry {
  /** Full key. */
  name: string;
  /** Index in the engine's database. */
  id: number;
  bufferType: BufferType;
  bufferCapacity: number;
  /** True when the record has no source, transform or inbound link, so `producer(key)` may write it. */
  settable: boolean;
}

/**
 * What another thread needs to open a connection to a running engine: made by
 * `handle.share()`, passed to the thread (it is structured-clonable once `port` is in the transfer
 * list), opened there with `openHandle(descriptor)`. One descriptor opens one connection, once.
 */
export interface SyncDescriptor {
  readonly kind: 'aimdb-sync';
  readonly version: 1;
  /** Engine-wide state words. */
  readonly state: SharedArrayBuffer;
  /** This connection's doorbell and counters. */
  readonly conn: SharedArrayBuffer;
  /** This connection's end of its channel to the engine. Transfer it: `transferList: [d.port]`. */
  readonly port: MessagePort;
  readonly records: RecordEntry[];
  /** Command channel capacity (sets in flight) of this connection. */
  readonly queue: number;
}
