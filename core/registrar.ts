/**
 * The fluent API of `configure(key, reg => …)`: buffer, stages and links of one record
 * (CONTRACT §3). Every method only records configuration.
 */
import type { BufferConfig, LinkOptions, Payload, RecordKey } from './api.js';
import type { AsyncJoinHandler, InLinkConfig, JoinHandler, OutLinkConfig, RecordConfig, SourceFn, TapFn, TransformSpec } from './config.js';
import type { Deserializer, Serializer } from './links.js';
import type { RuntimeContext } from './runtime/context.js';
import { hasOwn } from './dev.js';

/** Builds a transform: `t => t.map(fn)` or `t => t.withState(init).onValue(fn)`. */
export class TransformBuilder<I, O> {
  /** @internal */
  _spec: TransformSpec;
  constructor(input: RecordKey<I>) {
    this._spec = { kind: 'transform', inputs: [input.name], inputTypes: [input.type] };
  }
  /** Maps each input value to an output, or `undefined` for "nothing". */
  map(fn: (value: I, ctx: RuntimeContext) => O | undefined): TransformSpec {
    this._spec.map = function (v: any, _s: any, ctx: RuntimeContext) {
      return fn(v, ctx);
    };
    return this._spec;
  }
  /**
   * Stateful form. `init` is the initial state, or a factory called once at start (use a factory for
   * mutable objects). The handler may mutate the state it is given.
   */
  withState<S>(init: S | (() => S)): { onValue(fn: (value: I, state: S, ctx: RuntimeContext) => O | undefined): TransformSpec } {
    const spec = this._spec;
    spec.initState = typeof init === 'function' ? (init as () => S) : function () {
      return init;
    };
    return {
      onValue: function (fn: (value: I, state: S, ctx: RuntimeContext) => O | undefined) {
        spec.map = fn;
        return spec;
      },
    };
  }
}

/** Builds a join: `j => j.input(A).input(B).onTriggers(fn)`. */
export class JoinBuilder<O> {
  /** @internal */
  _spec: TransformSpec;
  constructor() {
    this._spec = { kind: 'transformJoin', inputs: [], inputTypes: [] };
  }
  /** Adds an input record. Triggers carry its position (`index`) in call order. */
  input<I>(k: RecordKey<I>): JoinBuilder<O> {
    this._spec.inputs.push(k.name);
    this._spec.inputTypes.push(k.type);
    return this;
  }
  /** Trigger queue capacity. Default: the runtime's (64 on Node, 16 on MCUs). */
  queue(capacity: number): JoinBuilder<O> {
    this._spec.queue = capacity;
    return this;
  }
  /** State handed to every handler call. `init` may be a factory. */
  withState<S>(init: S | (() => S)): JoinBuilder<O> {
    this._spec.initState = typeof init === 'function' ? (init as () => S) : function () {
      return init;
    };
    return this;
  }
  /** Handles each trigger synchronously, in arrival order. */
  onTriggers<S = any>(fn: JoinHandler<O, S>): TransformSpec {
    this._spec.onTriggers = fn;
    return this._spec;
  }
  /** Handles each trigger asynchronously: the next one comes after `done()`. */
  onTriggersAsync<S = any>(fn: AsyncJoinHandler<O, S>): TransformSpec {
    this._spec.onTriggersAsync = fn;
    return this._spec;
  }
}

/** `linkTo(url)…finish()`. */
export class OutboundLinkBuilder<T> {
  /** @internal */
  _cfg: OutLinkConfig;
  /** @internal */
  _reg: RecordRegistrar<T>;
  constructor(reg: RecordRegistrar<T>, cfg: OutLinkConfig) {
    this._reg = reg;
    this._cfg = cfg;
  }
  /** Turns each value into a payload (string or bytes). Required. */
  withSerializer(fn: Serializer<T>): OutboundLinkBuilder<T> {
    this._cfg.serializer = fn;
    return this;
  }
  /** Sets one connector option (e.g. `qos`, `retain`, `queue`, `topic`). */
  option(name: string, value: unknown): OutboundLinkBuilder<T> {
    this._cfg.options[name] = value;
    return this;
  }
  /** Sets several options. */
  options(opts: LinkOptions): OutboundLinkBuilder<T> {
    for (const k in opts) if (hasOwn(opts, k)) this._cfg.options[k] = opts[k];
    return this;
  }
  /** Ends the link; back to the record. */
  finish(): RecordRegistrar<T> {
    this._cfg.finished = true;
    return this._reg;
  }
}

