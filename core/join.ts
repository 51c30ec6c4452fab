/**
 * transformJoin at run time (CONTRACT §3): every input has a forwarder (a reader) that pushes
 * `(input index, value)` into one bounded trigger queue, in arrival order. When the queue is full the
 * forwarders' gates close, so the scheduler stops delivering to them and their input rings may lag —
 * bounded memory, and no deadlock since the handler keeps draining the queue from the scheduler.
 */
import type { RecordKey } from './api.js';
import type { AsyncJoinHandler, JoinHandler, Trigger } from './config.js';
import type { ReaderImpl } from './reader.js';
import type { Rec } from './record.js';
import type { RuntimeContext } from './runtime/context.js';
import type { Runnable, Scheduler } from './scheduler.js';

/** The trigger handed to join handlers; one per join, reused for every trigger. */
class TriggerImpl implements Trigger {
  index: number;
  key: string;
  value: any;
  constructor() {
    this.index = -1;
    this.key = '';
    this.value = undefined;
  }
  as<I>(k: RecordKey<I>): I | undefined {
    return this.key === k.name ? (this.value as I) : undefined;
  }
}

/** Copies a compact-ring value (its reader reuses the object) so that it can wait in the queue. */
function snapshot(rec: Rec, v: any): any {
  const fields = rec._fields;
  if (fields === null) return v;
  const o: any = {};
  for (let f = 0; f < fields.length; f++) o[fields[f]] = v[fields[f]];
  return o;
}

/** One running join. */
export class JoinRun implements Runnable {
  _next: Runnable | null;
  _queued: boolean;
  _sched: Scheduler;
  _cap: number;
  _qIndex: number[];
  _qValue: any[];
  _qHead: number;
  _qSize: number;
  _trigger: TriggerImpl;
  _inputs: Rec[];
  _readers: ReaderImpl[];
  _sync: JoinHandler<any, any> | null;
  _async: AsyncJoinHandler<any, any> | null;
  /** The output record: the handler's producer, charged with the handler's errors. */
  _producer: Rec;
  _ctx: RuntimeContext;
  _state: any;
  _busy: boolean;
  _blocked: boolean;
  _gate: () => boolean;
  _done: () => void;
  /** Triggers handled (for tests and metrics). */
  handled: number;
  /** Times a forwarder found the queue full (backpressure applied). */
  stalls: number;

  constructor(sched: Scheduler, capacity: number, producer: Rec, ctx: RuntimeContext, sync: JoinHandler<any, any> | null, async: AsyncJoinHandler<any, any> | null, state: any) {
    this._next = null;
    this._queued = false;
    this._sched = sched;
    this._cap = capacity;
    this._qIndex = [];
    this._qValue = [];
    for (let i = 0; i < capacity; i++) {
      this._qIndex.push(0);
      this._qValue.push(undefined);
    }
    this._qHead = 0;
    this._qSize = 0;
    this._trigger = new TriggerImpl();
    this._inputs = [];
    this._readers = [];
    this._sync = sync;
    this._async = async;
    this._producer = producer;
    this._ctx = ctx;
    this._state = state;
    this._busy = false;
    this._blocked = false;
    this.handled = 0;
    this.stalls = 0;
    const self = this;
    this._gate = function () {
      if (self._qSize < self._cap) return true;
      if (!self._blocked) {
        self._blocked = true;
        self.stalls++;
      }
      return false;
    };
    this._done = function () {
      self._busy = false;
      if (self._qSize > 0) sched._enqueue(self);
    };
  }

  /** Subscribes a forwarder to input `rec` (called at start, before any source runs). */
  _addInput(rec: Rec): void {
    const index = this._inputs.length;
    const self = this;
    const reader = rec._subscribe();
    reader._gate = this._gate;
    this._inputs.push(rec);
    this._readers.push(reader);
    reader.each(
      function (v: any) {
        self._push(index, snapshot(rec, v));
      },
      function (missed: number) {
        self._ctx.log.debug("join input '" + rec.key + "' lagged by " + missed);
      },
    );
  }

  _push(index: number, value: any): void {
    const slot = (this._qHead + this._qSize) % this._cap;
    this._qIndex[slot] = index;
    this._qValue[slot] = value;
    this._qSize++;
    if (!this._busy) this._sched._enqueue(this);
  }

  _more(): boolean {
    return this._qSize > 0 && !this._busy;
  }

  _run(budget: number): number {
    let used = 0;
    const t = this._trigger;
    while (this._qSize > 0 && used < budget && !this._busy) {
      const slot = this._qHead;
      t.index = this._qIndex[slot];
      t.key = this._inputs[t.index].key;
      t.value = this._qValue[slot];
      this._qValue[slot] = undefined;
      this._qHead = (slot + 1) % this._cap;
      this._qSize--;
      used++;
      this.handled++;
      try {
        if (this._async !== null) {
          this._busy = true;
          this._async(t, this._producer, this._done, this._ctx, this._state);
        } else (this._sync as JoinHandler<any, any>)(t, this._producer, this._ctx, this._state);
      } catch (e) {
        this._busy = false;
        this._producer._fault();
        this._ctx.log.error('join handler threw: ' + String(e));
      }
    }
    if (this._blocked && this._qSize < this._cap) {
      // Room again: reopen the forwarders' gates by waking their records.
      this._blocked = false;
      for (let i = 0; i < this._inputs.length; i++) this._inputs[i]._wake();
    }
    return used;
  }

  /** Unsubscribes the forwarders. */
  _close(): void {
    for (let i = 0; i < this._readers.length; i++) this._readers[i].close();
  }
}
