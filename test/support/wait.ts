/**
 * The one polling helper of the tests that run real sockets, brokers or processes, where virtual
 * time cannot reach: it waits for a condition (the event's visible effect), never for a fixed time.
 */

/** Resolves after `ms` of real time. Only for pacing a load, never to let something "happen". */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `cond` every 5 ms until it holds; resolves with the milliseconds it took, rejects after
 * `timeoutMs` naming `what` (a string, or a function called at the time out for the current state).
 *
 * @example await waitFor(() => got.length === 3, 2000, 'three messages');
 */
export async function waitFor(cond: () => boolean, timeoutMs = 5000, what: string | (() => string) = 'condition'): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(5);
  }
  return Date.now() - t0;
}
