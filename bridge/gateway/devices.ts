/**
 * Devices mirrored over AimX (serial, TCP, WebSocket, Unix, or a simulated stream). A device session
 * keeps one connection per device alive (reconnecting with backoff when the port disappears and
 * comes back), discovers its records with `record.list`, and feeds the twins through the `device`
 * connector: `device://<device>/<key>` inbound links receive the device's values (one AimX
 * subscription per record, so sequence gaps are counted per record), outbound links write commands
 * to the device with `record.set`.
 */
import { aimError, keyNameProblem, type Connector, type ConnectorContext, type InboundRoute, type LinkUrl, type Payload } from '../../core/index.js';
import { AimxConnection, type Welcome } from '../aimx/index.js';
import type { ClientSubscription } from '../../core/aimx/index.js';
import type { MessageConn } from '../aimx/index.js';
import { MAX_DECLARED_RECORDS, MAX_RING_CAPACITY, type DeviceConfig } from './config.js';
import { keyMatches } from '../../core/aimx/index.js';

/** One row of a device's `record.list`, as the gateway uses it. */
export interface RemoteRecord {
  key: string;
  buffer: 'spmc_ring' | 'single_latest' | 'mailbox';
  capacity: number;
  writable: boolean;
}

/** Connection states reported in the device's status record. */
export type DeviceState = 'connecting' | 'online' | 'offline';

/** The status record value of a device. */
export interface DeviceStatus {
  device: string;
  state: DeviceState;
  /** Wall-clock ms of the last state change. */
  since: number;
  /** Records mirrored. */
  records: number;
  /** Reconnects since the gateway started. */
  reconnects: number;
  /** Sequence restarts seen (the device restarted behind a kept link). */
  restarts?: number;
  /** The last error, when offline. */
  error?: string;
  /** Server string and node id from the device's `hello`. */
  server?: string;
  node?: string;
}

/** Opens the byte/message connection of a device. */
export type DeviceOpener = (device: DeviceConfig) => Promise<MessageConn>;

/** Schema signature: a twin database must be rebuilt when it changes. */
export function schemaSignature(rows: RemoteRecord[]): string {
  return rows
    .map((r) => `${r.key}:${r.buffer}:${r.capacity}:${r.writable ? 'w' : 'r'}`)
    .sort()
    .join('|');
}

/**
 * One `record.list` row as a {@link RemoteRecord}, or why it cannot be mirrored. What a device reports
 * is untrusted: the key must be a valid record key that is not reserved (`$…`, nor the `.set` a
 * command twin adds), the buffer a known kind, the capacity at most {@link MAX_RING_CAPACITY}.
 */
export function toRemote(row: unknown): RemoteRecord | string {
  if (!row || typeof row !== 'object' || Array.isArray(row)) return 'not a record row';
  const o = row as { [k: string]: unknown };
  const key = o.record_key ?? o.name;
  if (typeof key !== 'string') return 'no record key';
  const shown = JSON.stringify(key.length > 64 ? key.slice(0, 64) + '…' : key);
  const problem = keyNameProblem(key);
  if (problem) return `record ${shown}: ${problem}`;
  if (key.charAt(0) === '$' || key.indexOf('.$') >= 0) return `record ${shown}: '$' names are reserved for the gateway`;
  if (key.endsWith('.set')) return `record ${shown}: keys ending in '.set' are reserved for command twins`;
  const buffer = o.buffer_type;
  if (buffer !== 'spmc_ring' && buffer !== 'single_latest' && buffer !== 'mailbox') return `record ${shown}: unknown buffer type ${JSON.stringify(String(buffer)).slice(0, 40)}`;
  const cap = o.buffer_capacity;
  if (cap !== undefined && cap !== null && (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 1 || cap > MAX_RING_CAPACITY)) return `record ${shown}: capacity ${String(cap).slice(0, 24)} out of 1..${MAX_RING_CAPACITY}`;
  return { key, buffer, capacity: typeof cap === 'number' ? cap : 1, writable: o.writable === true };
}

/**
 * The records of a `record.list` reply worth mirroring: bad rows (and duplicates, and rows past
 * {@link MAX_DECLARED_RECORDS}) are skipped with a warning; the rest are served.
 */
