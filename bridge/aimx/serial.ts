/**
 * AimX over a serial line (CONTRACT §6): COBS frames, each terminated by 0x00, on any byte stream —
 * a real port through the `serialport` package (`targets/node` `openSerialPort`) or a simulated one.
 * A UART is a point-to-point link the operator wires, so served sessions are `trusted` (no token)
 * unless `trusted: false`.
 */
import type { ByteStream, ByteStreamHandlers } from '../../core/index.js';
import { CobsLink, serveAimxOnStream } from '../../core/aimx/index.js';
import type { AimxServer } from '../../core/aimx/index.js';
import { openSerialPort } from '../../targets/node/index.js';
import type { SerialPortLike } from '../../targets/node/index.js';
import { AimxListener, MessageConn, newConn } from './conn.js';

/** Opens a byte stream given its handlers (a port's `open`). */
export type StreamOpener = (handlers: ByteStreamHandlers) => ByteStream;

/** Options of {@link serveStream} and {@link serveSerial}. */
export interface StreamServeOptions {
  /** Skip the token on this link. Default true (a cable). */
  trusted?: boolean;
  /** Largest encoded frame, in bytes. Default 8192. */
  maxFrame?: number;
}

/** Serves AimX on a byte stream (one session while the stream is open). */
export function serveStream(server: AimxServer, open: StreamOpener, name: string, options: StreamServeOptions = {}): AimxListener & { link: CobsLink } {
  const link = serveAimxOnStream(server, { transport: 'serial', peer: name, trusted: options.trusted !== false, maxFrame: options.maxFrame });
  link.attach(open(link));
  return {
    url: name,
    link,
    close: async () => {
      if (link.session) link.session.close();
      link.close();
    },
  };
}

/** Options of {@link serveSerial}. */
export interface SerialServeOptions extends StreamServeOptions {
  /** Device path, e.g. `/dev/ttyUSB0`. */
  path: string;
  /** Baud rate. Default 115200. */
  baudRate?: number;
  /** A port-like object instead of a real `SerialPort` (tests). */
  port?: SerialPortLike;
}

/** Serves AimX on a serial port. */
export function serveSerial(server: AimxServer, options: SerialServeOptions): AimxListener & { link: CobsLink } {
  const baud = options.baudRate ?? 115200;
  return serveStream(server, (h) => openSerialPort({ path: options.path, baudRate: baud, port: options.port }, h), `serial://${options.path}?baud=${baud}`, options);
}

/**
 * A client {@link MessageConn} over a byte stream; resolves once the stream reports it is open.
 */
export function dialStream(open: StreamOpener, name: string, maxFrame?: number): Promise<MessageConn> {
  return new Promise((resolve, reject) => {
    let opened = false;
    let conn!: MessageConn;
    const link = new CobsLink((t) => conn.onMessage(t), { maxFrame, onOversize: () => conn.onOversize() });
    conn = newConn(name, (t) => link.send(t), () => link.close(), () => true);
    link.onOpened = () => {
      if (opened) return;
      opened = true;
      resolve(conn);
    };
    link.onClosed = (reason) => {
      if (!opened) reject(new Error(`${name}: ${reason ?? 'closed before open'}`));
      else conn.onClose(reason);
    };
    try {
      link.attach(open(link));
    } catch (e) {
      reject(e);
    }
  });
}

/** Connects to an AimX server on a serial port. */
export function dialSerial(path: string, baudRate = 115200): Promise<MessageConn> {
  return dialStream((h) => openSerialPort({ path, baudRate }, h), `serial://${path}?baud=${baudRate}`);
}
