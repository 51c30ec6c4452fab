/**
 * The Espruino runtime adapter: time from `getTime()` (seconds, float), timers from `setTimeout`,
 * deferral through `setTimeout(fn, 0)` (Espruino has no `setImmediate`), logs through `print`.
 */
import type { LogLevel, RuntimeAdapter, TimerId } from '../../core/index.js';
import { espClearTimeout, espGetTime, espPrint, espSetTimeout } from './globals.js';

/** Options of {@link espruinoRuntime}. */
export interface EspruinoRuntimeOptions {
  /** Adapter name reported by `hello` and logs. Default `'espruino'`. */
  name?: string;
  /** `transformJoin` queue default. Default `16` (MCU-sized, CONTRACT §3). */
  joinQueueCapacity?: number;
  /** Wall clock in ms since the epoch at this moment, when known (e.g. from SNTP). Default unknown. */
  wallClockNow?: number;
  /** Where log lines go. Default: `print('level source: message')`. */
  log?: (level: LogLevel, source: string, message: string) => void;
}

/** An Espruino adapter; `setWallClock` records the time once the device learns it. */
export interface EspruinoRuntime extends RuntimeAdapter {
  /** Sets the wall clock (ms since the epoch) as of now. */
  setWallClock(epochMs: number): void;
}

function printLog(level: LogLevel, source: string, message: string): void {
  espPrint(level + ' ' + source + ': ' + message);
}

/**
 * Makes the Espruino adapter.
 *
 * @example
 * const db = builder(espruinoRuntime()).configure(...).build();
 * E.on('init', function () { db.start(); });
 */
export function espruinoRuntime(options?: EspruinoRuntimeOptions): EspruinoRuntime {
  const opts = options || {};
  // getTime() may jump when the host calls setTime(); keep `now` monotonic anyway.
  let last = 0;
  let wallOffset: number | undefined = undefined;
  function now(): number {
    const t = espGetTime() * 1000;
    if (t > last) last = t;
    return last;
  }
  const rt: EspruinoRuntime = {
    name: opts.name || 'espruino',
    joinQueueCapacity: opts.joinQueueCapacity || 16,
    now: now,
    wallClock: function () {
      return wallOffset === undefined ? undefined : wallOffset + now();
    },
    setWallClock: function (epochMs: number) {
      wallOffset = epochMs - now();
    },
    setTimer: function (fn: () => void, ms: number): TimerId {
      return espSetTimeout(fn, ms > 0 ? ms : 0);
    },
    clearTimer: function (id: TimerId) {
      if (id === undefined || id === null) return;
      // Espruino throws "Unknown Timeout" for a timer that already fired; the contract says no-op.
      try {
        espClearTimeout(id as number);
      } catch (e) {
        /* already fired or cancelled */
      }
    },
    defer: function (fn: () => void) {
      espSetTimeout(fn, 0);
    },
    log: opts.log || printLog,
  };
  if (opts.wallClockNow !== undefined) rt.setWallClock(opts.wallClockNow);
  return rt;
}
