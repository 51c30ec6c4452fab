/**
 * The public surface of the AimDB.js core, as types. Implementations live beside this file; this
 * module holds no code so that every layer (targets, bridge, tools) can depend on the shapes alone.
 */
import type { ByteChunk } from './bytes.js';
import type { RuntimeContext } from './runtime/context.js';

// ---------------------------------------------------------------------------------------------
// Keys (CONTRACT §1)

/**
 * A typed record key. The value type `T` exists only for the compiler (a phantom), so producing a
 * `Humidity` into a `RecordKey<Temperature>` does not compile.
 */
export interface RecordKey<T> {
  /** The full key, e.g. `climate.zone-a.temp`. The record's identity. */
  readonly name: string;
  /** Name of the value type, used to detect a key reused with another type (`''` if untagged). */
  readonly type: string;
  /** Optional link address declared with the key (e.g. `mqtt://climate/zone-a/reading`). */
  readonly link?: string;
  /** Phantom: never set at run time. Makes `RecordKey` invariant in `T`. */
  readonly __value?: (v: T) => T;
}

/** The value type a key carries. */
export type ValueOf<K> = K extends RecordKey<infer T> ? T : never;

// ---------------------------------------------------------------------------------------------
// Buffers (CONTRACT §2)

/** Buffer kinds, as numbers so that the hot path compares integers. */
export const BUFFER_SPMC_RING = 1;
export const BUFFER_SINGLE_LATEST = 2;
export const BUFFER_MAILBOX = 3;
/** One of {@link BUFFER_SPMC_RING}, {@link BUFFER_SINGLE_LATEST}, {@link BUFFER_MAILBOX}. */
export type BufferKind = 1 | 2 | 3;

/** Number kinds of a compact numeric layout field (typed-array element types). */
export type NumberKind = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'f32' | 'f64';

/**
 * A flat numeric schema: field name → number kind. A ring with a layout keeps each field in one
 * preallocated typed array instead of one object per slot (about 6× less memory on Espruino).
 */
export interface NumericLayout {
  [field: string]: NumberKind;
}

/** How a record buffers its values. Made by `ring(n)`, `singleLatest()`, `mailbox()`. */
export interface BufferConfig {
  readonly kind: BufferKind;
  /** Slots: the ring's capacity; 1 for SingleLatest and Mailbox. Must be ≥ 1. */
  readonly capacity: number;
  /** Compact numeric layout (rings only). */
  readonly layout?: NumericLayout;
}

/** Result codes of {@link Reader.tryRecv}. */
export const RECV_EMPTY = 0;
export const RECV_VALUE = 1;
export const RECV_LAGGED = 2;
export const RECV_CLOSED = 3;
/** One of the `RECV_*` codes. */
export type RecvStatus = 0 | 1 | 2 | 3;

/**
 * One subscriber's view of a record's buffer. Reading allocates nothing: `tryRecv()` returns a
 * status and leaves the value in `value` (and the lag count in `missed`).
 *
 * @example
 * const r = db.subscribe(Temp);
 * if (r.tryRecv() === RECV_VALUE) console.log(r.value);
 */
export interface Reader<T> {
  /** The record's key. */
  readonly key: string;
  /** The last value read (valid after `tryRecv()` returned `RECV_VALUE`). For compact rings the
   *  object is reused by the next read: copy it to keep it. */
  value: T;
  /** Values missed, valid after `tryRecv()` returned `RECV_LAGGED`. */
  missed: number;
  /** Record sequence number of the last value read (1 for the first value ever produced). */
  seq: number;
  /** Reads without waiting: `RECV_VALUE`, `RECV_EMPTY`, `RECV_LAGGED` (once per lag) or `RECV_CLOSED`. */
  tryRecv(): RecvStatus;
  /**
   * Waits for the next result and calls `cb` once with it, from the scheduler (never on the
   * producer's stack). `cb(status, value, missed)`.
   */
  recv(cb: (status: RecvStatus, value: T | undefined, missed: number) => void): void;
  /**
   * Withdraws a pending `recv()` without reading anything: a reader that stops waiting (a timed-out
   * get) must not take a Mailbox value meant for a reader still waiting. Returns true when one was
   * pending.
   */
  cancelRecv(): boolean;
  /**
   * Calls `onValue` for every value from now on, and `onLag` when values were missed. Replaces a
   * previous `each`. This is how taps and links read.
   */
  each(onValue: (value: T, seq: number) => void, onLag?: (missed: number) => void): void;
  /** The current value without consuming it (SingleLatest, Mailbox); `undefined` for rings. */
  peek(): T | undefined;
  /** Unsubscribes. Later reads return `RECV_CLOSED`. */
  close(): void;
}

