/**
 * A `ByteStream` over a serial port (the `serialport` package): the gateway's end of the AimX serial
 * link to an MCU (USB CDC or a UART adapter).
 */
import type { ByteChunk, ByteStream, ByteStreamHandlers } from '../../core/index.js';
import { createRequire } from 'node:module';
import type { SerialPort as SerialPortClass } from 'serialport';

/**
 * The `serialport` package, loaded on first use: its native binding takes longer to load than the
 * rest of the CLI, and only a serial link needs it (`aimdb --help` or a TCP client does not).
 */
function serialPortClass(): typeof SerialPortClass {
  return (createRequire(import.meta.url)('serialport') as { SerialPort: typeof SerialPortClass }).SerialPort;
}

/** Options of {@link openSerialPort}. */
export interface SerialOptions {
  /** Device path, e.g. `/dev/ttyACM0` or `COM3`. */
  path: string;
  /** Baud rate (bits/s). Default `115200`. */
  baudRate?: number;
  /** A port-like object instead of a real `SerialPort` (tests use `@serialport/binding-mock`). */
  port?: SerialPortLike;
}

/** The part of `SerialPort` used here. */
export interface SerialPortLike {
  write(data: Buffer): boolean;
  close(cb?: (err?: Error | null) => void): void;
  on(event: 'data', fn: (data: Buffer) => void): this;
  on(event: 'open', fn: () => void): this;
  on(event: 'close', fn: () => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
  readonly isOpen: boolean;
}

function toBuffer(chunk: ByteChunk): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'latin1');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(Array.prototype.slice.call(chunk) as number[]);
}

/**
 * Opens a serial port. Data arrives as Buffers (array-like bytes, which the core's codecs read with
 * `byteAt`). Errors close the stream with a reason; writes after close are dropped.
 *
 * @example
 * const link = openSerialPort({ path: '/dev/ttyACM0' }, { onData: (b) => decoder.push(b) });
 */
export function openSerialPort(options: SerialOptions, handlers: ByteStreamHandlers): ByteStream {
  const port: SerialPortLike = options.port ?? new (serialPortClass())({ path: options.path, baudRate: options.baudRate ?? 115200 });
  let closed = false;
  const closeOnce = (reason?: string) => {
    if (closed) return;
    closed = true;
    handlers.onClose?.(reason);
  };
  port.on('data', (data: Buffer) => handlers.onData(data));
  port.on('open', () => handlers.onConnect?.());
  port.on('error', (err: Error) => closeOnce('error: ' + err.message));
  port.on('close', () => closeOnce(undefined));
  if (port.isOpen) queueMicrotask(() => handlers.onConnect?.());
  return {
    write(chunk: ByteChunk) {
      if (!closed) port.write(toBuffer(chunk));
    },
    close() {
      if (closed) return;
      port.close(() => closeOnce(undefined));
    },
  };
}
