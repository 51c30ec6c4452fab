/**
 * The edge gateway (issue 4): keeps a twin of each device's records and bridges them to an MQTT
 * broker, with remote access (AimX), a dashboard and Prometheus metrics.
 *
 * Lifecycle: broker (embedded unless configured) → device sessions (discovery with a deadline) →
 * the twin database (built from what was discovered) → endpoints. When a device comes back with
 * other records, the database is rebuilt and the endpoints rebound; device connections and the
 * broker stay up.
 */
import { readFileSync } from 'node:fs';
import type { Database, RuntimeAdapter } from '../../core/index.js';
import { aimxServer, type AimxServer } from '../../core/aimx/index.js';
import { nodeRuntime, type LogRecord } from '../../targets/node/index.js';
import { dial, serveTcp, serveUnix, serveWs, type AimxListener, type MessageConn } from '../aimx/index.js';
import { startDashboard, type Dashboard } from '../dashboard/index.js';
import { HistoryStore, historyQueryHandler, type Row } from '../history/index.js';
import { nodeMqttConnector, type NodeMqttConnector } from '../mqtt/index.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker.js';
import { OwnershipGuard } from './ownership.js';
import type { DeviceConfig, EdgeConfig } from './config.js';
import { DeviceSession, deviceConnector, schemaSignature, type RemoteRecord } from './devices.js';
import { buildTwinDatabase, planTwins, type TwinPlan } from './twins.js';

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
    if (cfg.broker) this.brokerUrl = cfg.broker.url;
    else {
      const eb = cfg.embedded_broker;
      this.broker = await startEmbeddedBroker(eb.host, eb.port, { ws: eb.ws_port !== undefined ? { port: eb.ws_port } : undefined });
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

  private onRecords(s: DeviceSession, rows: RemoteRecord[]): void {
    const sig = schemaSignature(rows);
    const before = this.signatures.get(s.name);
    this.signatures.set(s.name, sig);
    if (this.db && before !== sig) {
      this.log('info', `device '${s.name}' records changed: rebuilding the twin database`);
      void this.rebuild();
    }
  }

  /** Rebuilds the database (device set or schema changed); endpoints are rebound to the new one. */
  rebuild(): Promise<void> {
    if (!this.rebuilding) {
      this.rebuilding = (async () => {
        await this.teardownDb();
        await this.build();
      })().finally(() => {
        this.rebuilding = null;
      });
    }
    return this.rebuilding;
  }

  private async build(): Promise<void> {
    const cfg = this.config;
    for (const s of this.sessions.values()) if (s.records) this.signatures.set(s.name, schemaSignature(s.records));
    this.plan = planTwins(cfg, this.sessions);
    const b = cfg.broker;
    this.mqtt = nodeMqttConnector({
      url: this.brokerUrl,
      clientId: b?.client_id ?? `aimdb-${cfg.node_id}`,
      username: b?.username,
      password: b?.password,
      ca: b?.ca ? readFileSync(b.ca) : undefined,
      cert: b?.cert ? readFileSync(b.cert) : undefined,
      key: b?.key ? readFileSync(b.key) : undefined,
      prefix: cfg.prefix,
    });
    const db = buildTwinDatabase(this.rt, cfg.node_id, this.plan, [this.mqtt, deviceConnector(this.sessions)]);
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
        connect: { username: b?.username, password: b?.password, ca: b?.ca ? readFileSync(b.ca) : undefined, cert: b?.cert ? readFileSync(b.cert) : undefined, key: b?.key ? readFileSync(b.key) : undefined },
        log: (l, m) => this.log(l, m),
      });
      await this.ownership.start(db);
    }
    // `query` answers AimX `record.query` from the history store (absent: `internal`, as AimDB).
    const aimxOptions = { token: cfg.remote.token, writable: cfg.remote.writable.length ? cfg.remote.writable : undefined, server: 'aimdb-edge', query: this.history ? historyQueryHandler(this.history) : undefined };
    this.aimx = aimxServer(db, aimxOptions);
    if (cfg.remote.tcp) this.listeners.push(await serveTcp(this.aimx, hostPort(cfg.remote.tcp)));
    if (cfg.remote.ws) this.listeners.push(await serveWs(this.aimx, hostPort(cfg.remote.ws)));
    if (cfg.remote.unix) this.listeners.push(await serveUnix(this.aimx, { path: cfg.remote.unix }));
    if (cfg.dashboard.enabled) {
      this.dashboard = await startDashboard({ db, host: cfg.dashboard.host, port: cfg.dashboard.port, aimx: this.aimx, devices: { pattern: '*.$status' }, title: `AimDB edge ${cfg.node_id}` });
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