/**
 * Writes into one record. `produce` is synchronous, never blocks and never throws (CONTRACT §2). A
 * value the record cannot hold — `undefined`, or anything but an object on a ring with a numeric
 * layout — is refused: not stored, not delivered, counted in the record's `rejected` metric.
 */
export interface Producer<T> {
  readonly key: string;
  produce(value: T): void;
}

/** What a tap gets: the means to subscribe to its record. */
export interface Consumer<T> {
  readonly key: string;
  /** A new reader; it sees values produced from now on (SingleLatest: the current one first). */
  subscribe(): Reader<T>;
  /** Shorthand: subscribe and hand every value to `onValue`; lags go to `onLag` (default: log). */
  each(onValue: (value: T, seq: number) => void, onLag?: (missed: number) => void): Reader<T>;
}

/** Counters of one record (CONTRACT §2, "Metrics per record"). */
export interface RecordMetrics {
  /** Values produced into the record. */
  produced: number;
  /** Successful reads, summed over readers. */
  consumed: number;
  /**
   * Values some reader never received:
   * ring — the `n` of every `Lagged(n)` reported (values overwritten before that reader read them);
   * SingleLatest — values overwritten between two reads of one reader (collapsed);
   * Mailbox — pending values overwritten before any reader took them.
   */
  dropped: number;
  /** Values `produce` refused: `undefined`, or a non-object on a ring with a numeric layout. */
  rejected: number;
  /** Exceptions thrown by the record's readers (taps, `each`/`recv` callbacks, lag handlers) and by the
   *  transform or join handler that writes it; each is logged under this record's key too. */
  errors: number;
  /** Items held: ring — the slowest reader's backlog (unread values, ≤ capacity); SingleLatest — 1 once
   *  a value exists; Mailbox — 1 while a value is pending. */
  occupancy: number;
  /** Buffer capacity (0 when the record has no buffer). */
  capacity: number;
}

/**
 * Counters of one link. The core counts `received` and `decodeErrors` (in `InboundRoute.deliver`) and
 * `encodeErrors` (before `OutboundRoute.send`); connectors count `sent`, `dropped`, `queued`, `gaps`.
 */
export interface LinkMetrics {
  /** Messages handed to the transport. */
  sent: number;
  /** Messages received from the transport (before decoding). */
  received: number;
  /** Inbound payloads the deserializer rejected. */
  decodeErrors: number;
  /** Outbound values the serializer rejected. */
  encodeErrors: number;
  /** Outbound messages dropped (offline queue overflow, transport refusal). */
  dropped: number;
  /** Outbound messages waiting in the offline queue now. */
  queued: number;
  /** Sequence gaps detected on inbound ring messages (values lost upstream or in transit). */
  gaps: number;
}

// ---------------------------------------------------------------------------------------------
// Links and connectors (CONTRACT §3, §6)

/** A serialized payload: a string (sent as UTF-8) or bytes. */
export type Payload = string | ByteChunk;

/** Per-link options; connectors read the ones they know. */
export interface LinkOptions {
  /** MQTT QoS. Default from the buffer's wire policy (ring 0; SingleLatest and Mailbox 1). */
  qos?: 0 | 1 | 2;
  /** MQTT retain. Default from the wire policy (SingleLatest true). */
  retain?: boolean;
  /** Offline queue length for this link. Default 32 (ring), 1 (SingleLatest, Mailbox). */
  queue?: number;
  /** Topic per value (outbound), instead of the URL's address. */
  topic?: (value: any) => string;
  /** Anything else a connector understands. */
  [option: string]: unknown;
}

