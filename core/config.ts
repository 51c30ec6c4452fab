/**
 * Record configuration as collected by `configure()`. Nothing here checks or runs
 * anything: `build()` validates the whole configuration at once (core/validate.ts).
 */
import type { BufferConfig, Consumer, LinkOptions, Producer, RecordKey } from './api.js';
import type { ConfigProblem } from './errors.js';
import type { Deserializer, Serializer } from './links.js';
import type { RuntimeContext } from './runtime/context.js';

/** A source: starts producing; may return a function that stops it. */
export type SourceFn<T> = (ctx: RuntimeContext, producer: Producer<T>) => void | (() => void);
/** A tap: subscribes and reads; may return a function that stops it. */
export type TapFn<T> = (ctx: RuntimeContext, consumer: Consumer<T>) => void | (() => void);

/** One input of a join as seen by its handler. The object is reused for every trigger. */
export interface Trigger {
  /** Position of the input in declaration order (0-based). */
  index: number;
  /** Key of the input record. */
  key: string;
  /** The input value. */
  value: any;
  /** The value typed by its key when this trigger came from `k`, else `undefined`. */
  as<I>(k: RecordKey<I>): I | undefined;
}

/** A synchronous join handler. */
export type JoinHandler<O, S> = (trigger: Trigger, producer: Producer<O>, ctx: RuntimeContext, state: S) => void;
/** An asynchronous join handler: the next trigger is handed over only after `done()`. */
export type AsyncJoinHandler<O, S> = (trigger: Trigger, producer: Producer<O>, done: () => void, ctx: RuntimeContext, state: S) => void;

/** A configured transform or join. */
export interface TransformSpec {
  /** `'transform'` or `'transformJoin'`. */
  kind: 'transform' | 'transformJoin';
  /** Input key names, in declaration order. */
  inputs: string[];
  /** Input type tags, to check against the input records. */
  inputTypes: string[];
  /** Transform: `(value, state, ctx) => output | undefined`. */
  map?: (value: any, state: any, ctx: RuntimeContext) => any;
  /** Join handler (sync). */
  onTriggers?: JoinHandler<any, any>;
  /** Join handler (async, with `done`). */
  onTriggersAsync?: AsyncJoinHandler<any, any>;
  /** Makes the initial state (called once at start). */
  initState?: () => any;
  /** Join trigger queue capacity; default from the runtime adapter. */
  queue?: number;
}

/** A configured outbound link. */
export interface OutLinkConfig {
  url: string;
  serializer?: Serializer<any>;
  options: LinkOptions;
  finished: boolean;
}

/** A configured inbound link. */
export interface InLinkConfig {
  url: string;
  deserializer?: Deserializer<any>;
  options: LinkOptions;
  finished: boolean;
}

/** Everything configured for one key. */
export interface RecordConfig {
  key: RecordKey<any>;
  name: string;
  type: string;
  buffer?: BufferConfig;
  /** Every `buffer()` call, to report a record configured with two buffers. */
  bufferCalls: number;
  sources: SourceFn<any>[];
  taps: TapFn<any>[];
  transforms: TransformSpec[];
  linksOut: OutLinkConfig[];
  linksIn: InLinkConfig[];
  remote: boolean;
  writable: boolean;
  /** Mistakes seen while configuring (reported by build()). */
  problems: ConfigProblem[];
}

/** A fresh, empty configuration for `k`. */
export function newRecordConfig(k: RecordKey<any>): RecordConfig {
  return {
    key: k,
    name: k.name,
    type: k.type,
    bufferCalls: 0,
    sources: [],
    taps: [],
    transforms: [],
    linksOut: [],
    linksIn: [],
    remote: false,
    writable: false,
    problems: [],
  };
}
