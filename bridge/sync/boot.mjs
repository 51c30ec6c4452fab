/**
 * Worker bootstrap for TypeScript entries (used by `tsWorker()` and `attach()`).
 *
 * Why this file exists: on Node 20 (checked on 20.20.2), `new Worker('x.ts', { execArgv: ['--import',
 * 'tsx'] })` fails with ERR_UNKNOWN_FILE_EXTENSION: the `--import` hooks are not in place when the
 * worker loads its entry module. Registering tsx's loader from inside the worker (tsx/esm/api) and
 * then importing the entry works, also while the parent thread is blocked in `Atomics.wait`.
 *
 * The entry URL arrives as the last element of `process.argv` and is removed before the entry runs.
 * Without tsx installed (a compiled deployment) the entry is imported as it is.
 */
const entry = process.argv.pop();
try {
  const api = await import('tsx/esm/api');
  api.register();
} catch (e) {
  if (entry && /\.[cm]?ts$/.test(entry)) throw e;
}
await import(entry);
