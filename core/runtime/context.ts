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

/**
 * A logger bound to one source. One small object with prototype methods: a closure per level per
 * source cost about 150 JsVars per record on Espruino. Lines below the sink's threshold are dropped
 * before formatting.
 */
class SourceLogger implements Logger {
  _sink: LogSink;
  _source: string;
  constructor(sink: LogSink, source: string) {
    this._sink = sink;
    this._source = source;
  }
  _write(level: LogLevel, message: string): void {
    if (LOG_RANK[level] >= this._sink.minRank) this._sink.adapter.log(level, this._source, message);
  }
  debug(message: string): void {
    this._write('debug', message);
  }
  info(message: string): void {
    this._write('info', message);
  }
  warn(message: string): void {
    this._write('warn', message);
  }
  error(message: string): void {
    this._write('error', message);
  }
}

/** Makes a logger for one source. */
export function makeLogger(sink: LogSink, source: string): Logger {
  return new SourceLogger(sink, source);
}

/**
 * The RuntimeContext of one record's stages (or of a component). Its methods live on the
 * prototype, so a context is one object and a logger, not five closures.
 */
export class StageContext implements RuntimeContext {
  readonly key: string;
  readonly log: Logger;
  _adapter: RuntimeAdapter;
  _timers: TimerSet;
  constructor(sink: LogSink, timers: TimerSet, key: string) {
    this.key = key;
    this.log = new SourceLogger(sink, key);
    this._adapter = sink.adapter;
    this._timers = timers;
  }
  now(): number {
    return this._adapter.now();
  }
  wallClock(): number | undefined {
    return this._adapter.wallClock();
  }
  after(ms: number, fn: () => void): Timer {
    return this._timers.add(fn, ms, false);
  }
  every(ms: number, fn: () => void): Timer {
    return this._timers.add(fn, ms, true);
  }
}

/** Makes the RuntimeContext for one record's stages. */
export function makeContext(sink: LogSink, timers: TimerSet, key: string): StageContext {
  return new StageContext(sink, timers, key);
}
