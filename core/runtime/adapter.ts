/**
 * The runtime adapter: the only way the core reaches time, timers, deferral and logging. Each target
 * (`targets/node`, `targets/espruino`, `targets/jerryscript`) supplies one; the core touches no host
 * global (STYLE.md principle 1).
 */

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Numeric rank of each level; a logger drops lines below its threshold. */
export const LOG_RANK: { [level: string]: number } = { debug: 10, info: 20, warn: 30, error: 40 };

/** An opaque timer handle returned by {@link RuntimeAdapter.setTimer}. */
export type TimerId = unknown;

/**
 * What a target provides to the core.
 *
 * @example
 * const adapter: RuntimeAdapter = {
 *   name: 'node', joinQueueCapacity: 64,
 *   now: () => performance.now(), wallClock: () => Date.now(),
 *   setTimer: (fn, ms) => setTimeout(fn, ms), clearTimer: (t) => clearTimeout(t as any),
 *   defer: (fn) => setImmediate(fn),
 *   log: (level, source, msg) => console.log(level, source, msg),
 * };
 */
export interface RuntimeAdapter {
  /** Short name of the target, shown by `hello` and the graph (e.g. `node`, `espruino`, `host`). */
  readonly name: string;
  /** Default capacity of a `transformJoin` trigger queue: 64 on servers, 16 on MCUs (CONTRACT §3). */
  readonly joinQueueCapacity: number;
  /** Monotonic time in milliseconds (any origin; never goes backwards). */
  now(): number;
  /** Wall-clock time in milliseconds since the Unix epoch, or `undefined` while unknown. */
  wallClock(): number | undefined;
  /** Calls `fn` once after `ms` milliseconds (clamped to ≥ 0). */
  setTimer(fn: () => void, ms: number): TimerId;
  /** Cancels a timer made by {@link setTimer}; cancelling twice or after it fired does nothing. */
  clearTimer(id: TimerId): void;
  /**
   * Calls `fn` soon, after the current call stack has unwound and with a chance for I/O to run first
   * (Node: `setImmediate`; Espruino: `setTimeout(fn, 0)`; host-driven: the next `tick`).
   */
  defer(fn: () => void): void;
  /** Writes one log line. `source` is the record key or component name. */
  log(level: LogLevel, source: string, message: string): void;
}
