/**
 * The JerryScript runtime adapter: the core's host-driven `manualRuntime`, named `jerryscript`,
 * MCU-sized (join queue 16), logging through the host's `print`.
 */
import { manualRuntime } from '../../core/index.js';
import type { LogLevel, ManualRuntime } from '../../core/index.js';

/** Options of {@link jerryRuntime}. */
export interface JerryRuntimeOptions {
  /** Writes one log line. Default: logs are dropped. */
  print?: (line: string) => void;
  /** Monotonic time of the first tick, in ms. Default `0`. */
  startMs?: number;
  /** Wall clock at `startMs` (ms since the epoch), when known. Default unknown. */
  wallClockAtStart?: number;
  /** `transformJoin` queue default. Default `16`. */
  joinQueueCapacity?: number;
}

/**
 * Makes the adapter. The firmware advances it with `tick(nowMs)`.
 *
 * @example
 * const rt = jerryRuntime({ print: aimdbHost.print });
 * aimdbHost.tick = rt.tick;
 */
export function jerryRuntime(options?: JerryRuntimeOptions): ManualRuntime {
  const opts = options || {};
  const out = opts.print;
  return manualRuntime({
    name: 'jerryscript',
    startMs: opts.startMs,
    wallClockAtStart: opts.wallClockAtStart,
    joinQueueCapacity: opts.joinQueueCapacity || 16,
    log: out
      ? function (level: LogLevel, source: string, message: string) {
          out(level + ' ' + source + ': ' + message);
        }
      : undefined,
  });
}
