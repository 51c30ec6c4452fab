/**
 * A record at run time: its buffer storage, its readers and its counters (CONTRACT §2).
 *
 * Sequence numbers: the k-th value ever produced has seq k (1-based); `_head` is the seq of the
 * newest value. Ring slot of seq s is `(s - 1) % capacity`. Storage is allocated once, here.
 */
import { BUFFER_MAILBOX, BUFFER_SINGLE_LATEST, BUFFER_SPMC_RING, NumericLayout, Origin, RecordMetrics } from './api.js';
import { HAS_TYPED_ARRAYS } from './bytes.js';
import type { Runnable, Scheduler } from './scheduler.js';
import { ReaderImpl } from './reader.js';
import type { Logger } from './runtime/context.js';
import { hasOwn } from './dev.js';

/** Typed-array constructor per number kind (resolved once, at build). */
function typedArrayFor(kind: string, n: number): ArrayLike<number> & { [i: number]: number } {
  switch (kind) {
    case 'i8': return new Int8Array(n);
    case 'u8': return new Uint8Array(n);
    case 'i16': return new Int16Array(n);
    case 'u16': return new Uint16Array(n);
    case 'i32': return new Int32Array(n);
    case 'u32': return new Uint32Array(n);
    case 'f32': return new Float32Array(n);
    default: return new Float64Array(n);
  }
}

/** What a record is, fixed at build; read by introspection (`records()`, the graph), never by the
 *  produce/deliver path. */
export interface RecMeta {
  /** Value type tag of the key. */
  type: string;
  /** Which kind of stage writes the record. */
  origin: Origin;
  /** Marked writable over AimX (`.remote({ writable: true })`). */
  remoteWritable: boolean;
  /** Input keys of its transform or join; `null` for other origins. */
  inputs: string[] | null;
  /** Taps configured on it. */
  taps: number;
}

/** Error-path counters of a record, made on its first refusal or exception. */
export interface RecordFaults {
  /** Values `produce` refused. */
  rejected: number;
  /** Exceptions thrown by its readers' callbacks or by the transform or join writing it. */
  errors: number;
}

/** Number kinds a layout may use. */
export const NUMBER_KINDS = ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'f32', 'f64'];

/** Run-time record. Internal: users reach it through keys and the database. It is also the
 *  record's {@link Producer} (`produce`), so producing is one call with no wrapper.
 *
 *  Field order matters on Espruino, where an object's properties are a list searched from the
 *  front on every access: the fields the produce/deliver path touches come first, and facts read
 *  only by introspection sit in one `_meta` object. */
export class Rec implements Runnable {
  /** Seq of the newest value (= values produced since build; not reset by resetMetrics). */
  _head: number;
  /** Buffer kind (0 = no buffer). */
  _kind: number;
  _cap: number;
  /** Object slots (rings without a typed layout) or the single slot (index 0). */
  _slots: any[];
  /** Field names of a compact layout; `null` for object slots. */
  _fields: string[] | null;
  /** Readers with a listener (`each` or `recv`). */
  _listeners: number;
  _queued: boolean;
  consumed: number;
  /** Newest value of a compact ring, a mailbox or a record without buffer (see `_newest`). */
  _latest: any;
  _readers: ReaderImpl[];
  _next: Runnable | null;
  _sched: Scheduler;
  /** Mailbox: a value is pending. */
  _pending: boolean;
  dropped: number;
  /** `_head` when the counters were last reset: values produced since = `_head - _base`. */
  _base: number;
  /** Full key. */
  key: string;
  /** Index in the database. */
  id: number;
  /** Typed arrays of a compact layout, one per field; `null` for object slots. */
  _columns: Array<{ [i: number]: number }> | null;
  /** Mailbox round-robin position among readers. */
  _mailboxTurn: number;
  _log: Logger;
  /** What the record is, fixed at build (introspection only). */
  _meta: RecMeta;
  /** Values refused and exceptions counted (see {@link Rec._refuse}, {@link Rec._fault}); `null` until the
   *  first, so a record that never fails pays one field, not two counters. */
  _faults: RecordFaults | null;

  /** Writes a value (see {@link produceInto}). */
  produce: (v: any) => boolean;

