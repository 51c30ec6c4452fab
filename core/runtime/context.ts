/**
 * The RuntimeContext handed to every stage (CONTRACT §3): time, timers and a leveled log, all routed
 * through the database's runtime adapter so that stages never touch host globals.
 */
import { LOG_RANK, LogLevel, RuntimeAdapter, TimerId } from './adapter.js';

/** A cancellable timer made by {@link RuntimeContext.after} or {@link RuntimeContext.every}. */
export interface Timer {
  /** Stops the timer. Safe to call more than once. */
  cancel(): void;
}

/** A leveled logger bound to one source (a record key or a component). */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What every stage receives: the host's services, scoped to one record. */
export interface RuntimeContext {
  /** Key of the record the stage belongs to. */
  readonly key: string;
  /** Monotonic milliseconds. */
  now(): number;
  /** Milliseconds since the Unix epoch, or `undefined` when the device does not know the time. */
  wallClock(): number | undefined;
  /** Calls `fn` once after `ms` milliseconds. */
  after(ms: number, fn: () => void): Timer;
  /** Calls `fn` every `ms` milliseconds until cancelled or the database stops. */
  every(ms: number, fn: () => void): Timer;
  /** Logger whose lines carry this record's key. */
  readonly log: Logger;
}

/** Shared log level threshold and the adapter, held once per database. */
export interface LogSink {
  adapter: RuntimeAdapter;
  /** Lowest level written (rank from {@link LOG_RANK}). */
  minRank: number;
}

/** One timer; re-arms itself when repeating. Internal to {@link TimerSet}. */
class TimerImpl implements Timer {
  _owner: TimerSet;
  _fn: () => void;
  _ms: number;
  _repeat: boolean;
  _id: TimerId;
  _live: boolean;
  constructor(owner: TimerSet, fn: () => void, ms: number, repeat: boolean) {
    this._owner = owner;
    this._fn = fn;
    this._ms = ms < 0 ? 0 : ms;
    this._repeat = repeat;
    this._id = undefined;
    this._live = true;
  }
  _arm(): void {
    const self = this;
    this._id = this._owner._adapter.setTimer(function () {
      self._fire();
    }, this._ms);
  }
  _fire(): void {
    if (!this._live) return;
    if (this._repeat) this._arm();
    else {
      this._live = false;
      this._owner._remove(this);
    }
    try {
      this._fn();
    } catch (e) {
      this._owner._adapter.log('error', 'timer', 'timer callback threw: ' + String(e));
    }
  }
  cancel(): void {
    if (!this._live) return;
    this._live = false;
    this._owner._adapter.clearTimer(this._id);
    this._owner._remove(this);
  }
}

/**
 * Every timer the database's stages made, so that `stop()` cancels them all.
 * Internal: the database owns one.
 */
export class TimerSet {
  _adapter: RuntimeAdapter;
  _timers: TimerImpl[];
  constructor(adapter: RuntimeAdapter) {
    this._adapter = adapter;
    this._timers = [];
  }
  /** Makes and arms a timer. */
  add(fn: () => void, ms: number, repeat: boolean): Timer {
    const t = new TimerImpl(this, fn, ms, repeat);
    this._timers.push(t);
    t._arm();
    return t;
  }
  _remove(t: TimerImpl): void {
    const i = this._timers.indexOf(t);
    if (i >= 0) this._timers.splice(i, 1);
  }
  /** Cancels every live timer. */
  cancelAll(): void {
    while (this._timers.length > 0) this._timers[0].cancel();
  }
  /** Number of live timers (for tests and metrics). */
  get size(): number {
    return this._timers.length;
  }
}

/** Makes a logger for one source. Lines below the sink's threshold are dropped before formatting. */
export function makeLogger(sink: LogSink, source: string): Logger {
  function at(level: LogLevel) {
    const rank = LOG_RANK[level];
    return function (message: string) {
      if (rank >= sink.minRank) sink.adapter.log(level, source, message);
    };
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Makes the RuntimeContext for one record's stages. */
export function makeContext(sink: LogSink, timers: TimerSet, key: string): RuntimeContext {
  const adapter = sink.adapter;
  return {
    key: key,
    now: function () {
      return adapter.now();
    },
    wallClock: function () {
      return adapter.wallClock();
    },
    after: function (ms: number, fn: () => void) {
      return timers.add(fn, ms, false);
    },
    every: function (ms: number, fn: () => void) {
      return timers.add(fn, ms, true);
    },
    log: makeLogger(sink, key),
  };
}
