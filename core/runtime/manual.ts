/**
 * A runtime adapter driven by its host: time moves only when the host says so. It serves two users:
 * - engines with no event loop (JerryScript, duktape, mujs): the firmware calls `tick(nowMs)`;
 * - tests: virtual time (`advance(ms)`, `runUntilIdle()`) makes every schedule exact.
 */
import { LogLevel, RuntimeAdapter, TimerId } from './adapter.js';

/** Options of {@link manualRuntime}. */
export interface ManualRuntimeOptions {
  /** Adapter name reported by `hello` and logs. Default `'host'`. */
  name?: string;
  /** Monotonic time at creation, in ms. Default `0`. */
  startMs?: number;
  /** Wall clock at `startMs`, in ms since the epoch; `undefined` (default) means "not known". */
  wallClockAtStart?: number;
  /** `transformJoin` queue default. Default `16` (MCU-sized). */
  joinQueueCapacity?: number;
  /** Where log lines go. Default: dropped. */
  log?: (level: LogLevel, source: string, message: string) => void;
  /** Deferred tasks run per `tick` before it returns, at most. Default `10000`. */
  maxTasksPerTick?: number;
}

/** A host-driven runtime adapter with the controls its host uses. */
export interface ManualRuntime extends RuntimeAdapter {
  /** Sets the clock to `nowMs` (ignored if earlier), then runs due timers and deferred tasks. */
  tick(nowMs: number): void;
  /** Moves the clock forward by `ms` in timer-sized steps, firing timers in order. */
  advance(ms: number): void;
  /** Runs deferred tasks (not timers) until none are left. Returns how many ran. */
  runUntilIdle(): number;
  /** Number of pending timers plus deferred tasks. */
  pending(): number;
  /** Due time of the next timer, or `-1` when none is armed (lets a host sleep until then). */
  nextDue(): number;
}

interface ManualTimer {
  due: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/**
 * Makes a host-driven adapter.
 *
 * @example
 * const rt = manualRuntime();
 * const db = builder(rt)....build();
 * db.start();
 * rt.advance(1000); // one virtual second: every timer due in it fires, in order
 */
export function manualRuntime(options?: ManualRuntimeOptions): ManualRuntime {
  const opts = options || {};
  let clock = opts.startMs || 0;
  const wallBase = opts.wallClockAtStart;
  const startClock = clock;
  const maxTasks = opts.maxTasksPerTick || 10000;
  const logFn = opts.log;
  // Timers sorted by (due, seq): insertion is a binary search; firing takes from the front.
  const timers: ManualTimer[] = [];
  // Deferred tasks: a FIFO over one array that never shrinks; both indices return to 0 when it
  // empties, so steady state neither allocates nor splices.
  const tasks: Array<(() => void) | undefined> = [];
  let taskHead = 0;
  let taskTail = 0;
  let seq = 0;

  function insert(t: ManualTimer) {
    let lo = 0;
    let hi = timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = timers[mid];
      if (m.due < t.due || (m.due === t.due && m.seq < t.seq)) lo = mid + 1;
      else hi = mid;
    }
    timers.splice(lo, 0, t);
  }

  function runTasks(limit: number): number {
    let ran = 0;
    while (taskHead < taskTail && ran < limit) {
      const fn = tasks[taskHead] as () => void;
      tasks[taskHead] = undefined;
      taskHead++;
      ran++;
      try {
        fn();
      } catch (e) {
        if (logFn) logFn('error', 'runtime', 'deferred task threw: ' + String(e));
      }
    }
    if (taskHead === taskTail) taskHead = taskTail = 0;
    return ran;
  }

  function fireDue(): void {
    while (timers.length > 0 && timers[0].due <= clock) {
      const t = timers.shift() as ManualTimer;
      if (!t.live) continue;
      t.live = false;
      try {
        t.fn();
      } catch (e) {
        if (logFn) logFn('error', 'runtime', 'timer threw: ' + String(e));
      }
      runTasks(maxTasks);
    }
  }

  const rt: ManualRuntime = {
    name: opts.name || 'host',
    joinQueueCapacity: opts.joinQueueCapacity || 16,
    now: function () {
      return clock;
    },
    wallClock: function () {
      return wallBase === undefined ? undefined : wallBase + (clock - startClock);
    },
    setTimer: function (fn: () => void, ms: number): TimerId {
      const t: ManualTimer = { due: clock + (ms > 0 ? ms : 0), seq: seq++, fn: fn, live: true };
      insert(t);
      return t;
    },
    clearTimer: function (id: TimerId) {
      const t = id as ManualTimer;
      if (!t || !t.live) return;
      t.live = false;
      const i = timers.indexOf(t);
      if (i >= 0) timers.splice(i, 1);
    },
    defer: function (fn: () => void) {
      if (taskTail < tasks.length) tasks[taskTail] = fn;
      else tasks.push(fn);
      taskTail++;
    },
    log: function (level: LogLevel, source: string, message: string) {
      if (logFn) logFn(level, source, message);
    },
    tick: function (nowMs: number) {
      if (nowMs > clock) clock = nowMs;
      runTasks(maxTasks);
      fireDue();
      runTasks(maxTasks);
    },
    advance: function (ms: number) {
      const end = clock + (ms > 0 ? ms : 0);
      runTasks(maxTasks);
      while (timers.length > 0 && timers[0].due <= end) {
        if (timers[0].due > clock) clock = timers[0].due;
        fireDue();
      }
      clock = end;
      runTasks(maxTasks);
    },
    runUntilIdle: function () {
      let total = 0;
      let n: number;
      do {
        n = runTasks(maxTasks);
        total += n;
      } while (n > 0);
      return total;
    },
    pending: function () {
      return timers.length + (taskTail - taskHead);
    },
    nextDue: function () {
      return timers.length > 0 ? timers[0].due : -1;
    },
  };
  return rt;
}
