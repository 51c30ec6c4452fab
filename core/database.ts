/**
 * The built database: records, their stages wired at `start()`, and the introspection used by
 * AimX, the gateway and dashboards (CONTRACT §2–§5).
 */
import type { Connector, ConnectorContext, Consumer, Graph, InboundRoute, OutboundRoute, Producer, Reader, RecordInfo, RecordKey, RecordMetrics } from './api.js';
import { RECV_LAGGED, RECV_VALUE } from './api.js';
import type { RecordConfig } from './config.js';
import { aimError } from './errors.js';
import { DEV } from './dev.js';
import { buildGraph } from './graph.js';
import { JoinRun } from './join.js';
import { resetLinkMetrics, Serializer } from './links.js';
import { LOG_LAG, ReaderImpl } from './reader.js';
import type { Rec } from './record.js';
import { LOG_RANK, LogLevel, RuntimeAdapter } from './runtime/adapter.js';
import { LogSink, makeContext, RuntimeContext, StageContext, TimerSet } from './runtime/context.js';
import type { Scheduler } from './scheduler.js';
import { bufferTypeName } from './buffers.js';

/** Everything `build()` prepared; the database only wires it. Internal. */
export interface BuiltParts {
  adapter: RuntimeAdapter;
  sched: Scheduler;
  sink: LogSink;
  timers: TimerSet;
  nodeId: string;
  /** The configuration's stages (sources, taps, transforms), needed only by `start()`, which
   *  drops them: a running database keeps no build-time structure. */
  setup: RecordConfig[] | null;
  recs: Rec[];
  connectors: Connector[];
  /** Per record: outbound routes with their serializer and connector. */
  outRoutes: Array<Array<{ route: OutboundRoute; serializer: Serializer<any>; connector: Connector }>>;
  /** Per record: inbound routes and their connector. */
  inRoutes: Array<Array<{ route: InboundRoute; connector: Connector }>>;
  /** Per record: the context its stages get. */
  contexts: StageContext[];
}

/**
 * What a tap gets. A small object with prototype methods: a tap's callbacks keep it alive for the
 * database's life, so closures here would cost memory per tap.
 */
class TapConsumer implements Consumer<any> {
  readonly key: string;
  /** @internal */
  _rec: Rec;
  constructor(rec: Rec) {
    this.key = rec.key;
    this._rec = rec;
  }
  subscribe(): ReaderImpl {
    return this._rec._subscribe();
  }
  each(onValue: (v: any, seq: number) => void, onLag?: (missed: number) => void): ReaderImpl {
    const r = this._rec._subscribe();
    // Without a lag handler a tap's lag is logged on the record (see ReaderImpl._callLag).
    r.each(onValue, onLag || LOG_LAG);
    return r;
  }
}

/** A source or a transform writes the record: direct writes are refused. */
function hasProducerStage(rec: Rec): boolean {
  return rec._meta.origin !== 'passive' && rec._meta.origin !== 'link';
}

function routesOf<R>(list: Array<{ route: R }>): R[] {
  const out: R[] = [];
  for (let i = 0; i < list.length; i++) out.push(list[i].route);
  return out;
}

const STATE_BUILT = 0;
const STATE_RUNNING = 1;
const STATE_STOPPED = 2;

/**
 * A built database. Made by `builder(...).build()`.
 *
 * @example
 * const db = builder(nodeRuntime()).configure(Temp, (r) => r.buffer(ring(8))).build();
 * db.start();
 * db.set(Temp, { celsius: 21 });
 */
export class Database {
  /** Node id (status topics, ownership claims, AimX `hello`). */
  readonly nodeId: string;
  /** Runtime adapter name (`node`, `espruino`, `host`, …). */
  readonly runtimeName: string;
  /** @internal */
  _p: BuiltParts;
  /** @internal */
  _byName: { [name: string]: Rec };
  /** @internal */
  _state: number;
  /** @internal */
  _stops: Array<() => void>;
  /** @internal */
  _joins: JoinRun[];
  /** @internal */
  _direct: Array<ReaderImpl | undefined>;

  constructor(parts: BuiltParts) {
    this._p = parts;
    this.nodeId = parts.nodeId;
    this.runtimeName = parts.adapter.name;
    this._byName = {};
    for (let i = 0; i < parts.recs.length; i++) this._byName[parts.recs[i].key] = parts.recs[i];
    this._state = STATE_BUILT;
    this._stops = [];
    this._joins = [];
    this._direct = [];
  }