  constructor(key: string, id: number, kind: number, capacity: number, layout: NumericLayout | undefined, sched: Scheduler, log: Logger) {
    // An own property, not a prototype method: an interpreter finds a method only after searching
    // every own property, on every call; `produce` is the call made once per value.
    this.produce = produceInto;
    this._head = 0;
    this._kind = kind;
    this._cap = kind === BUFFER_SPMC_RING ? capacity : kind === 0 ? 0 : 1;
    this._slots = [];
    this._fields = null;
    this._listeners = 0;
    this._queued = false;
    this.consumed = 0;
    this._latest = undefined;
    this._readers = [];
    this._next = null;
    this._sched = sched;
    this._pending = false;
    this.dropped = 0;
    this._base = 0;
    this.key = key;
    this.id = id;
    this._columns = null;
    this._mailboxTurn = 0;
    this._log = log;
    this._meta = { type: '', origin: 'passive', remoteWritable: false, inputs: null, taps: 0 };
    this._faults = null;
    if (kind === BUFFER_SPMC_RING && layout && HAS_TYPED_ARRAYS) {
      const fields: string[] = [];
      const cols: Array<{ [i: number]: number }> = [];
      for (const f in layout) {
        if (!hasOwn(layout, f)) continue;
        fields.push(f);
        cols.push(typedArrayFor(layout[f], capacity));
      }
      this._fields = fields;
      this._columns = cols;
    } else {
      // Without typed arrays a layout ring keeps the value objects themselves, but it refuses the same
      // values a compact ring does, so that a producer sees one contract on every engine.
      if (kind === BUFFER_SPMC_RING && layout) this.produce = this._produceObject;
      // Preallocate so that the ring never grows (Espruino arrays are linked lists: grow once).
      for (let i = 0; i < this._cap; i++) this._slots.push(undefined);
    }
  }

  /** The newest value produced (any buffer kind, rings included), or `undefined`. Introspection. */
  _newest(): any {
    const head = this._head;
    if (head === 0) return undefined;
    if (this._kind === BUFFER_SPMC_RING && this._fields === null) return this._slots[(head - 1) % this._cap];
    if (this._kind === BUFFER_SINGLE_LATEST) return this._slots[0];
    return this._latest;
  }

  /** Adds a reader positioned at "now" (rings: no replay; SingleLatest: current value pending). */
  _subscribe(): ReaderImpl {
    const r = new ReaderImpl(this);
    this._readers.push(r);
    return r;
  }

  _unsubscribe(r: ReaderImpl): void {
    const i = this._readers.indexOf(r);
    if (i >= 0) this._readers.splice(i, 1);
  }

  /** Asks the scheduler to deliver, if any listener may have something to read. */
  _wake(): void {
    if (this._listeners > 0 && !this._queued && this._more()) this._sched._enqueue(this);
  }

  /** Reads the value at `seq` of a ring into `target` (compact) or returns the slot object. */
  _ringValue(seq: number, target: any): any {
    const idx = (seq - 1) % this._cap;
    const fields = this._fields;
    if (fields === null) return this._slots[idx];
    const cols = this._columns as Array<{ [i: number]: number }>;
    for (let f = 0; f < fields.length; f++) target[fields[f]] = cols[f][idx];
    return target;
  }

  _more(): boolean {
    const readers = this._readers;
    if (this._kind === BUFFER_MAILBOX) {
      if (!this._pending) return false;
      for (let i = 0; i < readers.length; i++) if (readers[i]._ready()) return true;
      return false;
    }
    for (let i = 0; i < readers.length; i++) if (readers[i]._ready() && readers[i]._hasData()) return true;
    return false;
  }

  _run(budget: number): number {
    const readers = this._readers;
    let used = 0;
    if (this._kind === BUFFER_MAILBOX) {
      // Competitive: each value goes to exactly one ready reader, round-robin for fairness.
      const n = readers.length;
      for (let tries = 0; this._pending && used < budget && tries < n; tries++) {
        if (this._mailboxTurn >= n) this._mailboxTurn = 0;
        const r = readers[this._mailboxTurn++];
        if (r._ready()) {
          used += r._deliver(1);
          tries = -1;
        }
      }
      return used;
    }
    for (let i = 0; i < readers.length && used < budget; i++) {
      const r = readers[i];
      if (r._ready()) used += r._deliver(budget - used);
    }
    return used;
  }

