/**
 * The edge gateway: keeps a twin of each device's records and bridges them to an MQTT
 * broker, with remote access (AimX), a dashboard and Prometheus metrics.
 *
 * Lifecycle: broker (embedded unless configured) → device sessions (discovery with a deadline) →
 * the twin database (built from what was discovered) → endpoints. When a device comes back with
 * other records, the database is rebuilt and the endpoints rebound; device connections and the
 * broker stay up.
 */
import { readFileSync } from 'node:fs';
import { aimError, type Database, type RuntimeAdapter } from '../../core/index.js';
import { aimxServer, type AimxDatabase, type AimxServer } from '../../core/aimx/index.js';
import { nodeRuntime, type LogRecord } from '../../targets/node/index.js';
import { dial, serveTcp, serveUnix, serveWs, setAimxLimits, type AimxGate, type AimxListener, type MessageConn } from '../aimx/index.js';
import { startDashboard, type Dashboard } from '../dashboard/index.js';
import { HistoryStore, historyQueryHandler, type Row } from '../history/index.js';
import { nodeMqttConnector, type NodeMqttConnector } from '../mqtt/index.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker.js';
import { OwnershipGuard } from './ownership.js';
import type { DeviceConfig, EdgeConfig } from './config.js';
import { DeviceSession, deviceConnector, schemaSignature, type RemoteRecord } from './devices.js';
import { buildTwinDatabase, commandProblem, planTwins, type TwinPlan } from './twins.js';

/** Not-logged-in AimX sessions per pool; with the logged-in ones, the core server's hard cap. */
const MAX_PENDING = 32;

/** Options of {@link Gateway}. */
export interface GatewayOptions {
  /** Opens `sim://<name>` device transports (simulated boards). */
  simulators?: { [name: string]: () => Promise<MessageConn> };
  /** Log lines (default: stderr, formatted per `config.log`). */
  onLog?: (record: LogRecord) => void;
  /** How long start() waits for each AimX device's first connection, ms. Default 3000. */
  discoveryTimeoutMs?: number;
  /** Called with the rows of each batch the history store committed (durability checks). */
  onHistoryStored?: (rows: Row[]) => void;
}

/** Where the running gateway can be reached. */
export interface GatewayEndpoints {
  mqtt: string;
  /** The embedded broker's MQTT over WebSocket (`embedded_broker.ws_port`). */
  mqttWs?: string;
  aimx: string[];
  dashboard?: string;
  metrics?: string;
}

/** `host:port` → parts (port 0: the OS chooses). */
function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}

/** The running gateway. */
export class Gateway {
  db: Database | null = null;
  plan: TwinPlan[] = [];
  broker: EmbeddedBroker | null = null;
  readonly sessions = new Map<string, DeviceSession>();
  readonly rt: RuntimeAdapter;
  /** Database builds so far (1 after start; +1 per rebuild). */
  builds = 0;
  private mqtt: NodeMqttConnector | null = null;
  private aimx: AimxServer | null = null;
  private listeners: AimxListener[] = [];
  private dashboard: Dashboard | null = null;
  /** The history store (when `history` is configured). */
  history: HistoryStore | null = null;
  /** The connection limits of the AimX endpoints (counters for tests and `/metrics`). */
  gate: AimxGate | null = null;
  /** Rebuilds that failed (the previous database kept serving). */
  failedRebuilds = 0;
  /** Ownership claims of this node's MQTT topics (when `ownership.enabled`). */
  ownership: OwnershipGuard | null = null;
  private signatures = new Map<string, string>();
  private rebuilding: Promise<void> | null = null;
  private started = false;
  private brokerUrl = '';

  constructor(
    readonly config: EdgeConfig,
    private readonly options: GatewayOptions = {},
  ) {
    this.rt = nodeRuntime({ level: config.log.level, format: config.log.format, onLog: options.onLog, name: 'node' });
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', msg: string): void {
    this.rt.log(level, 'gateway', msg);
  }

  private opener(dev: DeviceConfig): Promise<MessageConn> {
    const t = dev.transport as string;
    if (t.startsWith('sim://')) {
      const sim = this.options.simulators?.[t.slice('sim://'.length)];
      if (!sim) return Promise.reject(new Error(`no simulator named '${t.slice(6)}'`));
      return sim();
    }
    return dial(t);
  }

