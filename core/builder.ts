/**
 * The database builder: `builder(adapter).withConnector(c).configure(key, reg => …)
 * .build()`. Configuration is collected; `build()` validates all of it at once, allocates every
 * buffer, parses every link and builds the graph. Nothing runs before `build()` succeeds.
 */
import type { Connector, LinkUrl, RecordKey } from './api.js';
import { newRecordConfig, RecordConfig } from './config.js';
import { BuiltParts, Database } from './database.js';
import { aimError, ConfigProblem, invalidConfiguration } from './errors.js';
import { originOf } from './graph.js';
import { Deserializer, makeInboundRoute, makeOutboundRoute, mergeLinkOptions, Serializer } from './links.js';
import { Rec } from './record.js';
import { RecordRegistrar } from './registrar.js';
import { LOG_RANK, LogLevel, RuntimeAdapter } from './runtime/adapter.js';
import { LogSink, makeContext, StageContext, TimerSet } from './runtime/context.js';
import { Scheduler } from './scheduler.js';
import { validate } from './validate.js';
import { DEV } from './dev.js';

/** Options of the scheduler, set with {@link Builder.scheduler}. */
export interface SchedulerOptions {
  /** Deliveries per drain before yielding to the host. Default 256. */
  batch?: number;
  /** Deliveries per record per turn, so that one busy record cannot starve the others. Default 32. */
  turn?: number;
}

/** Collects a database's configuration. */
export class Builder {
  /** @internal */
  _adapter: RuntimeAdapter | undefined;
  /** @internal */
  _nodeId: string;
  /** @internal */
  _connectors: Connector[];
  /** @internal */
  _configs: RecordConfig[];
  /** @internal */
  _byName: { [name: string]: RecordConfig };
  /** @internal */
  _minRank: number;
  /** @internal */
  _sched: SchedulerOptions;
  /** @internal */
  _built: boolean;

  constructor(adapter?: RuntimeAdapter) {
    this._adapter = adapter;
    this._nodeId = 'aimdb';
    this._connectors = [];
    this._configs = [];
    this._byName = {};
    this._minRank = LOG_RANK.info;
    this._sched = {};
    this._built = false;
  }

  /** Sets the runtime adapter (time, timers, deferral, log). Required. */
  runtime(adapter: RuntimeAdapter): Builder {
    this._adapter = adapter;
    return this;
  }

  /** Sets this database's node id (default `'aimdb'`). */
  nodeId(id: string): Builder {
    this._nodeId = id;
    return this;
  }

  /** Registers a connector for its URL schemes. */
  withConnector(connector: Connector): Builder {
    this._refuseAfterBuild();
    this._connectors.push(connector);
    return this;
  }

  /** Lowest log level written (default `'info'`). */
  logLevel(level: LogLevel): Builder {
    this._minRank = LOG_RANK[level];
    return this;
  }

  /** Scheduler batch sizes. */
  scheduler(options: SchedulerOptions): Builder {
    this._sched = options;
    return this;
  }

  /**
   * Configures the record of `key`. Configuring the same key again (same type) adds to it.
   *
   * @example
   * b.configure(Temp, (r) => r.buffer(ring(64)).tap((ctx, c) => { c.each((v) => ctx.log.info(String(v.celsius))); }));
   */
  configure<T>(key: RecordKey<T>, fn: (reg: RecordRegistrar<T>) => unknown): Builder {
    this._refuseAfterBuild();
    let cfg = this._byName[key.name];
    if (!cfg) {
      cfg = newRecordConfig(key);
      this._byName[key.name] = cfg;
      this._configs.push(cfg);
    } else if (cfg.type !== key.type) {
      cfg.problems.push({ key: key.name, message: DEV ? "key reused with a different value type ('" + cfg.type + "' and '" + key.type + "')" : 'type' });
    }
    fn(new RecordRegistrar<T>(cfg));
    return this;
  }

