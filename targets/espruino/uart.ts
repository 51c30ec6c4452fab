/**
 * A `ByteStream` over an Espruino serial port (`Serial1`, `USB`): the AimX serial link to the
 * gateway (COBS frames). Espruino delivers received bytes as binary strings, which the core's codecs
 * read through `byteAt` without copying.
 */
import type { ByteChunk, ByteStream, ByteStreamHandlers } from '../../core/index.js';
import { toBinaryString } from './bytes.js';
import { espFreeSerial1, espSerial, EspruinoSerial } from './globals.js';

/** Options of {@link openUart}. */
export interface UartOptions {
  /** Port name: `'Serial1'` (default, the board's default UART) or `'USB'`. */
  port?: string;
  /** Baud rate (bits/s). Default `115200`. Ignored for `USB`. */
  baud?: number;
  /** RX pin (board-specific pin object). Default: the port's default pins. */
  rx?: unknown;
  /** TX pin. Default: the port's default pins. */
  tx?: unknown;
  /**
   * A host device for the port: Espruino's Linux build opens it (`/dev/ttyUSB0`, a pty); a board
   * has no such option and is never given one. Default: none.
   */
  path?: string;
  /** An explicit port object (tests, `LoopbackA`); overrides `port`. */
  serial?: EspruinoSerial;
  /**
   * On `Serial1`, move the REPL console off the port first (to USB, else LoopbackA), so that REPL
   * output never mixes into the link when USB is unplugged. Default `true`.
   */
  freeConsole?: boolean;
}

class UartStream implements ByteStream {
  _serial: EspruinoSerial | undefined;
  _handlers: ByteStreamHandlers;
  constructor(serial: EspruinoSerial, handlers: ByteStreamHandlers) {
    this._serial = serial;
    this._handlers = handlers;
  }
  write(chunk: ByteChunk): void {
    if (this._serial) this._serial.write(toBinaryString(chunk));
  }
  close(): void {
    const s = this._serial;
    if (!s) return;
    this._serial = undefined;
    s.removeAllListeners('data');
    if (this._handlers.onClose) this._handlers.onClose();
  }
}

/**
 * Opens a serial port as a byte stream. Throws when the board has no such port (a configuration
 * mistake, found at start).
 *
 * @example
 * const link = openUart({ port: 'Serial1', baud: 115200 }, { onData: (chunk) => decoder.push(chunk) });
 * link.write('\x01\x02\x00');
 */
export function openUart(options: UartOptions, handlers: ByteStreamHandlers): ByteStream {
  const name = options.port || 'Serial1';
  const serial = options.serial || espSerial(name);
  if (!serial) throw new Error('uart: no serial port ' + name + ' on this board');
  if (name === 'Serial1' && !options.serial && options.freeConsole !== false) espFreeSerial1();
  if (name !== 'USB') {
    const pins: { rx?: unknown; tx?: unknown; path?: string } | undefined = options.rx !== undefined ? { rx: options.rx, tx: options.tx } : undefined;
    serial.setup(options.baud || 115200, options.path ? { path: options.path } : pins);
  }
  const stream = new UartStream(serial, handlers);
  serial.on('data', function (data: string) {
    handlers.onData(data);
  });
  if (handlers.onConnect) handlers.onConnect();
  return stream;
}