  /** Counters and occupancy, as a fresh object (off the hot path). */
  _metrics(): RecordMetrics {
    let occupancy = 0;
    if (this._kind === BUFFER_SPMC_RING) {
      for (let i = 0; i < this._readers.length; i++) {
        let backlog = this._head - (this._readers[i]._cursor - 1);
        if (backlog > this._cap) backlog = this._cap;
        if (backlog > occupancy) occupancy = backlog;
      }
    } else if (this._kind === BUFFER_SINGLE_LATEST) occupancy = this._head > 0 ? 1 : 0;
    else if (this._kind === BUFFER_MAILBOX) occupancy = this._pending ? 1 : 0;
    return {
      produced: this._head - this._base,
      consumed: this.consumed,
      dropped: this.dropped,
      rejected: this._faults !== null ? this._faults.rejected : 0,
      errors: this._faults !== null ? this._faults.errors : 0,
      occupancy: occupancy,
      capacity: this._cap,
    };
  }

  /** The current value without consuming it (SingleLatest, Mailbox); `undefined` for rings. */
  _peek(): any {
    if (this._kind === BUFFER_SINGLE_LATEST) return this._head > 0 ? this._slots[0] : undefined;
    if (this._kind === BUFFER_MAILBOX) return this._pending ? this._slots[0] : undefined;
    return undefined;
  }

  _resetMetrics(): void {
    this._base = this._head;
    this.consumed = 0;
    this.dropped = 0;
    this._faults = null;
  }

  /** `produce` of a ring with a numeric layout on an engine without typed arrays: refuses a non-object.
   *  A method, not a top-level function: each top-level name costs a board's global scope. */
  _produceObject(v: any): boolean {
    if (typeof v !== 'object' || v === null) return this._refuse();
    return produceInto.call(this, v);
  }

  /** Counts a value `produce` refused; returns false for the caller to return. */
  _refuse(): boolean {
    if (this._faults === null) this._faults = { rejected: 0, errors: 0 };
    this._faults.rejected++;
    return false;
  }

  /** Counts an exception thrown by a reader of this record or by the stage writing it. */
  _fault(): void {
    if (this._faults === null) this._faults = { rejected: 0, errors: 0 };
    this._faults.errors++;
  }

  /** Closes every reader (database stop). */
  _closeAll(): void {
    while (this._readers.length > 0) this._readers[0].close();
  }
}

/**
 * Writes a value into a record (its `produce`). Synchronous, never blocks, never throws; readers are
 * woken by the scheduler.
 *
 * A value the record cannot hold is refused rather than thrown on: `undefined` for every buffer kind
 * (it means "no value" to `peek`, to a transform's result and to a deserializer's), and anything but an
 * object for a ring with a numeric layout (its fields are read into typed arrays). A refused value is
 * not stored, wakes no reader, leaves `produced` unchanged and adds one to `rejected`.
 *
 * @returns Whether the value was stored (inbound links count a refused payload as a decode error).
 */
export function produceInto(this: Rec, v: any): boolean {
  if (v === undefined) return this._refuse();
  const kind = this._kind;
  const head = this._head;
  if (kind === BUFFER_SPMC_RING) {
    const fields = this._fields;
    if (fields === null) this._slots[head % this._cap] = v;
    else {
      if (typeof v !== 'object' || v === null) return this._refuse();
      // A compact ring keeps numbers only: remember the value object for introspection.
      this._latest = v;
      const idx = head % this._cap;
      const cols = this._columns as Array<{ [i: number]: number }>;
      for (let f = 0; f < fields.length; f++) cols[f][idx] = +v[fields[f]];
    }
  } else if (kind === BUFFER_SINGLE_LATEST) this._slots[0] = v;
  else {
    // Mailbox slots are emptied when taken; a record without a buffer keeps only this.
    this._latest = v;
    if (kind === BUFFER_MAILBOX) {
      if (this._pending) this.dropped++;
      this._slots[0] = v;
      this._pending = true;
    }
  }
  this._head = head + 1;
  if (this._listeners > 0 && !this._queued) this._sched._enqueue(this);
  return true;
}
