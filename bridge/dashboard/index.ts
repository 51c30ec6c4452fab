/**
 * The gateway's live dashboard: one `node:http`
 * server that serves the hand-written page in `public/`, `/config.json`, `/api/status` (devices,
 * link counters, scheduler), Prometheus `/metrics`, and — unless the page is pointed at another
 * endpoint with `wsUrl` — AimX v3 over WebSocket at `/aimx` on the same port (the page speaks AimX
 * itself: `hello`, `record.list`, `graph.*`, `sub "#"`).
 *
 * The WebSocket endpoint reuses the AimX transport of `bridge/aimx/ws.ts` (`wsConn` + `serveConn`)
 * on this server's `upgrade` event, so the page and its data share one origin and one port.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { aimxServer } from '../../core/aimx/index.js';
import type { AimxDatabase, AimxServer } from '../../core/aimx/index.js';
import { serveConn } from '../aimx/conn.js';
import { gateOf, originAllowed } from '../aimx/limits.js';
import { wsConn } from '../aimx/ws.js';
import { DeviceStatus, MetricsSource, PrometheusExtra, prometheusHandler } from '../metrics/prometheus.js';
import { Asset, loadAssets } from './assets.js';
import { DevicesSource, readDevices } from './devices.js';

export type { DeviceStatus } from '../metrics/prometheus.js';
export type { DevicesSource } from './devices.js';
export { normalizeDevice } from './devices.js';

/** What the dashboard reads from the database (the core `Database` has all of it). */
export type DashboardDatabase = AimxDatabase & MetricsSource;

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** The database to show. */
  db: DashboardDatabase;
  /** TCP port. Default 8080; 0 lets the OS choose. */
  port?: number;
  /** Interface to bind. Default `'127.0.0.1'` (use `'0.0.0.0'` to serve the LAN). */
  host?: string;
  /**
   * AimX WebSocket URL the page connects to instead of this server's own `/aimx` endpoint (e.g. the
   * `url` of `serveWs(...)`). When given, no WebSocket endpoint is mounted here. Default: mounted.
   */
  wsUrl?: string;
  /** AimX server the mounted endpoint opens sessions on (share the gateway's). Default: a new
   *  read-only `aimxServer(db)`. */
  aimx?: AimxServer;
  /**
   * Origins (`http://host:port`) allowed to open the mounted WebSocket besides this server's own.
   * Default none: a page from another site cannot read the gateway through a visitor's browser.
   */
  allowedOrigins?: string[];
  /**
   * Devices shown in the device panel and in `/metrics`: a list, a provider function, a record
   * holding a list, or `{ pattern: '*.$status' }` for the gateway's status twins. Items are
   * {@link DeviceStatus} or the gateway's `{device, state, since, …}`. Default: none (see `setDevices`).
   */
  devices?: DevicesSource;
  /**
   * Token the data endpoints (`/api/status`, `/metrics`) require as `Authorization: Bearer <token>`
   * (the page sends the one from its `#token=` fragment). Default none: open.
   */
  token?: string;
  /**
   * Host names (the HTTP `Host` header, without port) the dashboard answers besides IP literals,
   * `localhost` and this machine's name (`<name>` and `<name>.local`). Any other name is refused, so
   * a DNS name rebound to this address cannot make a visitor's browser read the gateway.
   */
  allowedHosts?: string[];
  /** Page title. Default `'AimDB ' + db.nodeId`. */
  title?: string;
  /** How often the page refreshes counters (`record.list`, `/api/status`), in ms. Default 1000. */
  pollMs?: number;
  /** Points kept per sparkline. Default 120. */
  historyLength?: number;
}

/** A running dashboard. */
export interface Dashboard {
  /** Page URL, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  readonly port: number;
  /** The AimX endpoint the page uses (`ws://…/aimx` when mounted here). */
  readonly wsUrl: string;
  /** Replaces the device source with a fixed list (either device shape), e.g. when a device comes or goes. */
  setDevices(list: unknown[]): void;
  /** Stops serving: closes the page's sockets and the HTTP server. Does not stop the database. */
  close(): Promise<void>;
}

const WS_PATH = '/aimx';

/** The `/api/status` document: what AimX does not carry (devices, link counters, scheduler). */
export function statusDocument(db: DashboardDatabase, devices: DeviceStatus[], aimx: AimxServer | null): unknown {
  const links: unknown[] = [];
  for (const r of db.records()) {
    for (const l of r.links) links.push({ record: r.key, direction: l.direction, url: l.url, ...l.metrics });
  }
  const mem = process.memoryUsage();
  return {
    node: db.nodeId,
    runtime: db.runtimeName,
    time: Date.now(),
    uptime_s: Math.round(process.uptime()),
    devices,
    links,
    scheduler: db.schedulerStats ? db.schedulerStats() : null,
    joins: db.joinStats ? db.joinStats() : [],
    aimx: aimx ? { sessions: aimx.sessionCount, refused: aimx.refused + gateOf(aimx).stats.refused } : null,
    process: { rss: mem.rss, heap_used: mem.heapUsed },
  };
}

function sendJson(res: http.ServerResponse, body: unknown, head: boolean): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}

