/**
 * AimX over WebSocket (`ws` package): one text message per frame. Messages over the frame limit are
 * answered with an `oversize` error (the socket stays open); the token is checked in `hello`.
 */
import http from 'node:http';
import type net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { AimxServer } from '../../core/aimx/index.js';
import { AimxListener, MessageConn, SEND_HIGH_WATER, newConn, serveConn } from './conn.js';
import { MAX_FRAME_BYTES } from './framing.js';
import { originAllowed, wsIo } from './limits.js';

/** Options of {@link serveWs}. */
export interface WsServeOptions {
  /** Interface to bind. Default `'127.0.0.1'`. */
  host?: string;
  /** Port; 0 (default) lets the OS choose. */
  port?: number;
  /** URL path served. Default `'/aimx'`. */
  path?: string;
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

/** Serves AimX on a WebSocket endpoint. */
export async function serveWs(server: AimxServer, options: WsServeOptions = {}): Promise<AimxListener & { port: number }> {
  const maxFrame = options.maxFrame ?? server.maxFrameBytes;
  const path = options.path ?? '/aimx';
  const http0 = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('AimX over WebSocket\n');
  });
  // ws closes the socket on messages over maxPayload; leave headroom so that we can answer with an
  // `oversize` error instead and keep the session.
  const wss = new WebSocketServer({ server: http0, path, maxPayload: Math.max(maxFrame * 16, 1 << 20), verifyClient: (info: { req: http.IncomingMessage }) => originAllowed(info.req, options.allowedOrigins ?? []) });
  wss.on('connection', (ws, req) => {
    serveConn(server, wsConn(ws, `${req.socket.remoteAddress}:${req.socket.remotePort}`, maxFrame), { transport: 'ws' });
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
    url: `ws://${host}:${port}${path}`,
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

/** Connects to an AimX WebSocket server (`ws://host:port/path`). */
export function dialWs(url: string, maxFrame = MAX_FRAME_BYTES): Promise<MessageConn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: Math.max(maxFrame * 16, 1 << 20) });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.off('error', reject);
      resolve(wsConn(ws, url, maxFrame));
    });
  });
}
