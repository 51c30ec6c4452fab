/**
 * AimX over a Unix domain socket: one JSON frame per line (AimDB's NDJSON framing). As in AimDB,
 * the socket file's owner and mode are the credential: the socket is created 0600 (owner only; 0660
 * admits the owner's group; a mode open to others is refused), and its sessions are not asked for
 * the token, so AimDB's CLI and client connect as they are.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { AimxServer } from '../../core/aimx/index.js';
import { unixSocketMode } from './auth.js';
import { AimxListener, MessageConn, serveConn, socketConn } from './conn.js';
import { LineDecoder, MAX_FRAME_BYTES } from './framing.js';

/** Options of {@link serveUnix}. */
export interface UnixServeOptions {
  /** Socket path. A stale socket file there is removed first. */
  path: string;
  /** Largest frame (line), in bytes. Default 65536. */
  maxFrame?: number;
  /** File mode of the socket: 0o600 (default, owner only) or 0o660 (owner and group). */
  mode?: number;
}

/** Wraps a connected socket as a line-framed {@link MessageConn}. */
export function lineConn(socket: net.Socket, peer: string, maxFrame = MAX_FRAME_BYTES): MessageConn {
  return socketConn(socket, peer, (t) => t + '\n', (onFrame, onOversize) => new LineDecoder({ onFrame, onOversize }, maxFrame));
}

/** Serves AimX on a Unix socket. */
export async function serveUnix(server: AimxServer, options: UnixServeOptions): Promise<AimxListener> {
  const mode = unixSocketMode(options.mode);
  const sockets = new Set<net.Socket>();
  try {
    if (fs.statSync(options.path).isSocket()) fs.unlinkSync(options.path);
  } catch {
    // No stale socket.
  }
  const srv = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConn(server, lineConn(socket, 'unix:' + options.path, options.maxFrame ?? server.maxFrameBytes), { transport: 'unix', trusted: true });
  });
  // listen() binds, creating the socket file, before it returns: a umask that leaves the file no
  // wider than `mode` closes the window between creating it and the chmod below. Restored at once,
  // so nothing else the process creates meanwhile is affected.
  const umask = process.umask(0o777 & ~mode);
  let listening: Promise<void>;
  try {
    listening = new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(options.path, () => resolve());
    });
  } finally {
    process.umask(umask);
  }
  await listening;
  fs.chmodSync(options.path, mode);
  return {
    url: 'unix://' + options.path,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

/** Connects to an AimX Unix socket server. */
export function dialUnix(path: string, maxFrame = MAX_FRAME_BYTES): Promise<MessageConn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(lineConn(socket, 'unix:' + path, maxFrame));
    });
  });
}
