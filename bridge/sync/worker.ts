/**
 * `tsWorker()`: a `worker_threads` Worker whose entry may be a TypeScript file (through boot.mjs,
 * which registers tsx inside the worker; Node 20 ignores `execArgv: ['--import', 'tsx']` for a
 * worker's entry module).
 */
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The bootstrap module. */
export const BOOT_URL = new URL('./boot.mjs', import.meta.url);

/** A `file:` URL string for a module given as a URL, a `file:` string or a path (relative: to cwd). */
export function moduleHref(m: string | URL): string {
  if (m instanceof URL) return m.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(m) && !/^[a-z]:[\\/]/i.test(m)) return m;
  return pathToFileURL(m).href;
}

/** Flags a worker's execArgv may not carry (process-wide in Node). */
const WORKER_REFUSED = /^--(expose-gc|expose_gc|max-old-space-size|max-semi-space-size|perf-basic-prof|prof|cpu-prof)/;

/**
 * Starts a worker running `entry` (TypeScript or JavaScript). `options` are Worker options
 * (`workerData`, `transferList`, …); `options.argv` is kept, the entry is appended after it and
 * removed again before the entry runs.
 *
 * @example
 * const d = handle.share();
 * const w = tsWorker(new URL('./consumer.ts', import.meta.url), { workerData: d, transferList: [d.port] });
 */
export function tsWorker(entry: string | URL, options: WorkerOptions = {}): Worker {
  const argv = (options.argv ?? []).slice();
  argv.push(moduleHref(entry));
  // A parent started with `--import tsx` passes it on; inside the worker boot.mjs registers tsx
  // itself, so drop it to avoid registering the loader twice.
  // Workers refuse process-wide flags (`--expose-gc`, `--max-old-space-size`, … throw
  // ERR_WORKER_INVALID_EXEC_ARGV); tsx is registered by the boot module instead of `--import`.
  const execArgv = (options.execArgv ?? process.execArgv).filter(
    (a, i, all) => !(a === 'tsx' && all[i - 1] === '--import') && !(a === '--import' && all[i + 1] === 'tsx') && a !== '--import=tsx' && !WORKER_REFUSED.test(a),
  );
  return new Worker(BOOT_URL, Object.assign({}, options, { argv, execArgv }));
}
