/**
 * `record.query` for the AimX server: the handler the server calls with AimDB's parameters
 * (`name` pattern, `limit` per record, `start`/`end` in Unix ms) and that answers with AimDB's reply
 * shape, `{ records: [{ topic, payload, ts }], total }`, rows sorted by `ts` ascending. The reply
 * is cut to fit one AimX frame.
 */
import type { HistoryStore, QueryParams } from './store.js';

/** What the AimX server passes: AimDB's query parameters. */
export interface AimxQueryParams {
  name: string;
  limit?: number;
  start?: number;
  end?: number;
}

/**
 * Makes the handler (install it as the AimX server's `query` option).
 *
 * @param maxBytes JSON budget of one reply (default 60 KiB: under the 64 KiB AimX frame limit).
 * @example
 * const aimx = aimxServer(db, { query: historyQueryHandler(store) });
 */
export function historyQueryHandler(store: HistoryStore, maxBytes = 60 * 1024): (params: AimxQueryParams, done: (error: string | null, result?: unknown) => void) => void {
  return (params, done) => {
    try {
      done(null, store.query(params as QueryParams, maxBytes));
    } catch (e) {
      done((e as Error).message);
    }
  };
}