  /** Starts everything. Resolves once the database runs and the endpoints listen. */
  async start(): Promise<GatewayEndpoints> {
    if (this.started) throw new Error('gateway already started');
    this.started = true;
    const cfg = this.config;
    if (!cfg.remote.token && (cfg.remote.tcp || cfg.remote.ws || cfg.remote.unix || cfg.dashboard.enabled)) {
      this.log('warn', `remote access without a token${cfg.remote.insecure ? ' (insecure: true)' : ''}: anyone who reaches ${[cfg.remote.tcp, cfg.remote.ws, cfg.remote.unix, cfg.dashboard.enabled ? `${cfg.dashboard.host}:${cfg.dashboard.port}` : ''].filter((x) => x).join(', ')} can read${cfg.remote.writable.length ? ' and write' : ''} the twins`);
    }
    if (cfg.broker) this.brokerUrl = cfg.broker.url;
    else {
      const eb = cfg.embedded_broker;
      this.broker = await startEmbeddedBroker(eb.host, eb.port, {
        ws: eb.ws_port !== undefined ? { port: eb.ws_port } : undefined,
        acl: {
          prefix: cfg.prefix,
          nodeId: cfg.node_id,
          users: eb.users,
          anonymous: eb.anonymous,
          anonymousPublish: eb.anonymous_publish,
          gatewayTopics: () => this.producedTopics,
        },
      });
      this.brokerUrl = this.broker.url;
      this.log('info', `embedded MQTT broker on ${this.broker.url}`);
    }
    if (cfg.history) {
      this.history = new HistoryStore(cfg.history, { log: (l, m) => this.log(l, m), onStored: this.options.onHistoryStored });
      await this.history.start();
    }
    for (const dev of cfg.devices) {
      if (!dev.transport) continue;
      const s = new DeviceSession(dev, (d) => this.opener(d), (l, m) => this.log(l, m), (sess, rows) => this.onRecords(sess, rows));
      this.sessions.set(dev.name, s);
    }
    const timeout = this.options.discoveryTimeoutMs ?? 3000;
    await Promise.all(
      [...this.sessions.values()].map(async (s) => {
        void s.start();
        try {
          await s.waitOnline(timeout);
        } catch (e) {
          this.log('warn', (e as Error).message + ' (its twins appear when it connects)');
        }
      }),
    );
    await this.build();
    return this.endpoints();
  }

  /** The endpoints, as URLs. */
  endpoints(): GatewayEndpoints {
    const e: GatewayEndpoints = { mqtt: this.brokerUrl, aimx: this.listeners.map((l) => l.url) };
    if (this.broker?.wsUrl) e.mqttWs = this.broker.wsUrl;
    if (this.dashboard) {
      e.dashboard = this.dashboard.url;
      e.metrics = this.dashboard.url.replace(/\/$/, '') + '/metrics';
    }
    return e;
  }

  /** MQTT topics the twins publish (the embedded broker lets nobody else write them). */
  private producedTopics: ReadonlySet<string> = new Set();

  private onRecords(s: DeviceSession, rows: RemoteRecord[]): void {
    const sig = schemaSignature(rows);
    const before = this.signatures.get(s.name);
    this.signatures.set(s.name, sig);
    if (this.db && before !== sig) {
      this.log('info', `device '${s.name}' records changed: rebuilding the twin database`);
      this.rebuild().catch((e) => this.log('error', `rebuild failed: ${(e as Error).message}`));
    }
  }

  /**
   * Rebuilds the database (device set or schema changed); endpoints are rebound to the new one. The
   * new database is built first: when that fails, the previous one keeps serving.
   */
  rebuild(): Promise<void> {
    if (!this.rebuilding) {
      this.rebuilding = (async () => {
        let next: { plan: TwinPlan[]; db: Database; mqtt: NodeMqttConnector };
        try {
          next = this.prepare();
        } catch (e) {
          this.failedRebuilds++;
          this.log('error', `cannot rebuild the twin database (${(e as Error).message}); the previous one keeps serving`);
          return;
        }
        await this.teardownDb();
        await this.activate(next);
      })().finally(() => {
        this.rebuilding = null;
      });
    }
    return this.rebuilding;
  }

  private async build(): Promise<void> {
    await this.activate(this.prepare());
  }

  /** Plans and builds (does not start) the twin database; throws when it cannot be built. */
  private prepare(): { plan: TwinPlan[]; db: Database; mqtt: NodeMqttConnector } {
    const cfg = this.config;
    const plan = planTwins(cfg, this.sessions, (l, m) => this.log(l, m));
    const b = cfg.broker;
    const own = this.broker?.gateway;
    const mqtt = nodeMqttConnector({
      url: this.brokerUrl,
      clientId: b?.client_id ?? `aimdb-${cfg.node_id}`,
      username: b?.username ?? own?.username,
      password: b?.password ?? own?.password,
      ca: b?.ca ? readFileSync(b.ca) : undefined,
      cert: b?.cert ? readFileSync(b.cert) : undefined,
      key: b?.key ? readFileSync(b.key) : undefined,
      prefix: cfg.prefix,
    });
    const db = buildTwinDatabase(this.rt, cfg.node_id, plan, [mqtt, deviceConnector(this.sessions)], (t, v) => commandProblem(this.deviceConfig(t.device), t.deviceKey, v));
    return { plan, db, mqtt };
  }

  private deviceConfig(name: string): DeviceConfig | undefined {
    return this.config.devices.find((d) => d.name === name);
  }