/** `linkFrom(url)…finish()`. */
export class InboundLinkBuilder<T> {
  /** @internal */
  _cfg: InLinkConfig;
  /** @internal */
  _reg: RecordRegistrar<T>;
  constructor(reg: RecordRegistrar<T>, cfg: InLinkConfig) {
    this._reg = reg;
    this._cfg = cfg;
  }
  /** Turns a payload into a value; return `undefined` or throw to reject it (counted, logged). Required. */
  withDeserializer(fn: (ctx: RuntimeContext, payload: Payload, topic?: string) => T | undefined): InboundLinkBuilder<T> {
    this._cfg.deserializer = fn as Deserializer<any>;
    return this;
  }
  /** Sets one connector option (e.g. `qos`). */
  option(name: string, value: unknown): InboundLinkBuilder<T> {
    this._cfg.options[name] = value;
    return this;
  }
  /** Ends the link; back to the record. */
  finish(): RecordRegistrar<T> {
    this._cfg.finished = true;
    return this._reg;
  }
}

/** What `configure(key, reg => …)` hands out. */
export class RecordRegistrar<T> {
  /** @internal */
  _cfg: RecordConfig;
  constructor(cfg: RecordConfig) {
    this._cfg = cfg;
  }
  /** Sets the buffer: `ring(n)`, `singleLatest()` or `mailbox()`. */
  buffer(cfg: BufferConfig): RecordRegistrar<T> {
    this._cfg.buffer = cfg;
    this._cfg.bufferCalls++;
    return this;
  }
  /** The record's producer stage (at most one). */
  source(fn: SourceFn<T>): RecordRegistrar<T> {
    this._cfg.sources.push(fn);
    return this;
  }
  /** A reader stage (any number). */
  tap(fn: TapFn<T>): RecordRegistrar<T> {
    this._cfg.taps.push(fn);
    return this;
  }
  /** Derives this record from another (at most one transform or join per record). */
  transform<I>(input: RecordKey<I>, build: (t: TransformBuilder<I, T>) => TransformSpec): RecordRegistrar<T> {
    const b = new TransformBuilder<I, T>(input);
    build(b);
    // The spec is the builder's own: a plain-JS caller that forgets map/onValue is reported by build().
    this._cfg.transforms.push(b._spec);
    return this;
  }
  /** Derives this record from several inputs through a bounded trigger queue. */
  transformJoin(build: (j: JoinBuilder<T>) => TransformSpec): RecordRegistrar<T> {
    const b = new JoinBuilder<T>();
    build(b);
    this._cfg.transforms.push(b._spec);
    return this;
  }
  /** Sends every value out through the connector of the URL's scheme. */
  linkTo(url: string): OutboundLinkBuilder<T> {
    const cfg: OutLinkConfig = { url: url, options: {}, finished: false };
    this._cfg.linksOut.push(cfg);
    return new OutboundLinkBuilder<T>(this, cfg);
  }
  /** Produces every message arriving on the URL's address into this record. */
  linkFrom(url: string): InboundLinkBuilder<T> {
    const cfg: InLinkConfig = { url: url, options: {}, finished: false };
    this._cfg.linksIn.push(cfg);
    return new InboundLinkBuilder<T>(this, cfg);
  }
  /**
   * Marks the record for remote access (AimX). Every record can be listed and read remotely;
   * `writable: true` lets remote clients write it, if it has no source or transform.
   */
  remote(options?: { writable?: boolean }): RecordRegistrar<T> {
    this._cfg.remote = true;
    if (options && options.writable) this._cfg.writable = true;
    return this;
  }
}
