/**
 * Promise and async-iterator twins of the core's callback readers (STYLE.md principle 5: callbacks
 * in core, Promises at the Node edge).
 */
import { RECV_LAGGED, RECV_VALUE, aimError, type Reader } from '../../core/index.js';

/** One result of {@link recvAsync}. */
export type RecvResult<T> = { kind: 'value'; value: T; seq: number } | { kind: 'lagged'; missed: number } | { kind: 'closed' };

/**
 * Waits for the reader's next result.
 *
 * @example
 * const r = await recvAsync(db.subscribe(Temp));
 * if (r.kind === 'value') console.log(r.value);
 */
export function recvAsync<T>(reader: Reader<T>): Promise<RecvResult<T>> {
  return new Promise((resolve) => {
    reader.recv((status, value, missed) => {
      if (status === RECV_VALUE) resolve({ kind: 'value', value: value as T, seq: reader.seq });
      else if (status === RECV_LAGGED) resolve({ kind: 'lagged', missed });
      else resolve({ kind: 'closed' });
    });
  });
}

/**
 * Iterates a reader's values; lags are skipped (pass `onLag` to see them). Ends when the reader is
 * closed (e.g. by `db.stop()`); `break` closes it.
 *
 * @example
 * for await (const v of values(db.subscribe(Temp))) console.log(v.celsius);
 */
export async function* values<T>(reader: Reader<T>, onLag?: (missed: number) => void): AsyncGenerator<T, void, undefined> {
  try {
    for (;;) {
      const r = await recvAsync(reader);
      if (r.kind === 'closed') return;
      if (r.kind === 'lagged') {
        onLag?.(r.missed);
        continue;
      }
      yield r.value;
    }
  } finally {
    reader.close();
  }
}

/** Rejects after `ms` unless `p` settles first (error code TIMEOUT). */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(aimError('TIMEOUT', `timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