  /**
   * What remote clients write: the database, with each command checked against its device's
   * declared shape (`bad_value`), refused while the device is offline, and answered `accepted`
   * (forwarded to the device, whose own reply is not awaited) when it goes on.
   */
  private checkedWrites(db: Database, plan: TwinPlan[]): AimxDatabase {
    const byId = new Map<number, TwinPlan>();
    for (const t of plan) if (t.role === 'command') byId.set(db.findRecord(t.key), t);
    return {
      records: () => db.records(),
      graph: () => db.graph(),
      resetMetrics: () => db.resetMetrics(),
      findRecord: (n) => db.findRecord(n),
      latest: (id) => db.latest(id),
      subscribeById: (id) => db.subscribeById(id),
      context: (src) => db.context(src),
      nodeId: db.nodeId,
      runtimeName: db.runtimeName,
      setById: (id, value) => {
        const t = byId.get(id);
        if (!t) return db.setById(id, value);
        const problem = commandProblem(this.deviceConfig(t.device), t.deviceKey, value);
        if (problem) throw aimError('INVALID_ARGUMENT', problem);
        const session = this.sessions.get(t.device);
        if (session && session.state !== 'online') throw aimError('INVALID_ARGUMENT', `device '${t.device}' is ${session.state}: the command would be lost`);
        db.setById(id, value);
        return 'accepted';
      },
    };
  }

  /** Starts a prepared database and binds the endpoints to it. */
  private async activate(next: { plan: TwinPlan[]; db: Database; mqtt: NodeMqttConnector }): Promise<void> {
    const cfg = this.config;
    const b = cfg.broker;
    const own = this.broker?.gateway;
    const { db, plan } = next;
    for (const s of this.sessions.values()) if (s.records) this.signatures.set(s.name, schemaSignature(s.records));
    this.plan = plan;
    this.mqtt = next.mqtt;
    this.producedTopics = new Set(plan.filter((t) => t.role !== 'command' && t.to?.startsWith('mqtt://')).map((t) => t.to!.slice('mqtt://'.length)));
    db.start();
    this.db = db;
    this.builds++;
    this.history?.attach(db);
    if (cfg.ownership.enabled) {
      this.ownership = new OwnershipGuard({
        url: this.brokerUrl,
        prefix: cfg.prefix,
        nodeId: cfg.node_id,
        refuse: cfg.ownership.refuse,
        connect: { username: b?.username ?? own?.username, password: b?.password ?? own?.password, ca: b?.ca ? readFileSync(b.ca) : undefined, cert: b?.cert ? readFileSync(b.cert) : undefined, key: b?.key ? readFileSync(b.key) : undefined },
        log: (l, m) => this.log(l, m),
      });
      await this.ownership.start(db);
    }
    const r = cfg.remote;
    // The core's connection cap only backstops the gate, which counts logged-in sessions apart from
    // the ones still at `hello` and closes after three bad tokens itself (logging in aggregate).
    this.aimx = aimxServer(this.checkedWrites(db, plan), {
      token: r.token,
      writable: r.writable.length ? r.writable : undefined,
      server: 'aimdb-edge',
      maxConnections: r.max_sessions + 5 * MAX_PENDING,
      maxAuthFailures: 1 << 30,
      // `query` answers AimX `record.query` from the history store (absent: `internal`, as AimDB).
      query: this.history ? historyQueryHandler(this.history) : undefined,
    });
    this.gate = setAimxLimits(this.aimx, { maxSessions: r.max_sessions, maxPending: MAX_PENDING, loginTimeoutMs: r.login_timeout_ms, idleTimeoutMs: r.idle_timeout_ms });
    if (r.tcp) this.listeners.push(await serveTcp(this.aimx, hostPort(r.tcp)));
    if (r.ws) this.listeners.push(await serveWs(this.aimx, { ...hostPort(r.ws), allowedOrigins: r.allowed_origins }));
    if (r.unix) this.listeners.push(await serveUnix(this.aimx, { path: r.unix }));
    if (cfg.dashboard.enabled) {
      this.dashboard = await startDashboard({
        db,
        host: cfg.dashboard.host,
        port: cfg.dashboard.port,
        aimx: this.aimx,
        devices: { pattern: '*.$status' },
        title: `AimDB edge ${cfg.node_id}`,
        token: r.token,
        allowedOrigins: r.allowed_origins,
        allowedHosts: cfg.dashboard.allowed_hosts,
      });
    }
    this.log('info', `twin database built: ${this.plan.length} records from ${cfg.devices.length} device(s)`);
  }

  private async teardownDb(): Promise<void> {
    const ls = this.listeners;
    this.listeners = [];
    await Promise.all(ls.map((l) => l.close()));
    if (this.dashboard) await this.dashboard.close();
    this.dashboard = null;
    await this.ownership?.stop();
    this.ownership = null;
    this.history?.detach();
    this.gate?.dispose();
    this.gate = null;
    this.db?.stop();
    this.db = null;
  }

  /** Waits until the MQTT connector is connected (for tests and the demo). */
  async ready(timeoutMs = 5000): Promise<void> {
    await this.mqtt?.ready(timeoutMs);
  }

  /** Stops endpoints, database, device sessions and the embedded broker. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.rebuilding) await this.rebuilding.catch(() => {});
    await this.teardownDb();
    await Promise.all([...this.sessions.values()].map((s) => s.stop()));
    await this.history?.stop();
    this.history = null;
    if (this.broker) await this.broker.close();
    this.broker = null;
  }
}
