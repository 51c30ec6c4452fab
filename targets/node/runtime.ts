/**
 * The Node runtime adapter (edge gateway): `performance.now()` for monotonic time, `Date.now()` for
 * the wall clock, `setTimeout` timers, `setImmediate` for deferral (lets I/O run between batches),
 * and logs to a pluggable sink: human-readable lines or structured JSON lines.
 */
import type { LogLevel, RuntimeAdapter, TimerId } from '../../core/index.js';
import { performance } from 'node:perf_hooks';

/** One structured log record (the JSON-lines format). */
export interface LogRecord {
  /** Wall-clock time, ISO 8601. */
  time: string;
  level: LogLevel;
  /** Record key or component. */
  source: string;
  message: string;
}

/** Options of {@link nodeRuntime}. */
export interface NodeRuntimeOptions {
  /** Adapter name reported by `hello` and the graph. Default `'node'`. */
  name?: string;
  /** `transformJoin` queue default. Default `64` (server-sized, CONTRACT §3). */
  joinQueueCapacity?: number;
  /**
   * Log format: `'text'` (default) writes `time level source: message`; `'json'` writes one
   * {@link LogRecord} as a JSON line.
   */
  format?: 'text' | 'json';
  /** Where formatted lines go. Default: `process.stderr` (one line each, newline added). */
  sink?: (line: string) => void;
  /** Receives every log record unformatted instead of `sink` (e.g. to feed a dashboard). */
  onLog?: (record: LogRecord) => void;
  /** Lowest level written. Default `'info'`. */
  level?: LogLevel;
  /** Clock sources (tests). Defaults: `performance.now`, `Date.now`. */
  now?: () => number;
  wallClock?: () => number;
}

const RANK: { [l: string]: number } = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Makes the Node adapter.
 *
 * @example
 * const rt = nodeRuntime({ format: 'json', level: 'debug' });
 * const db = builder(rt).configure(...).build();
 */
export function nodeRuntime(options: NodeRuntimeOptions = {}): RuntimeAdapter {
  const now = options.now ?? (() => performance.now());
  const wall = options.wallClock ?? (() => Date.now());
  const minRank = RANK[options.level ?? 'info'];
  const json = options.format === 'json';
  const sink = options.sink ?? ((line: string) => void process.stderr.write(line + '\n'));
  const onLog = options.onLog;
  return {
    name: options.name ?? 'node',
    joinQueueCapacity: options.joinQueueCapacity ?? 64,
    now,
    wallClock: () => wall(),
    setTimer: (fn: () => void, ms: number): TimerId => setTimeout(fn, ms > 0 ? ms : 0),
    clearTimer: (id: TimerId) => {
      if (id) clearTimeout(id as NodeJS.Timeout);
    },
    defer: (fn: () => void) => {
      setImmediate(fn);
    },
    log: (level: LogLevel, source: string, message: string) => {
      if (RANK[level] < minRank) return;
      const time = new Date(wall()).toISOString();
      if (onLog) {
        onLog({ time, level, source, message });
        return;
      }
      sink(json ? JSON.stringify({ time, level, source, message }) : `${time} ${level} ${source}: ${message}`);
    },
  };
}
