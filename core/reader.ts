/**
 * A reader: one subscriber's cursor into a record's buffer (CONTRACT §2, "Reader operations").
 * Ring readers hold a sequence-number cursor; SingleLatest readers the last seq they saw; Mailbox
 * readers compete for the one pending value.
 */
import {
  BUFFER_MAILBOX,
  BUFFER_SINGLE_LATEST,
  BUFFER_SPMC_RING,
  RECV_CLOSED,
  RECV_EMPTY,
  RECV_LAGGED,
  RECV_VALUE,
  Reader,
  RecvStatus,
} from './api.js';
import { aimError } from './errors.js';
import { DEV } from './dev.js';
import type { Rec } from './record.js';

type OnValue = (value: any, seq: number) => void;
type OnLag = (missed: number) => void;
type OnceCb = (status: RecvStatus, value: any, missed: number) => void;

/** The lag handler a tap's reader gets when it gives none: the lag is logged on its record. */
export function LOG_LAG(_missed: number): void {}

/** The reader implementation behind {@link Reader}. Fields the delivery path reads come first
 *  (Espruino searches an object's properties from the front). */
export class ReaderImpl implements Reader<any> {
  /** Ring: seq of the next value to read. */
  _cursor: number;
  _closed: boolean;
  _rec: Rec;
  _onValue: OnValue | null;
  _once: OnceCb | null;
  /** Backpressure gate: while it returns false the scheduler does not deliver to this reader. */
  _gate: (() => boolean) | null;
  value: any;
  seq: number;
  _onLag: OnLag | null;
  missed: number;
  /** SingleLatest: seq of the last value seen (0: none yet). */
  _lastSeq: number;
  /** Reused target object for compact (typed-array) rings. */
  _obj: any;
  key: string;

  constructor(rec: Rec) {
    this._cursor = rec._head + 1;
    this._closed = false;
    this._rec = rec;
    this._onValue = null;
    this._once = null;
    this._gate = null;
    this.value = undefined;
    this.seq = 0;
    this._onLag = null;
    this.missed = 0;
    this._lastSeq = 0;
    this._obj = rec._fields !== null ? {} : undefined;
    this.key = rec.key;
  }

  tryRecv(): RecvStatus {
    if (this._closed) return RECV_CLOSED;
    const rec = this._rec;
    const kind = rec._kind;
    const head = rec._head;
    if (kind === BUFFER_SPMC_RING) {
      const c = this._cursor;
      if (c > head) return RECV_EMPTY;
      const oldest = head - rec._cap + 1;
      if (c < oldest) {
        // Fell behind: report Lagged(n) once, then resume at the oldest retained value.
        this.missed = oldest - c;
        rec.dropped += this.missed;
        this._cursor = oldest;
        return RECV_LAGGED;
      }
      this.value = rec._ringValue(c, this._obj);
      this.seq = c;
      this._cursor = c + 1;
      rec.consumed++;
      return RECV_VALUE;
    }
    if (kind === BUFFER_SINGLE_LATEST) {
      if (head === 0 || this._lastSeq === head) return RECV_EMPTY;
      // Values between two reads of this reader were collapsed: count them as dropped.
      if (this._lastSeq > 0 && head - this._lastSeq > 1) rec.dropped += head - this._lastSeq - 1;
      this.value = rec._slots[0];
      this.seq = head;
      this._lastSeq = head;
      rec.consumed++;
      return RECV_VALUE;
    }
    if (kind === BUFFER_MAILBOX) {
      if (!rec._pending) return RECV_EMPTY;
      rec._pending = false;
      this.value = rec._slots[0];
      rec._slots[0] = undefined;
      this.seq = head;
      rec.consumed++;
      return RECV_VALUE;
    }
    return RECV_EMPTY;
  }

  /** True when a read now would return something. */
  _hasData(): boolean {
    const rec = this._rec;
    if (rec._kind === BUFFER_SPMC_RING) return this._cursor <= rec._head;
    if (rec._kind === BUFFER_SINGLE_LATEST) return rec._head > 0 && this._lastSeq !== rec._head;
    if (rec._kind === BUFFER_MAILBOX) return rec._pending;
    return false;
  }

  /** True when the scheduler may deliver to this reader now. */
  _ready(): boolean {
    return (this._onValue !== null || this._once !== null) && (this._gate === null || this._gate());
  }

