/**
 * Buffer configurations (CONTRACT §2). Capacities are fixed here; storage is allocated once when the
 * database is built.
 */
import { BUFFER_MAILBOX, BUFFER_SINGLE_LATEST, BUFFER_SPMC_RING, BufferConfig, BufferKind, NumericLayout } from './api.js';

/** Options of {@link ring}. */
export interface RingOptions {
  /** Compact numeric layout: each field in one preallocated typed array. Default: object slots. */
  layout?: NumericLayout;
}

/**
 * An SPMC ring of `capacity` values: every reader sees every value in order unless it falls more
 * than `capacity` behind, in which case it gets one `Lagged(n)` and resumes at the oldest value.
 *
 * @param capacity Slots, ≥ 1.
 * @example reg.buffer(ring(256, { layout: { t: 'f64', v: 'f32' } }))
 */
export function ring(capacity: number, options?: RingOptions): BufferConfig {
  const cfg: { kind: BufferKind; capacity: number; layout?: NumericLayout } = { kind: BUFFER_SPMC_RING, capacity: capacity };
  if (options && options.layout) cfg.layout = options.layout;
  return cfg;
}

/** SingleLatest: one slot holding the current value; a fresh reader gets it once. */
export function singleLatest(): BufferConfig {
  return { kind: BUFFER_SINGLE_LATEST, capacity: 1 };
}

/** Mailbox: one slot, take-on-read, competitive between readers (commands). */
export function mailbox(): BufferConfig {
  return { kind: BUFFER_MAILBOX, capacity: 1 };
}

/** Wire and graph name of a buffer kind. */
export function bufferTypeName(kind: number): 'spmc_ring' | 'single_latest' | 'mailbox' | 'none' {
  return kind === BUFFER_SPMC_RING ? 'spmc_ring' : kind === BUFFER_SINGLE_LATEST ? 'single_latest' : kind === BUFFER_MAILBOX ? 'mailbox' : 'none';
}