/** A parsed link URL: `scheme://address?query`. */
export interface LinkUrl {
  readonly url: string;
  readonly scheme: string;
  /** Everything between `://` and `?`: the MQTT topic, the AimX record, … */
  readonly address: string;
  /** Query parameters as strings. */
  readonly query: { [name: string]: string };
}

/** Outbound route handed to a connector: every value of the record goes out through it. */
export interface OutboundRoute {
  readonly key: string;
  readonly link: LinkUrl;
  readonly bufferKind: BufferKind;
  readonly options: LinkOptions;
  readonly metrics: LinkMetrics;
  /** Set by the connector in `start`: called for each value with the serialized payload, the value
   *  and the record sequence number. The core counts encode errors itself. */
  send: ((payload: Payload, value: unknown, seq: number) => void) | null;
}

/** Inbound route: messages arriving on `link.address` (possibly a wildcard) feed the record. */
export interface InboundRoute {
  readonly key: string;
  readonly link: LinkUrl;
  readonly bufferKind: BufferKind;
  readonly options: LinkOptions;
  readonly metrics: LinkMetrics;
  /** Counts `received`, deserializes and produces. A bad payload is counted (`decodeErrors`) and
   *  logged; never throws. Returns success. `topic` is the concrete address (for wildcard routes). */
  deliver(payload: Payload, topic?: string): boolean;
}

/** What a connector gets when the database starts. */
export interface ConnectorContext extends RuntimeContext {
  readonly outbound: OutboundRoute[];
  readonly inbound: InboundRoute[];
  /** Node id of this database (from `builder.nodeId`), used for status topics and ownership. */
  readonly nodeId: string;
}

/**
 * A connector handles one or more URL schemes. The core validates links, builds the routes and
 * drives the outbound readers; the connector moves payloads.
 */
export interface Connector {
  /** URL schemes served, e.g. `['mqtt', 'mqtts']`. */
  readonly schemes: string[];
  /** Extra validation of a link at build time: return an error message, or `undefined` when fine. */
  validate?(link: LinkUrl, direction: 'out' | 'in'): string | undefined;
  /** Called once by `db.start()` before any source runs. Sets `route.send` for outbound routes. */
  start(ctx: ConnectorContext): void;
  /** Called by `db.stop()`. */
  stop(): void;
}

// ---------------------------------------------------------------------------------------------
// Graph (CONTRACT §5)

/** Where a record's values come from. */
export type Origin = 'source' | 'link' | 'transform' | 'transformJoin' | 'passive';

/** A node of the dataflow graph. */
export interface GraphNode {
  key: string;
  origin: Origin;
  /** For `link` origins: protocol and address of each inbound link. */
  inbound: Array<{ protocol: string; address: string }>;
  bufferType: 'spmc_ring' | 'single_latest' | 'mailbox' | 'none';
  bufferCapacity: number;
  tapCount: number;
  /** Outbound links. */
  outbound: Array<{ protocol: string; address: string }>;
}

/** An edge of the dataflow graph. `from`/`to` are record keys or `scheme://address` endpoints. */
export interface GraphEdge {
  from: string;
  to: string;
  kind: 'source' | 'link' | 'transform' | 'transformJoin' | 'tap' | 'linkOut';
  /** Protocol for `link`/`linkOut` edges. */
  protocol?: string;
}

/** The whole graph. */
export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Record keys in topological order (inputs before the records derived from them). */
  topoOrder: string[];
}

// ---------------------------------------------------------------------------------------------
// Introspection (AimX `record.list`, the dashboard, the gateway)

/** One row of `db.records()`. */
export interface RecordInfo {
  /** Index of the record in the database (stable for its lifetime). */
  id: number;
  key: string;
  /** Value type tag of the key (`''` when untagged). */
  type: string;
  bufferType: GraphNode['bufferType'];
  bufferCapacity: number;
  origin: Origin;
  /** 1 when the record has an authoritative producer stage, else 0. */
  producerCount: number;
  /** Live readers. */
  consumerCount: number;
  /** True when remote clients may write it (marked writable, and no source or transform). */
  writable: boolean;
  /** True when the record has a source or transform (never remotely writable). */
  hasProducerStage: boolean;
  metrics: RecordMetrics;
  links: Array<{ direction: 'out' | 'in'; url: string; metrics: LinkMetrics }>;
}
