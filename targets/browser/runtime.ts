/**
 * The browser runtime adapter: `performance.now()` for monotonic time, `Date.now()` for the wall
 * clock, the page's `setTimeout` for timers, and deferral through a `MessageChannel` (a macrotask
 * that, unlike a nested `setTimeout(fn, 0)`, is not clamped to 4 ms, and lets the page render and
 * take input between scheduler batches). Logs go to the console or to a callback (the page's log
 * panel).
 */
import type { LogLevel, RuntimeAdapter, TimerId } from '../../core/index.js';
import { LOG_RANK } from '../../core/runtime/adapter.js';
import { browserGlobal, BrowserGlobal } from './globals.js';

/** Options of {@link browserRuntime}. */
export interface BrowserRuntimeOptions {
  /** Adapter name reported by `hello` and the graph. Default `'browser'`. */
  name?: string;
  /** `transformJoin` queue default. Default 64 (a page has memory to spare). */
  joinQueueCapacity?: number;
  /** Lowest level logged. Default `'info'`. */
  level?: LogLevel;
  /** Receives every log line at or above `level` instead of the console. */
  onLog?: (level: LogLevel, source: string, message: string) => void;
  /** The global object to use (tests). Default: the page's `self`/`window`. */
  host?: BrowserGlobal;
}

/**
 * Makes the adapter.
 *
 * @example
 * var db = AimDB.builder(AimDB.browserRuntime()).configure(...).build();
 */
export function browserRuntime(options?: BrowserRuntimeOptions): RuntimeAdapter {
  const opts = options || {};
  const g = opts.host || browserGlobal();
  const perf = g.performance;
  const minRank = LOG_RANK[opts.level || 'info'];
  // One channel, one pending message at a time: deferred functions queue here and run in one task.
  let queue: Array<() => void> = [];
  let posted = false;
  let channel: { port2: { postMessage(m: unknown): void } } | null = null;
  if (g.MessageChannel) {
    const ch = new g.MessageChannel();
    ch.port1.onmessage = function () {
      posted = false;
      const run = queue;
      queue = [];
      for (let i = 0; i < run.length; i++) run[i]();
    };
    channel = ch;
  }
  function log(level: LogLevel, source: string, message: string): void {
    if (LOG_RANK[level] < minRank) return;
    if (opts.onLog) return opts.onLog(level, source, message);
    const c = g.console;
    if (!c) return;
    const line = level + ' ' + source + ': ' + message;
    if (level === 'error') c.error(line);
    else if (level === 'warn') c.warn(line);
    else c.log(line);
  }
  return {
    name: opts.name || 'browser',
    joinQueueCapacity: opts.joinQueueCapacity || 64,
    now: perf
      ? function () {
          return perf.now();
        }
      : function () {
          return new Date().getTime();
        },
    wallClock: function () {
      return new Date().getTime();
    },
    setTimer: function (fn: () => void, ms: number): TimerId {
      return g.setTimeout(fn, ms > 0 ? ms : 0);
    },
    clearTimer: function (id: TimerId) {
      if (id !== undefined && id !== null) g.clearTimeout(id);
    },
    defer: function (fn: () => void) {
      if (!channel) {
        g.setTimeout(fn, 0);
        return;
      }
      queue.push(fn);
      if (!posted) {
        posted = true;
        channel.port2.postMessage(0);
      }
    },
    log: log,
  };
}