  /** Delivers up to `budget` values to the listener. Returns how many results were delivered. */
  _deliver(budget: number): number {
    const rec = this._rec;
    if (rec._kind === BUFFER_SPMC_RING && rec._fields === null && this._once === null && this._gate === null) return this._deliverRing(budget);
    let used = 0;
    while (used < budget) {
      if (this._gate !== null && !this._gate()) break;
      const st = this.tryRecv();
      if (st === RECV_EMPTY || st === RECV_CLOSED) break;
      used++;
      const once = this._once;
      if (once !== null) {
        this._once = null;
        if (this._onValue === null) this._rec._listeners--;
        this._call(once, st);
        break;
      }
      if (st === RECV_LAGGED) {
        if (this._onLag !== null) this._callLag(this.missed);
        continue;
      }
      try {
        (this._onValue as OnValue)(this.value, this.seq);
      } catch (e) {
        this._rec._fault();
        this._rec._log.error('subscriber threw: ' + String(e));
      }
    }
    return used;
  }

  /**
   * The ring fast path for `each()` listeners on object slots: a run of slots per call instead of one
   * `tryRecv` per value, one `try` per run rather than per value (an interpreter pays for each), and
   * the consumed counter added once. A listener may produce into this record or close this reader,
   * so both are checked after every value; a lag falls back to `tryRecv`, which reports it.
   */
  _deliverRing(budget: number): number {
    const rec = this._rec;
    const cap = rec._cap;
    const slots = rec._slots;
    let used = 0;
    let lags = 0;
    for (;;) {
      try {
        let c = this._cursor;
        while (used < budget && !this._closed) {
          const head = rec._head;
          if (c > head) break;
          used++;
          if (c <= head - cap) {
            // Lagged: tryRecv reports it once and moves the cursor to the oldest retained value.
            this.tryRecv();
            lags++;
            c = this._cursor;
            if (this._onLag !== null) this._callLag(this.missed);
            continue;
          }
          this._cursor = c + 1;
          (this._onValue as OnValue)(slots[(c - 1) % cap], c);
          c++;
        }
        const taken = used - lags;
        rec.consumed += taken;
        // `value` and `seq` describe the last value read (written once per run, not per value).
        if (taken > 0) {
          this.seq = this._cursor - 1;
          this.value = slots[(this.seq - 1) % cap];
        }
        return used;
      } catch (e) {
        rec._fault();
        rec._log.error('subscriber threw: ' + String(e));
      }
    }
  }

  _call(cb: OnceCb, st: RecvStatus): void {
    try {
      cb(st, st === RECV_VALUE ? this.value : undefined, st === RECV_LAGGED ? this.missed : 0);
    } catch (e) {
      this._rec._fault();
      this._rec._log.error('recv callback threw: ' + String(e));
    }
  }

  _callLag(n: number): void {
    if (this._onLag === LOG_LAG) {
      this._rec._log.warn('tap lagged by ' + n);
      return;
    }
    try {
      (this._onLag as OnLag)(n);
    } catch (e) {
      this._rec._fault();
      this._rec._log.error('lag handler threw: ' + String(e));
    }
  }

  recv(cb: OnceCb): void {
    if (this._closed) {
      this._rec._sched._adapter.defer(function () {
        cb(RECV_CLOSED, undefined, 0);
      });
      return;
    }
    if (this._onValue !== null) throw aimError('INVALID_ARGUMENT', DEV ? "reader of '" + this.key + "': recv() while each() is active" : this.key);
    if (this._once !== null) throw aimError('INVALID_ARGUMENT', DEV ? "reader of '" + this.key + "': recv() already pending" : this.key);
    this._once = cb;
    this._rec._listeners++;
    this._rec._wake();
  }

  cancelRecv(): boolean {
    if (this._once === null) return false;
    this._once = null;
    if (this._onValue === null) this._rec._listeners--;
    return true;
  }

  each(onValue: OnValue, onLag?: OnLag): void {
    if (this._closed) return;
    if (this._once !== null) throw aimError('INVALID_ARGUMENT', DEV ? "reader of '" + this.key + "': each() while recv() is pending" : this.key);
    if (this._onValue === null) this._rec._listeners++;
    this._onValue = onValue;
    this._onLag = onLag || null;
    this._rec._wake();
  }

  peek(): any {
    return this._rec._peek();
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    if (this._onValue !== null || this._once !== null) this._rec._listeners--;
    const once = this._once;
    this._onValue = null;
    this._once = null;
    this._rec._unsubscribe(this);
    if (once !== null) {
      this._rec._sched._adapter.defer(function () {
        once(RECV_CLOSED, undefined, 0);
      });
    }
  }
}