  /**
   * Starts the graph: transforms, joins, outbound links and taps subscribe first, then connectors
   * start, then sources run — so no subscriber made in configure/start misses the first value.
   */
  start(): Database {
    if (this._state !== STATE_BUILT) throw aimError('ALREADY_STARTED', DEV ? 'database already ' + (this._state === STATE_RUNNING ? 'started' : 'stopped') : '');
    this._state = STATE_RUNNING;
    const p = this._p;
    const setup = p.setup as RecordConfig[];
    p.setup = null;
    for (let r = 0; r < p.recs.length; r++) this._startDerivation(r, setup[r]);
    for (let r = 0; r < p.recs.length; r++) this._startOutbound(r);
    for (let r = 0; r < p.recs.length; r++) {
      const taps = setup[r].taps;
      for (let t = 0; t < taps.length; t++) this._keepStop(taps[t](p.contexts[r], this._consumer(p.recs[r])));
    }
    for (let c = 0; c < p.connectors.length; c++) this._startConnector(p.connectors[c]);
    for (let r = 0; r < p.recs.length; r++) {
      const sources = setup[r].sources;
      for (let s = 0; s < sources.length; s++) this._keepStop(sources[s](p.contexts[r], this._producer(r)));
    }
    return this;
  }

  /** Stops sources, taps, connectors and timers; closes every reader. Final. */
  stop(): void {
    if (this._state !== STATE_RUNNING) {
      this._state = STATE_STOPPED;
      this._p.setup = null;
      return;
    }
    this._state = STATE_STOPPED;
    const p = this._p;
    for (let i = this._stops.length - 1; i >= 0; i--) {
      try {
        this._stops[i]();
      } catch (e) {
        p.adapter.log('error', 'database', 'stage stop function threw: ' + String(e));
      }
    }
    for (let c = 0; c < p.connectors.length; c++) {
      try {
        p.connectors[c].stop();
      } catch (e) {
        p.adapter.log('error', 'database', 'connector stop threw: ' + String(e));
      }
    }
    p.timers.cancelAll();
    p.sched._stop();
    for (let r = 0; r < p.recs.length; r++) p.recs[r]._closeAll();
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this._state === STATE_RUNNING;
  }

  /** @internal */
  _keepStop(ret: void | (() => void)): void {
    if (typeof ret === 'function') this._stops.push(ret);
  }

  /** @internal */
  _startDerivation(r: number, cfg: RecordConfig): void {
    const p = this._p;
    if (cfg.transforms.length === 0) return;
    const spec = cfg.transforms[0];
    const ctx = p.contexts[r];
    const out = p.recs[r];
    const state = spec.initState ? spec.initState() : undefined;
    if (spec.kind === 'transform') {
      const map = spec.map as (v: any, s: any, c: RuntimeContext) => any;
      const reader = this._rec(spec.inputs[0])._subscribe();
      reader.each(
        function (v: any) {
          // Caught here, not by the input's reader: the error belongs to the output record (its
          // `errors` metric and its log), and the input's other readers are not at fault.
          let o;
          try {
            o = map(v, state, ctx);
          } catch (e) {
            out._fault();
            ctx.log.error('transform threw: ' + String(e));
            return;
          }
          if (o !== undefined) out.produce(o);
        },
        function (missed: number) {
          ctx.log.debug("transform input '" + spec.inputs[0] + "' lagged by " + missed + '; skipped');
        },
      );
      return;
    }
    const join = new JoinRun(p.sched, spec.queue || p.adapter.joinQueueCapacity, out, ctx, spec.onTriggers || null, spec.onTriggersAsync || null, state);
    for (let i = 0; i < spec.inputs.length; i++) join._addInput(this._rec(spec.inputs[i]));
    this._joins.push(join);
  }