function sendAsset(res: http.ServerResponse, a: Asset, head: boolean): void {
  res.writeHead(200, { 'content-type': a.type, 'content-length': a.body.length, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  res.end(head ? undefined : a.body);
}

/** True when the `Host` header names an IP literal, this machine, or an allowed name. */
export function hostAllowed(host: string | undefined, allowed: readonly string[]): boolean {
  if (!host) return false;
  let name = host.toLowerCase();
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']') < 0 ? undefined : name.indexOf(']'));
  else if (name.lastIndexOf(':') > 0) name = name.slice(0, name.lastIndexOf(':'));
  if (net.isIP(name)) return true;
  const me = hostname().toLowerCase();
  return name === 'localhost' || name === me || name === me + '.local' || allowed.some((a) => a.toLowerCase() === name);
}

function sameSecret(expected: string, header: string | undefined): boolean {
  const m = /^Bearer (.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(m[1].trim());
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Headers on every answer: the page loads only from here and is never framed by another site. */
function securityHeaders(res: http.ServerResponse, wsOrigin: string): void {
  res.setHeader('content-security-policy', `default-src 'self'; connect-src 'self'${wsOrigin ? ' ' + wsOrigin : ''}; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`);
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
}

/**
 * Starts the dashboard.
 *
 * @example
 * // Device rows from the gateway's `<device>.$status` twin records (what the edge gateway passes):
 * const dash = await startDashboard({ db, port: 8080, host: '0.0.0.0', aimx: gatewayAimx, devices: { pattern: '*.$status' } });
 * console.log('dashboard at', dash.url); // Prometheus scrapes dash.url + 'metrics'
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const db = options.db;
  const assets = loadAssets();
  let devices: DevicesSource | undefined = options.devices;
  const mountWs = options.wsUrl === undefined;
  const aimx = options.aimx ?? (mountWs ? aimxServer(db) : null);
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const extra = (): PrometheusExtra => {
    const e: PrometheusExtra = { devices: readDevices(db, devices) };
    if (aimx) {
      const g = gateOf(aimx).stats;
      e.aimx = { sessions: aimx.sessionCount, refused: aimx.refused + g.refused, closed: { login_timeout: g.loginTimeouts, frames_before_login: g.preAuthFlood, idle: g.idleClosed, output_overflow: g.outputOverflow, output_paused: g.outputPaused, auth_failures: g.authFailures, throttled: g.throttled } };
    }
    return e;
  };
  const metrics = prometheusHandler(db, { extra, eventLoopDelay: loop });
  const config = {
    title: options.title ?? 'AimDB ' + db.nodeId,
    wsUrl: options.wsUrl ?? null,
    wsPath: WS_PATH,
    pollMs: options.pollMs ?? 1000,
    historyLength: options.historyLength ?? 120,
  };

  const allowedHosts = options.allowedHosts ?? [];
  const token = options.token;
  let wsOrigin = '';
  if (options.wsUrl) {
    try {
      wsOrigin = new URL(options.wsUrl).origin.replace(/^http/, 'ws');
    } catch {
      wsOrigin = '';
    }
  }
  const server = http.createServer((req, res) => {
    const head = req.method === 'HEAD';
    securityHeaders(res, wsOrigin);
    if (!hostAllowed(req.headers.host, allowedHosts)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('unknown host name (see dashboard.allowed_hosts)\n');
      return;
    }
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (token && (pathname === '/metrics' || pathname === '/api/status') && !sameSecret(token, req.headers.authorization)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('token required (Authorization: Bearer …)\n');
      return;
    }
    if (pathname === '/metrics') return metrics(req, res);
    if (req.method !== 'GET' && !head) {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    try {
      if (pathname === '/config.json') return sendJson(res, config, head);
      if (pathname === '/api/status') return sendJson(res, statusDocument(db, readDevices(db, devices), aimx), head);
      if (pathname === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(head ? undefined : 'ok\n');
      const a = assets.get(pathname);
      if (a) return sendAsset(res, a, head);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
    }
  });

  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  let wss: WebSocketServer | null = null;
  if (mountWs && aimx) {
    const maxFrame = aimx.maxFrameBytes;
    // Headroom over the frame limit so the session can answer `oversize` instead of ws closing.
    const ws = new WebSocketServer({ noServer: true, maxPayload: Math.max(maxFrame * 16, 1 << 20) });
    wss = ws;
    const allowed = options.allowedOrigins ?? [];
    server.on('upgrade', (req, socket, head) => {
      const pathname = new URL(req.url ?? '/', 'http://x').pathname;
      if (pathname !== WS_PATH || !originAllowed(req, allowed) || !hostAllowed(req.headers.host, allowedHosts)) {
        socket.end('HTTP/1.1 ' + (pathname !== WS_PATH ? '404 Not Found' : '403 Forbidden') + '\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      ws.handleUpgrade(req, socket as net.Socket, head, (client) => {
        // Its own pool of not-logged-in sessions: a flood on another transport cannot starve the page.
        serveConn(aimx, wsConn(client, `${req.socket.remoteAddress}:${req.socket.remotePort}`, maxFrame), { transport: 'ws', pool: 'dashboard' });
      });
    });
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  const hostPart = host.includes(':') ? '[' + host + ']' : host === '0.0.0.0' ? '127.0.0.1' : host;
  const base = `http://${hostPart}:${port}/`;
  let closed: Promise<void> | null = null;
  return {
    url: base,
    port,
    wsUrl: options.wsUrl ?? `ws://${hostPart}:${port}${WS_PATH}`,
    setDevices(list: unknown[]) {
      devices = list.slice();
    },
    close() {
      if (closed) return closed;
      closed = new Promise<void>((resolve) => {
        loop.disable();
        if (wss) {
          for (const c of wss.clients) c.terminate();
          wss.close();
        }
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
