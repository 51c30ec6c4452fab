/**
 * AimX over TCP: frames carry a u32 big-endian length prefix, at most 64 KiB (CONTRACT §6).
 * The auth token (server option) is checked in `hello` on every TCP session.
 */
import net from 'node:net';
import type { AimxServer } from '../../core/aimx/index.js';
import { AimxListener, MessageConn, serveConn, socketConn } from './conn.js';
import { LengthPrefixDecoder, lengthPrefixed, MAX_FRAME_BYTES } from './framing.js';

/** Options of {@link serveTcp}. */
export interface TcpServeOptions {
  /** Interface to bind. Default `'127.0.0.1'`. */
  host?: string;
  /** Port; 0 (default) lets the OS choose. */
  port?: number;
  /** Largest frame, in bytes. Default 65536. */
  maxFrame?: number;
}

/** Wraps a connected socket as a length-prefixed {@link MessageConn}. */
export function tcpConn(socket: net.Socket, maxFrame = MAX_FRAME_BYTES): MessageConn {
  socket.setNoDelay(true);
  return socketConn(socket, `${socket.remoteAddress}:${socket.remotePort}`, lengthPrefixed, (onFrame, onOversize) => new LengthPrefixDecoder({ onFrame, onOversize }, maxFrame));
}

/**
 * Serves AimX on TCP.
 *
 * @example
 * const l = await serveTcp(server, { port: 0 });
 * console.log(l.url); // tcp://127.0.0.1:41234
 */
export async function serveTcp(server: AimxServer, options: TcpServeOptions = {}): Promise<AimxListener & { port: number }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConn(server, tcpConn(socket, options.maxFrame ?? server.maxFrameBytes), { transport: 'tcp' });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (srv.address() as net.AddressInfo).port;
  return {
    url: `tcp://${host.includes(':') ? '[' + host + ']' : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

/** Connects to an AimX TCP server. */
export function dialTcp(host: string, port: number, maxFrame = MAX_FRAME_BYTES): Promise<MessageConn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(tcpConn(socket, maxFrame));
    });
  });
}
