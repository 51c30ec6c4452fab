/**
 * The cooperative scheduler. `produce()` only marks a record runnable; deliveries
 * happen here, never on the producer's stack. Runnable items form an intrusive FIFO (no allocation
 * per message); a drain runs at most `batch` deliveries, then yields through `adapter.defer` so
 * timers and I/O get their turn.
 */
import type { RuntimeAdapter } from './runtime/adapter.js';

/** Something the scheduler can run: a record delivering to its readers, or a join handler. */
export interface Runnable {
  /** Intrusive queue link. */
  _next: Runnable | null;
  /** True while queued. */
  _queued: boolean;
  /** Runs up to `budget` deliveries. Returns how many it made; `_more()` tells if it must run again. */
  _run(budget: number): number;
  /** True when it has more to deliver now. */
  _more(): boolean;
}

/** Default deliveries per drain before yielding. */
export const DEFAULT_BATCH = 256;
/** Default deliveries one runnable may make per turn, so that one busy record cannot starve others. */
export const DEFAULT_TURN = 32;

/** The scheduler. One per database. */
export class Scheduler {
  _adapter: RuntimeAdapter;
  _head: Runnable | null;
  _tail: Runnable | null;
  _scheduled: boolean;
  _stopped: boolean;
  _batch: number;
  _turn: number;
  _drainFn: () => void;
  /** Deliveries made since creation (for benchmarks and tests). */
  delivered: number;
  /** Drains run (each ends by emptying the queue or yielding). */
  drains: number;

  constructor(adapter: RuntimeAdapter, batch?: number, turn?: number) {
    this._adapter = adapter;
    this._head = null;
    this._tail = null;
    this._scheduled = false;
    this._stopped = false;
    this._batch = batch || DEFAULT_BATCH;
    this._turn = turn || DEFAULT_TURN;
    this.delivered = 0;
    this.drains = 0;
    const self = this;
    // Bound once: the drain callback handed to `defer` is the same function every time.
    this._drainFn = function () {
      self._drain();
    };
  }

  /** Queues `r` unless it is queued already, and asks for a drain. */
  _enqueue(r: Runnable): void {
    if (r._queued || this._stopped) return;
    r._queued = true;
    r._next = null;
    if (this._tail) this._tail._next = r;
    else this._head = r;
    this._tail = r;
    if (!this._scheduled) {
      this._scheduled = true;
      this._adapter.defer(this._drainFn);
    }
  }

  _drain(): void {
    this._scheduled = false;
    if (this._stopped) return;
    this.drains++;
    let budget = this._batch;
    while (this._head !== null && budget > 0) {
      const r = this._head;
      this._head = r._next;
      if (this._head === null) this._tail = null;
      r._next = null;
      r._queued = false;
      const used = r._run(budget < this._turn ? budget : this._turn);
      budget -= used;
      this.delivered += used;
      if (r._more()) this._enqueue(r);
    }
    if (this._head !== null && !this._scheduled) {
      this._scheduled = true;
      this._adapter.defer(this._drainFn);
    }
  }

  /** Stops delivering; queued work is dropped. */
  _stop(): void {
    this._stopped = true;
    let r = this._head;
    while (r !== null) {
      const n: Runnable | null = r._next;
      r._queued = false;
      r._next = null;
      r = n;
    }
    this._head = this._tail = null;
  }

  /** Number of queued runnables (for tests). */
  get queued(): number {
    let n = 0;
    for (let r = this._head; r !== null; r = r._next) n++;
    return n;
  }
}
