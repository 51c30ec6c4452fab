/**
 * A message connection: the one shape every Node AimX transport reduces to (one text per frame).
 * Servers bind it to a core session; clients bind it to an {@link AimxClient}.
 */
import type { AimxServer } from '../../core/aimx/index.js';
import { gateOf, socketIo, type ConnIo, type GateOpenOptions } from './limits.js';

/** One side of a framed connection. Handlers are assigned by whoever binds it. */
export interface MessageConn {
  /** Sends one frame. Dropped after close. */
  send(text: string): void;
  /** Closes the connection; `onClose` follows. */
  close(): void;
  /** False while the socket's send buffer is over its high-water mark. */
  canSend(): boolean;
  /** A frame arrived. */
  onMessage: (text: string) => void;
  /** A frame over the size limit was discarded. */
  onOversize: () => void;
  /** The connection ended (`reason` when it was not asked to). */
  onClose: (reason?: string) => void;
  /** Peer description for logs. */
  readonly peer: string;
  /** Flow control, when the transport has it (the output bound of bridge/aimx/limits.ts uses it). */
  io?: ConnIo;
}

/** Default send-buffer high-water mark, in bytes: beyond it subscription events are dropped. */
export const SEND_HIGH_WATER = 1 << 20;

/** Base with no-op handlers, for transports to fill in. */
export function newConn(peer: string, send: (t: string) => void, close: () => void, canSend: () => boolean): MessageConn {
  return {
    peer,
    send,
    close,
    canSend,
    onMessage: () => {},
    onOversize: () => {},
    onClose: () => {},
  };
}

/**
 * Serves AimX on an accepted connection: opens a session (or refuses the connection when the
 * server is full: one `denied` reply, then close) and routes frames both ways, under the server's
 * connection limits (login deadline, output bound, token backoff: bridge/aimx/limits.ts).
 */
export function serveConn(server: AimxServer, conn: MessageConn, options: GateOpenOptions): void {
  gateOf(server).serve(conn, options);
}

/** A listening AimX endpoint. */
export interface AimxListener {
  /** The URL clients connect to (`tcp://127.0.0.1:41234`, `unix:///tmp/x.sock`, …). */
  readonly url: string;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** A decoder of a byte stream into frames (length-prefixed or line-framed). */
export interface FrameDecoder {
  push(chunk: Buffer): void;
}

/**
 * Wraps a connected stream socket as a {@link MessageConn}: `frame(text)` makes the bytes of one
 * outgoing frame; `decoder(onFrame, onOversize)` splits incoming bytes into frames. Closing ends the
 * socket and destroys it if the peer does not finish within 200 ms.
 */
export function socketConn(
  socket: import('node:net').Socket,
  peer: string,
  frame: (text: string) => Buffer | string,
  decoder: (onFrame: (text: string) => void, onOversize: () => void) => FrameDecoder,
): MessageConn {
  let closed = false;
  const conn = newConn(
    peer,
    (t) => {
      if (!closed) socket.write(frame(t));
    },
    () => {
      if (!closed) socket.end();
      setTimeout(() => socket.destroy(), 200).unref();
    },
    () => socket.writableLength < SEND_HIGH_WATER,
  );
  conn.io = socketIo(socket);
  const dec = decoder(
    (t) => conn.onMessage(t),
    () => conn.onOversize(),
  );
  socket.on('data', (b: Buffer) => dec.push(b));
  socket.on('error', () => {});
  socket.on('close', (hadError: boolean) => {
    closed = true;
    conn.onClose(hadError ? 'socket error' : undefined);
  });
  return conn;
}