  // A built database owns its configuration: what each record is was fixed at build().
  /** @internal */
  _refuseAfterBuild(): void {
    if (this._built) throw aimError('ALREADY_BUILT', DEV ? 'the database was already built: configure everything before build()' : '');
  }

  /**
   * Validates everything and builds the database. Throws one `InvalidConfiguration` listing every
   * mistake. A builder builds once: afterwards `configure()` and `withConnector()` throw
   * `ALREADY_BUILT`, and the database keeps nothing of the builder.
   */
  build(): Database {
    this._refuseAfterBuild();
    const problems: ConfigProblem[] = [];
    const links = validate(this._configs, this._connectors, this._adapter, problems);
    if (problems.length > 0) throw invalidConfiguration(problems);
    const adapter = this._adapter as RuntimeAdapter;
    const sink: LogSink = { adapter: adapter, minRank: this._minRank };
    const sched = new Scheduler(adapter, this._sched.batch, this._sched.turn);
    const timers = new TimerSet(adapter);
    const recs: Rec[] = [];
    const contexts: StageContext[] = [];
    const outRoutes: BuiltParts['outRoutes'] = [];
    const inRoutes: BuiltParts['inRoutes'] = [];
    const configs = this._configs;
    for (let r = 0; r < configs.length; r++) {
      const cfg = configs[r];
      const buf = cfg.buffer;
      const ctx = makeContext(sink, timers, cfg.name);
      contexts.push(ctx);
      const rec = new Rec(cfg.name, r, buf ? buf.kind : 0, buf ? buf.capacity : 0, buf ? buf.layout : undefined, sched, ctx.log);
      const meta = rec._meta;
      meta.type = cfg.type;
      meta.origin = originOf(cfg);
      meta.remoteWritable = cfg.writable;
      meta.inputs = cfg.transforms.length > 0 ? cfg.transforms[0].inputs : null;
      meta.taps = cfg.taps.length;
      recs.push(rec);
      const outs: BuiltParts['outRoutes'][0] = [];
      for (let i = 0; i < cfg.linksOut.length; i++) {
        const l = links.parsed[r].out[i] as { link: LinkUrl; connector: Connector };
        outs.push({ route: makeOutboundRoute(rec, l.link, mergeLinkOptions(cfg.linksOut[i].options, l.link)), serializer: cfg.linksOut[i].serializer as Serializer<any>, connector: l.connector });
      }
      const ins: BuiltParts['inRoutes'][0] = [];
      for (let i = 0; i < cfg.linksIn.length; i++) {
        const l = links.parsed[r].in[i] as { link: LinkUrl; connector: Connector };
        ins.push({ route: makeInboundRoute(rec, l.link, mergeLinkOptions(cfg.linksIn[i].options, l.link), cfg.linksIn[i].deserializer as Deserializer<any>, ctx), connector: l.connector });
      }
      outRoutes.push(outs);
      inRoutes.push(ins);
    }
    this._built = true;
    this._configs = [];
    this._byName = {};
    return new Database({
      adapter: adapter,
      sched: sched,
      sink: sink,
      timers: timers,
      nodeId: this._nodeId,
      setup: configs,
      recs: recs,
      connectors: this._connectors.slice(),
      outRoutes: outRoutes,
      inRoutes: inRoutes,
      contexts: contexts,
    });
  }

  /** `build()` then `start()`. */
  run(): Database {
    return this.build().start();
  }
}

/**
 * Starts a database configuration.
 *
 * @param adapter The runtime adapter; may also be given later with `.runtime(adapter)`.
 * @example
 * const db = builder(nodeRuntime())
 *   .configure(Temp, (r) => r.buffer(ring(16)).source((ctx, p) => { ctx.every(1000, () => p.produce({ celsius: 20 })); }))
 *   .run();
 */
export function builder(adapter?: RuntimeAdapter): Builder {
  return new Builder(adapter);
}
