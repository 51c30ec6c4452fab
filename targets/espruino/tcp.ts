/**
 * A `SocketFactory` over Espruino's `require('net')` (ESP32, ESP8266, Espruino WiFi): MQTT and AimX
 * over TCP on the device. Data arrives as binary strings.
 */
import type { ByteChunk, ByteStream, ByteStreamHandlers, SocketFactory } from '../../core/index.js';
import { toBinaryString } from './bytes.js';
import { espRequire, espSetTimeout, EspruinoNet, EspruinoSocket } from './globals.js';

class TcpStream implements ByteStream {
  _socket: EspruinoSocket | undefined;
  _open: boolean;
  constructor() {
    this._socket = undefined;
    this._open = false;
  }
  write(chunk: ByteChunk): void {
    if (this._socket && this._open) this._socket.write(toBinaryString(chunk));
  }
  close(): void {
    if (this._socket) this._socket.end();
  }
}

/**
 * Makes a socket factory on `require('net')`. Errors and closes arrive through `onClose(reason)`;
 * `connect` never throws at run time (a board without `net` fails here, at create time).
 *
 * @example
 * const sockets = espruinoSockets();
 * const s = sockets.connect('192.168.1.10', 1883, { onData: …, onConnect: …, onClose: … });
 */
export function espruinoSockets(net?: EspruinoNet): SocketFactory {
  const lib = net || espRequire<EspruinoNet>('net');
  if (!lib) throw new Error("tcp: this board has no 'net' module");
  return {
    connect: function (host: string, port: number, handlers: ByteStreamHandlers): ByteStream {
      const stream = new TcpStream();
      let closed = false;
      function closeOnce(reason?: string) {
        if (closed) return;
        closed = true;
        stream._open = false;
        if (handlers.onClose) handlers.onClose(reason);
      }
      let sock: EspruinoSocket;
      try {
        sock = lib.connect({ host: host, port: port }, function () {
          stream._open = true;
          if (handlers.onConnect) handlers.onConnect();
        });
      } catch (e) {
        // Reported from the idle loop, not from inside connect(): the caller is still setting up.
        const why = 'connect failed: ' + String(e);
        espSetTimeout(function () {
          closeOnce(why);
        }, 0);
        return stream;
      }
      stream._socket = sock;
      sock.on('data', function (data?: string) {
        handlers.onData(data as string);
      });
      sock.on('error', function (err?: unknown) {
        closeOnce('error: ' + String(err));
      });
      sock.on('close', function () {
        closeOnce(undefined);
      });
      return stream;
    },
  };
}