export function validRecords(list: unknown, warn: (msg: string) => void): RemoteRecord[] {
  if (!Array.isArray(list)) throw aimError('INVALID_ARGUMENT', 'record.list did not answer a list');
  const out: RemoteRecord[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  let first = '';
  for (let i = 0; i < list.length; i++) {
    if (out.length >= MAX_DECLARED_RECORDS) {
      warn(`${list.length - i} record(s) past the first ${MAX_DECLARED_RECORDS} ignored`);
      break;
    }
    const r = toRemote(list[i]);
    const why = typeof r === 'string' ? r : seen.has(r.key) ? `record ${JSON.stringify(r.key)} listed twice` : '';
    if (why) {
      // One line per reply, not per row: a device can list thousands.
      if (skipped++ === 0) first = why;
      continue;
    }
    seen.add((r as RemoteRecord).key);
    out.push(r as RemoteRecord);
  }
  if (skipped > 0) warn(`${skipped} record row(s) skipped (first: ${first})`);
  return out;
}

/** A live device: its connection, discovered records and the routes bound to it. */
export class DeviceSession {
  state: DeviceState = 'offline';
  conn: AimxConnection | null = null;
  welcome: Welcome | null = null;
  /** Records discovered at the last connect (filtered by `include`). */
  records: RemoteRecord[] | null = null;
  reconnects = 0;
  /** Times the device's sequence numbers started over (it restarted behind a kept link). */
  restarts = 0;
  /** Times the device stopped answering pings and was marked offline. */
  silences = 0;
  lastError: string | undefined;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private since = Date.now();
  private routes = new Map<string, InboundRoute[]>();
  private statusRoutes: InboundRoute[] = [];
  private subs: ClientSubscription[] = [];
  private stopped = true;
  private retryTimer: NodeJS.Timeout | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  /** JSON of the last value delivered per SingleLatest key (what a re-sync compares against). */
  private lastJson = new Map<string, string>();
  /** Values a re-sync found different from the twin (the update that carried them was lost). */
  resynced = 0;
  private delay: number;
  private connecting: Promise<void> | null = null;

  constructor(
    readonly config: DeviceConfig,
    private readonly opener: DeviceOpener,
    private readonly log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void,
    /** Called after each (re)connect with the discovered records. */
    private readonly onRecords: (s: DeviceSession, rows: RemoteRecord[]) => void,
  ) {
    this.delay = config.reconnect_ms;
  }

  get name(): string {
    return this.config.name;
  }

  /** The status value for the device's status record. */
  status(): DeviceStatus {
    const s: DeviceStatus = { device: this.name, state: this.state, since: this.since, records: this.records?.length ?? 0, reconnects: this.reconnects };
    if (this.restarts) s.restarts = this.restarts;
    if (this.lastError && this.state !== 'online') s.error = this.lastError;
    if (this.welcome) {
      s.server = this.welcome.server;
      if (this.welcome.node_id) s.node = this.welcome.node_id;
    }
    return s;
  }

  /** Starts connecting (and reconnecting forever, with backoff, until {@link stop}). */
  start(): Promise<void> {
    this.stopped = false;
    return this.connectOnce();
  }

  /** Resolves when connected, or rejects after `ms`. */
  async waitOnline(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (this.state !== 'online') {
      if (Date.now() > end) throw aimError('TIMEOUT', `device '${this.name}' not reachable within ${ms} ms${this.lastError ? ': ' + this.lastError : ''}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private setState(state: DeviceState, error?: string): void {
    if (error) this.lastError = error;
    if (state === this.state) return;
    this.state = state;
    this.since = Date.now();
    this.publishStatus();
  }

  private publishStatus(): void {
    const st = this.status();
    for (const r of this.statusRoutes) r.deliver(st as unknown as Payload);
  }

  private connectOnce(): Promise<void> {
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      this.setState('connecting');
      try {
        const mc = await this.opener(this.config);
        const conn = new AimxConnection(mc, this.config.transport ?? this.name);
        this.welcome = await conn.hello('aimdb-edge', this.config.token);
        const rows = validRecords(await conn.listRecords(), (m) => this.log('warn', `device '${this.name}': ${m}`));
        this.records = rows.filter((r) => this.config.include.some((p) => keyMatches(p, r.key)));
        this.conn = conn;
        this.delay = this.config.reconnect_ms;
        this.lastError = undefined;
        conn.whenClosed().then((reason) => this.onClosed(conn, reason));
        this.setState('online');
        this.log('info', `device '${this.name}' online (${this.records.length} records, ${this.welcome.server})`);
        this.onRecords(this, this.records);
        this.subscribeAll();
        this.startHeartbeat(conn);
      } catch (e) {
        this.setState('offline', (e as Error).message);
        this.log('warn', `device '${this.name}' unreachable: ${(e as Error).message}; retrying in ${this.delay} ms`);
        this.scheduleRetry();
      } finally {
        this.connecting = null;
      }
    })();
    return this.connecting;
  }

  /**
   * A device that stops answering behind an open link (a hung board, a USB adapter that stays
   * enumerated) is marked offline: every `heartbeat_ms` it must answer a ping within `heartbeat_ms`,
   * so silence is noticed within twice that. The link is then closed and the reconnect loop runs.
   */
  private startHeartbeat(conn: AimxConnection): void {
    this.stopHeartbeat();
    const every = this.config.heartbeat_ms;
    if (!every) return;
    let busy = false;
    this.heartbeatTimer = setInterval(() => {
      if (busy || this.conn !== conn || conn.closed) return;
      busy = true;
      conn
        .ping(every)
        .then(
          () => undefined,
          () => {
            if (this.conn !== conn || conn.closed) return;
            this.silences++;
            this.lastError = `no answer to a ping within ${every} ms`;
            this.log('warn', `device '${this.name}' stopped answering: marking it offline`);
            this.onClosed(conn, this.lastError);
            void conn.close();
          },
        )
        .finally(() => {
          busy = false;
        });
    }, every);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private onClosed(conn: AimxConnection, reason?: string): void {
    if (this.conn !== conn) return;
    this.conn = null;
    this.stopHeartbeat();
    this.stopResync();
    this.subs = [];
    if (this.stopped) return;
    this.reconnects++;
    this.setState('offline', reason ?? 'connection closed');
    this.log('warn', `device '${this.name}' disconnected: ${reason ?? 'closed'}; reconnecting`);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.config.reconnect_max_ms);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) void this.connectOnce();
    }, wait);
  }

  /** Binds the inbound routes of this device's twins (called by the connector at db start). */
  bind(routes: Map<string, InboundRoute[]>, statusRoutes: InboundRoute[]): void {
    for (const s of this.subs) s.close();
    this.subs = [];
    this.stopResync();
    this.routes = routes;
    this.statusRoutes = statusRoutes;
    this.publishStatus();
    this.subscribeAll();
  }

  private subscribeAll(): void {
    const conn = this.conn;
    if (!conn || this.subs.length > 0) return;
    const latest = new Set((this.records ?? []).filter((r) => r.buffer === 'single_latest').map((r) => r.key));
    for (const [key, routes] of this.routes) {
      const track = latest.has(key);
      let lastSeq = 0;
      const sub = conn.client.subscribe(key, {
        onUpdate: (u) => {
          // The client follows a sequence that starts over (or leaps) instead of dropping it; count it.
          if (lastSeq > 0 && (u.seq <= lastSeq || u.seq - lastSeq > 1 << 20)) this.restarts++;
          lastSeq = u.seq;
          if (track) this.lastJson.set(key, JSON.stringify(u.value));
          for (const r of routes) {
            if (u.skipped > 0) r.metrics.gaps += u.skipped;
            r.deliver(u.value as Payload);
          }
        },
        onError: (e) => {
          if (!conn.closed) this.log('warn', `device '${this.name}': subscription to '${key}' failed: ${e.message}`);
        },
      });
      this.subs.push(sub);
    }
    this.startResync(conn, latest);
  }

  /**
   * SingleLatest re-sync: a state update lost on the line (a corrupted or truncated frame) leaves no
   * gap to notice on a quiet record, so every `resync_ms` the session reads each mirrored
   * SingleLatest with `record.get` and delivers it when it differs from what the twin last got.
   * Rings need no re-sync: their lost values are counted as gaps.
   */
  private startResync(conn: AimxConnection, keys: Set<string>): void {
    this.stopResync();
    const every = this.config.resync_ms;
    const watched = [...keys].filter((k) => this.routes.has(k));
    if (!every || watched.length === 0) return;
    let busy = false;
    this.resyncTimer = setInterval(() => {
      if (busy || this.conn !== conn || conn.closed) return;
      busy = true;
      void (async () => {
        for (const key of watched) {
          let value: unknown;
          try {
            // A request or reply lost on a noisy line must not hold the next ticks: one interval each.
            value = await Promise.race([
              conn.getRecord(key),
              new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), every).unref()),
            ]);
          } catch {
            continue; // no value yet, a lost frame, or the link going down: the next tick tries again
          }
          if (value === undefined || value === null) continue;
          const json = JSON.stringify(value);
          if (json === this.lastJson.get(key)) continue;
          this.lastJson.set(key, json);
          this.resynced++;
          this.log('debug', `device '${this.name}': re-synced '${key}' (an update was lost on the line)`);
          for (const r of this.routes.get(key) ?? []) r.deliver(value as Payload);
        }
      })().finally(() => {
        busy = false;
      });
    }, every);
    this.resyncTimer.unref();
  }

  private stopResync(): void {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.resyncTimer = null;
  }

  /** Writes a command to the device. Resolves false (and logs) when it was refused or lost. */
  async write(key: string, value: unknown): Promise<boolean> {
    const conn = this.conn;
    if (!conn) return false;
    try {
      await conn.setRecord(key, value);
      return true;
    } catch (e) {
      this.log('warn', `device '${this.name}': write to '${key}' failed: ${(e as Error).message}`);
      return false;
    }
  }

  /** Stops reconnecting and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopResync();
    this.stopHeartbeat();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const c = this.conn;
    this.conn = null;
    this.setState('offline', 'stopped');
    if (c) await c.close();
  }
}

/** Splits `device://<name>/<key>` into its device name and record key. */
export function parseDeviceAddress(link: LinkUrl): { device: string; key: string } | undefined {
  const slash = link.address.indexOf('/');
  if (slash <= 0 || slash === link.address.length - 1) return undefined;
  return { device: link.address.slice(0, slash), key: link.address.slice(slash + 1) };
}

/** The key of a device's status pseudo-record on the device link. */
export const STATUS_KEY = '$status';

/**
 * The `device` connector: serves `device://<name>/<key>` links for every device session.
 *
 * @example
 * builder(rt).withConnector(deviceConnector(sessions))
 *   .configure(Twin, (r) => r.buffer(ring(64)).linkFrom('device://pico/actuator.position').withDeserializer(…).finish())
 */
export function deviceConnector(sessions: Map<string, DeviceSession>): Connector {
  return {
    schemes: ['device'],
    validate(link: LinkUrl): string | undefined {
      const a = parseDeviceAddress(link);
      if (!a) return `expected device://<device>/<record key>, got '${link.url}'`;
      if (!sessions.has(a.device)) return `unknown device '${a.device}'`;
      return undefined;
    },
    start(ctx: ConnectorContext): void {
      const byDevice = new Map<string, { routes: Map<string, InboundRoute[]>; status: InboundRoute[] }>();
      for (const name of sessions.keys()) byDevice.set(name, { routes: new Map(), status: [] });
      for (const r of ctx.inbound) {
        const a = parseDeviceAddress(r.link)!;
        const d = byDevice.get(a.device)!;
        if (a.key === STATUS_KEY) d.status.push(r);
        else d.routes.set(a.key, [...(d.routes.get(a.key) ?? []), r]);
      }
      for (const route of ctx.outbound) {
        const a = parseDeviceAddress(route.link)!;
        const session = sessions.get(a.device)!;
        route.send = (_payload, value) => {
          if (session.state !== 'online') {
            route.metrics.dropped++;
            ctx.log.warn(`command for '${a.key}' dropped: device '${a.device}' is ${session.state}`);
            return;
          }
          route.metrics.sent++;
          void session.write(a.key, value).then((ok) => {
            if (!ok) route.metrics.dropped++;
          });
        };
      }
      for (const [name, d] of byDevice) sessions.get(name)!.bind(d.routes, d.status);
    },
    stop(): void {
      for (const s of sessions.values()) s.bind(new Map(), []);
    },
  };
}
