/**
 * What the AimX server needs from a built database: exactly the introspection and access methods
 * the core's database object provides (`builder(...).build()`). Declared here structurally so the
 * protocol code and its tests depend on the shape, not on the implementation.
 */
import type { Graph, Reader, RecordInfo } from '../api.js';
import type { RuntimeContext } from '../runtime/context.js';

/** The database surface AimX dispatches against. */
export interface AimxDatabase {
  /** One row per record, metrics included. */
  records(): RecordInfo[];
  /** The dataflow graph. */
  graph(): Graph;
  /** Zeroes every record's metrics. */
  resetMetrics(): void;
  /** Zeroes the stage counters (scheduler deliveries, join triggers); `profiling.reset`. Optional. */
  resetProfiling?(): void;
  /** Record id of `name`, or -1. */
  findRecord(name: string): number;
  /** Last value produced into the record (rings too), or `undefined`. */
  latest(id: number): unknown;
  /** A new reader of the record (see {@link Reader}). */
  subscribeById(id: number): Reader<unknown>;
  /**
   * Produces `value` into the record; throws `NOT_WRITABLE` for records with a producer stage and
   * `INVALID_ARGUMENT` for a value the record refuses. May return how far the value went (a gateway
   * says `accepted` or `delivered`); `record.set` replies carry it as `delivery`.
   */
  setById(id: number, value: unknown): void | string;
  /** Node id of this database. */
  readonly nodeId: string;
  /** Name of the runtime adapter (`node`, `espruino`, `host`). */
  readonly runtimeName: string;
  /** A RuntimeContext for a component (logging, timers). */
  context(source: string): RuntimeContext;
}