  /** @internal */
  _startOutbound(r: number): void {
    const routes = this._p.outRoutes[r];
    const ctx = this._p.contexts[r];
    const rec = this._p.recs[r];
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i].route;
      const ser = routes[i].serializer;
      const m = route.metrics;
      rec._subscribe().each(function (v: any, seq: number) {
        let payload;
        try {
          payload = ser(ctx, v);
        } catch (e) {
          m.encodeErrors++;
          ctx.log.warn('serializer failed for ' + route.link.url + ': ' + String(e));
          return;
        }
        if (route.send !== null) route.send(payload, v, seq);
        else m.dropped++;
      });
    }
  }

  /** @internal */
  _startConnector(c: Connector): void {
    const p = this._p;
    const outbound: OutboundRoute[] = [];
    const inbound: InboundRoute[] = [];
    for (let r = 0; r < p.recs.length; r++) {
      for (let i = 0; i < p.outRoutes[r].length; i++) if (p.outRoutes[r][i].connector === c) outbound.push(p.outRoutes[r][i].route);
      for (let i = 0; i < p.inRoutes[r].length; i++) if (p.inRoutes[r][i].connector === c) inbound.push(p.inRoutes[r][i].route);
    }
    const ctx = makeContext(p.sink, p.timers, 'connector:' + c.schemes.join('+')) as StageContext & { outbound: OutboundRoute[]; inbound: InboundRoute[]; nodeId: string };
    ctx.outbound = outbound;
    ctx.inbound = inbound;
    ctx.nodeId = p.nodeId;
    c.start(ctx as ConnectorContext);
  }

  /** @internal */
  _rec(name: string): Rec {
    const rec = this._byName[name];
    if (!rec) throw aimError('NOT_FOUND', DEV ? "record '" + name + "' is not configured" : name);
    return rec;
  }

  // The record is its own producer: `produce` is a method of the run-time record.
  /** @internal */
  _producer(id: number): Producer<any> {
    return this._p.recs[id];
  }

  /** @internal */
  _consumer(rec: Rec): Consumer<any> {
    return new TapConsumer(rec);
  }

  /**
   * Records with a source or a transform have one authoritative producer and refuse direct writes
   * (CONTRACT §7). Passive and link-fed records (commands, twins) accept them.
   */
  /** @internal */
  _writableRec(id: number): Rec {
    const rec = this._p.recs[id];
    if (hasProducerStage(rec)) {
      throw aimError('NOT_WRITABLE', DEV ? "record '" + rec.key + "' is written by its " + rec._meta.origin + ' (one authoritative producer per key)' : rec.key);
    }
    return rec;
  }

  // ------------------------------------------------------------------ direct API (CONTRACT §8, MCU)

  /**
   * Produces `value` into a record that has no source and no transform. Convenience: each call looks
   * the key up and checks writability; a per-value path holds {@link producer}`(k)` instead.
   */
  set<T>(k: RecordKey<T>, value: NoInfer<T>): void {
    this._writableRec(this._rec(k.name).id).produce(value);
  }

  /** A producer handle for a record without a source or transform (no lookup per call). */
  producer<T>(k: RecordKey<T>): Producer<T> {
    return this._producer(this._writableRec(this._rec(k.name).id).id);
  }

  /**
   * Reads without waiting through the database's own reader of the record (made on the first call:
   * ring values produced before it are not replayed). `undefined` when nothing is new. Convenience:
   * each call looks the key up; a per-value path holds a reader from {@link subscribe} instead.
   */
  tryGet<T>(k: RecordKey<T>): T | undefined {
    const rec = this._rec(k.name);
    let r = this._direct[rec.id];
    if (!r) {
      r = rec._subscribe();
      this._direct[rec.id] = r;
    }
    let st = r.tryRecv();
    if (st === RECV_LAGGED) st = r.tryRecv();
    return st === RECV_VALUE ? (r.value as T) : undefined;
  }

  /** The current value of a SingleLatest or Mailbox record without consuming it. */
  peek<T>(k: RecordKey<T>): T | undefined {
    return this._rec(k.name)._peek();
  }

  /** A new reader of a record (see {@link Reader}). */
  subscribe<T>(k: RecordKey<T>): Reader<T> {
    return this._rec(k.name)._subscribe();
  }

  // ------------------------------------------------------------------ introspection

  /** Index of the record named `name`, or -1. */
  findRecord(name: string): number {
    const rec = this._byName[name];
    return rec ? rec.id : -1;
  }

  /** Newest value produced into record `id` (any buffer kind, rings included), or `undefined`. */
  latest(id: number): unknown {
    const rec = this._p.recs[id];
    return rec ? rec._newest() : undefined;
  }

  /** A reader of record `id`. */
  subscribeById(id: number): Reader<unknown> {
    const rec = this._p.recs[id];
    if (!rec) throw aimError('NOT_FOUND', DEV ? 'no record with id ' + id : '#' + id);
    return rec._subscribe();
  }

  /**
   * Produces into record `id`; throws NOT_WRITABLE when it has a source or a transform, and
   * INVALID_ARGUMENT when the record refuses the value (counted in `rejected`; see {@link Producer}).
   */
  setById(id: number, value: unknown): void {
    if (!this._p.recs[id]) throw aimError('NOT_FOUND', DEV ? 'no record with id ' + id : '#' + id);
    const rec = this._writableRec(id);
    if (!rec.produce(value)) throw aimError('INVALID_ARGUMENT', DEV ? "record '" + rec.key + "' refused the value (undefined, or not an object for a numeric layout)" : rec.key);
  }

  /** Counters of one record. */
  metrics<T>(k: RecordKey<T>): RecordMetrics {
    return this._rec(k.name)._metrics();
  }

  /** Zeroes every record and link counter. */
  resetMetrics(): void {
    const p = this._p;
    for (let r = 0; r < p.recs.length; r++) {
      p.recs[r]._resetMetrics();
      for (let i = 0; i < p.outRoutes[r].length; i++) resetLinkMetrics(p.outRoutes[r][i].route.metrics);
      for (let i = 0; i < p.inRoutes[r].length; i++) resetLinkMetrics(p.inRoutes[r][i].route.metrics);
    }
  }

  /** One row per record, in declaration order. */
  records(): RecordInfo[] {
    const p = this._p;
    const rows: RecordInfo[] = [];
    for (let r = 0; r < p.recs.length; r++) {
      const rec = p.recs[r];
      const origin = rec._meta.origin;
      const staged = hasProducerStage(rec);
      const links: RecordInfo['links'] = [];
      for (let i = 0; i < p.outRoutes[r].length; i++) links.push({ direction: 'out', url: p.outRoutes[r][i].route.link.url, metrics: p.outRoutes[r][i].route.metrics });
      for (let i = 0; i < p.inRoutes[r].length; i++) links.push({ direction: 'in', url: p.inRoutes[r][i].route.link.url, metrics: p.inRoutes[r][i].route.metrics });
      rows.push({
        id: r,
        key: rec.key,
        type: rec._meta.type,
        bufferType: bufferTypeName(rec._kind),
        bufferCapacity: rec._cap,
        origin: origin,
        producerCount: origin === 'passive' ? 0 : 1,
        consumerCount: rec._readers.length,
        writable: rec._meta.remoteWritable && !staged,
        hasProducerStage: staged,
        metrics: rec._metrics(),
        links: links,
      });
    }
    return rows;
  }

  /**
   * Every link route, for components that watch or guard links (ownership claims, diagnostics).
   * Outbound routes' `send` is set by their connector at `start()`.
   */
  routes(): { outbound: OutboundRoute[]; inbound: InboundRoute[] } {
    const p = this._p;
    let outbound: OutboundRoute[] = [];
    let inbound: InboundRoute[] = [];
    for (let r = 0; r < p.recs.length; r++) {
      outbound = outbound.concat(routesOf(p.outRoutes[r]));
      inbound = inbound.concat(routesOf(p.inRoutes[r]));
    }
    return { outbound: outbound, inbound: inbound };
  }

  /** The dataflow graph (computed on each call from the records and their routes). */
  graph(): Graph {
    const p = this._p;
    const outs: OutboundRoute[][] = [];
    const ins: InboundRoute[][] = [];
    for (let r = 0; r < p.recs.length; r++) {
      outs.push(routesOf(p.outRoutes[r]));
      ins.push(routesOf(p.inRoutes[r]));
    }
    return buildGraph(p.recs, outs, ins);
  }

  /** A RuntimeContext for a component (timers are cancelled by `stop()`). */
  context(source: string): RuntimeContext {
    return makeContext(this._p.sink, this._p.timers, source);
  }

  /** Sets the lowest log level written. */
  logLevel(level: LogLevel): void {
    this._p.sink.minRank = LOG_RANK[level];
  }

  /** Scheduler statistics: deliveries made and drains run. */
  schedulerStats(): { delivered: number; drains: number; queued: number } {
    return { delivered: this._p.sched.delivered, drains: this._p.sched.drains, queued: this._p.sched.queued };
  }

  /** Zeroes the stage counters: scheduler deliveries and drains, join triggers and stalls. */
  resetProfiling(): void {
    this._p.sched.delivered = 0;
    this._p.sched.drains = 0;
    for (let i = 0; i < this._joins.length; i++) {
      this._joins[i].handled = 0;
      this._joins[i].stalls = 0;
    }
  }

  /** Join statistics per joined record: triggers handled and backpressure stalls. */
  joinStats(): Array<{ key: string; handled: number; stalls: number }> {
    const out: Array<{ key: string; handled: number; stalls: number }> = [];
    for (let i = 0; i < this._joins.length; i++) out.push({ key: this._joins[i]._producer.key, handled: this._joins[i].handled, stalls: this._joins[i].stalls });
    return out;
  }
}
