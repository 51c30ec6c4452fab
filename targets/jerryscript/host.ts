/**
 * The host contract of the JerryScript target (see README.md for the C-facing table). JerryScript
 * is an engine without timers, event loop, console or require (ENGINES.md §3): the firmware creates
 * one global object, `aimdbHost`, with the functions it offers, evaluates the bundle, and then drives
 * it through the functions the bundle added to that object.
 */
import type { ByteChunk } from '../../core/index.js';

/** Functions the firmware supplies on `aimdbHost` before evaluating the bundle. */
export interface HostApi {
  /** Writes one log line (required). */
  print(line: string): void;
  /** Sends bytes on the board's UART, as a binary string (one char per byte). Optional. */
  write?(bytes: string): void;
  /** Wall clock (ms since the epoch) at the moment of the first `tick`, when the host knows it. */
  wallClockMs?: number;

  /** Set by the bundle: advance time to `nowMs` (monotonic, ms) and run what is due. */
  tick?(nowMs: number): void;
  /** Set by the bundle: bytes received on the UART (binary string or array of byte values). */
  receive?(chunk: ByteChunk): void;
  /** Set by the bundle: due time of the next timer in ms, or -1 (the host may sleep until then). */
  nextDue?(): number;
  /** Set by the bundle: stops the app. */
  stop?(): void;
}
