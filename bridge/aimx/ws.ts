/**
 * AimX over WebSocket (`ws` package): one text message per frame, on AimDB's upgrade contract —
 * `GET /ws?v=3.0` (426 without a compatible `v`), `GET /version` (`{"aimx":"3.0"}`), `GET /health`
 * (`{"status":"ok","clients":n,"uptime_secs":s}`). `/aimx` stays as an alias (a missing `v` is
 * accepted there). The token is accepted at the upgrade or in `hello` (see `auth.ts`); sessions
 * send `subscribed` acks, as AimDB's WebSocket connector does. Messages over the frame limit are
 * counted and skipped (the socket stays open).
 */
import http from 'node:http';
import type net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { AIMX_VERSION, type AimxServer } from '../../core/aimx/index.js';
import { checkUpgrade, VERSION_PARAM } from './auth.js';
import { AimxListener, MessageConn, SEND_HIGH_WATER, newConn, serveConn } from './conn.js';
import { MAX_FRAME_BYTES } from './framing.js';
import { gateOf, originAllowed, wsIo } from './limits.js';

/** Options of {@link serveWs}. */
export interface WsServeOptions {
  /** Interface to bind. Default `'127.0.0.1'`. */
  host?: string;
  /** Port; 0 (default) lets the OS choose. */
  port?: number;
  /** URL path served, with AimDB's version gate. Default `'/ws'`. */
  path?: string;
  /** Further paths served without requiring `v` (older clients). Default `['/aimx']`. */
  aliases?: string[];
  /** Largest frame, in bytes. Default 65536. */
  maxFrame?: number;
  /** Browser origins allowed besides the endpoint's own (see `originAllowed`). Default none. */
  allowedOrigins?: string[];
}

/** Wraps an open WebSocket as a {@link MessageConn}. */
export function wsConn(ws: WebSocket, peer: string, maxFrame = MAX_FRAME_BYTES): MessageConn {
  const conn = newConn(
    peer,
    (t) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(t);
    },
    () => ws.close(1000),
    () => ws.bufferedAmount < SEND_HIGH_WATER,
  );
  conn.io = wsIo(ws);
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (buf.length > maxFrame) return conn.onOversize();
    // A binary message is read as UTF-8 text too: the frame is the JSON either way.
    void isBinary;
    conn.onMessage(buf.toString('utf8'));
  });
  ws.on('error', () => {});
  ws.on('close', (code: number) => conn.onClose(code === 1000 || code === 1005 ? undefined : 'closed with ' + code));
  return conn;
}

function sendHttp(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' }).end(body);
}

/** Upgrades of one address waiting out its token backoff at once; more are refused (429). */
const MAX_HELD_UPGRADES = 4;

/** Serves AimX on a WebSocket endpoint. */
export async function serveWs(server: AimxServer, options: WsServeOptions = {}): Promise<AimxListener & { port: number }> {
  const maxFrame = options.maxFrame ?? server.maxFrameBytes;
  const path = options.path ?? '/ws';
  const paths = { strict: [path], lenient: (options.aliases ?? ['/aimx']).filter((p) => p !== path) };
  const started = Date.now();
  // ws closes the socket on messages over maxPayload; leave headroom so that an oversize frame is
  // counted and skipped instead, and the session kept.
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(maxFrame * 16, 1 << 20) });
  const http0 = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/version') return sendHttp(res, 200, 'application/json', JSON.stringify({ aimx: AIMX_VERSION }));
    if (req.method === 'GET' && url.pathname === '/health') {
      return sendHttp(res, 200, 'application/json', JSON.stringify({ status: 'ok', clients: wss.clients.size, uptime_secs: Math.floor((Date.now() - started) / 1000) }));
    }
    if (paths.strict.includes(url.pathname) || paths.lenient.includes(url.pathname)) return sendHttp(res, 426, 'text/plain', 'AimX over WebSocket: upgrade required\n');
    sendHttp(res, 404, 'text/plain', 'not found\n');
  });
  // Upgrades held in a token backoff, per address (bounded: past the cap they are refused at once).
  const held = new Map<string, number>();
  const upgrade = (req: http.IncomingMessage, socket: net.Socket, head: Buffer): void => {
    // A page of another site must not reach AimX through the visitor's browser: Origin first.
    const verdict = originAllowed(req, options.allowedOrigins ?? []) ? checkUpgrade(req, server, paths) : { status: 403, body: 'origin not allowed\n', trusted: false };
    if (verdict.status === 401) gateOf(server).failedToken(req.socket.remoteAddress ?? '');
    if (verdict.status !== 101) {
      const reason = http.STATUS_CODES[verdict.status] ?? '';
      socket.end(`HTTP/1.1 ${verdict.status} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(verdict.body)}\r\nconnection: close\r\n\r\n${verdict.body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      serveConn(server, wsConn(ws, `${req.socket.remoteAddress}:${req.socket.remotePort}`, maxFrame), { transport: 'ws', trusted: verdict.trusted });
    });
  };
  http0.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    // A token at the upgrade is guessed no faster than one in `hello`: an address in its token
    // backoff has its upgrade answered when the backoff ends, as its `hello` frames would be.
    const addr = req.socket.remoteAddress ?? '';
    const wait = gateOf(server).backoffLeft(addr);
    if (wait <= 0) return upgrade(req, socket, head);
    const n = held.get(addr) ?? 0;
    if (n >= MAX_HELD_UPGRADES) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    held.set(addr, n + 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      const left = (held.get(addr) ?? 1) - 1;
      if (left > 0) held.set(addr, left);
      else held.delete(addr);
    };
    const timer = setTimeout(() => {
      release();
      if (!socket.destroyed) upgrade(req, socket, head);
    }, wait);
    socket.once('close', release);
  });
  const sockets = new Set<net.Socket>();
  http0.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http0.once('error', reject);
    http0.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (http0.address() as net.AddressInfo).port;
  return {
    url: `ws://${host.includes(':') ? '[' + host + ']' : host}:${port}${path}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        for (const s of sockets) s.destroy();
        http0.close(() => resolve());
      }),
  };
}

/** `url` with AimDB's version parameter (`?v=3.0`) unless it has one. */
export function withVersion(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has(VERSION_PARAM)) u.searchParams.set(VERSION_PARAM, AIMX_VERSION);
  return u.toString();
}

/**
 * Connects to an AimX WebSocket server (`ws://host:port/path`), declaring the protocol version in
 * the URL as AimDB's clients do. `token`, when given, goes in an `Authorization: Bearer` header.
 */
export function dialWs(url: string, maxFrame = MAX_FRAME_BYTES, token?: string): Promise<MessageConn> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = token ? { authorization: 'Bearer ' + token } : {};
    const ws = new WebSocket(withVersion(url), { maxPayload: Math.max(maxFrame * 16, 1 << 20), headers });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.off('error', reject);
      resolve(wsConn(ws, url, maxFrame));
    });
  });
}
