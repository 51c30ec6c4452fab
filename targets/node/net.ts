/**
 * A {@link SocketFactory} over Node's `net`, so that core code written for MCU sockets (the core MQTT
 * client, AimX over TCP) runs unchanged on Node: in tests and on the gateway.
 *
 * Chunks are delivered as Node `Buffer`s (a byte array, read with `byteAt`); `write` accepts a byte
 * array (`Uint8Array`, `number[]`) or a binary string (one char per byte, as on Espruino).
 *
 * @example
 * import { nodeSockets } from '../targets/node/net.js';
 * const client = new MqttClient(nodeSockets(), ctx, { host: '127.0.0.1', port: 1883, clientId: 'gw' });
 */
import * as net from 'node:net';
import type { ByteChunk, ByteStream, ByteStreamHandlers, SocketFactory } from '../../core/bytes.js';

/** Options of {@link nodeSockets}. */
export interface NodeSocketsOptions {
  /** Disable Nagle's algorithm (small MQTT packets go out at once). Default true. */
  noDelay?: boolean;
  /** Called with every socket made (tests use it to reach the raw socket). */
  onSocket?: (socket: net.Socket) => void;
}

/** Converts a core chunk to a Buffer for `socket.write`. */
export function toBuffer(chunk: ByteChunk): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'latin1');
  // A copy: the caller may reuse its array (the MQTT client sets DUP on a kept packet).
  if (chunk instanceof Uint8Array) return Buffer.from(chunk);
  return Buffer.from(Array.prototype.slice.call(chunk) as number[]);
}

/**
 * Makes the factory. Each `connect` opens one TCP connection; `onClose(error)` follows exactly once,
 * whether the peer closed, the connection failed, or `close()` was called.
 */
export function nodeSockets(options: NodeSocketsOptions = {}): SocketFactory {
  return {
    connect(host: string, port: number, handlers: ByteStreamHandlers): ByteStream {
      const socket = net.createConnection({ host, port });
      if (options.noDelay !== false) socket.setNoDelay(true);
      if (options.onSocket) options.onSocket(socket);
      let error: string | undefined;
      let closed = false;
      socket.on('connect', () => handlers.onConnect?.());
      socket.on('data', (data: Buffer) => handlers.onData(data));
      socket.on('error', (e: Error) => {
        error = e.message;
      });
      socket.on('close', () => {
        closed = true;
        handlers.onClose?.(error);
      });
      return {
        write(chunk: ByteChunk): void {
          if (closed || socket.destroyed || !socket.writable) return;
          socket.write(toBuffer(chunk));
        },
        close(): void {
          if (!closed) socket.destroy();
        },
      };
    },
  };
}
