/**
 * A `SocketFactory` over the browser's `WebSocket`: the byte transport that lets the core's own
 * MQTT 3.1.1 client (core/mqtt) reach a broker's MQTT-over-WebSocket listener (aedes with `ws`,
 * mosquitto's `protocol websockets`, EMQX, HiveMQ) from a page. The MQTT bytes travel in binary
 * WebSocket messages, sub-protocol `mqtt`; message boundaries carry no meaning (the client's
 * decoder reassembles packets), so brokers that split or merge frames are fine.
 *
 * `connect(host, port)` opens `ws://host:port<path>` (`wss://` with `secure`), so a connector is
 * configured exactly as on a board: `mqttConnector({ url: 'mqtt://host:port', sockets })` with the
 * broker's WebSocket port.
 *
 * Bounds: a chunk that is not binary (a text frame) closes the stream with an error, and when the
 * socket's unsent bytes pass `maxBuffered` the stream is closed rather than letting the page's
 * memory grow (the client reconnects, and the links' bounded queues keep what they keep).
 */
import type { ByteChunk, ByteStream, ByteStreamHandlers, SocketFactory } from '../../core/index.js';
import { browserGlobal, BrowserGlobal, BrowserWebSocket } from './globals.js';

/** Options of {@link webSocketSockets}. */
export interface WebSocketSocketsOptions {
  /** URL path of the broker's MQTT endpoint. Default `'/mqtt'` (aedes here, EMQX, HiveMQ; mosquitto accepts any). */
  path?: string;
  /** `wss://` instead of `ws://`. Default false. */
  secure?: boolean;
  /** Unsent bytes allowed on the socket before it is closed. Default 1 MiB. */
  maxBuffered?: number;
  /** The global object to use (tests on Node pass timers and the `ws` package's WebSocket). Default: the page's. */
  host?: BrowserGlobal;
}

const OPEN = 1;

/** Copies a core chunk (binary string or byte array) into a fresh `Uint8Array` for `send`. */
export function chunkBytes(chunk: ByteChunk): Uint8Array {
  const n = chunk.length;
  const out = new Uint8Array(n);
  if (typeof chunk === 'string') for (let i = 0; i < n; i++) out[i] = chunk.charCodeAt(i) & 0xff;
  else for (let i = 0; i < n; i++) out[i] = chunk[i] & 0xff;
  return out;
}

/**
 * Makes the factory.
 *
 * @example
 * var sockets = AimDB.webSocketSockets({ path: '/mqtt' });
 * builder(rt).withConnector(AimDB.mqttConnector({ url: 'mqtt://127.0.0.1:9001', sockets: sockets }));
 */
export function webSocketSockets(options?: WebSocketSocketsOptions): SocketFactory {
  const opts = options || {};
  const path = opts.path === undefined ? '/mqtt' : opts.path;
  const maxBuffered = opts.maxBuffered || 1 << 20;
  return {
    connect: function (host: string, port: number, handlers: ByteStreamHandlers): ByteStream {
      const g = opts.host || browserGlobal();
      const Ctor = g.WebSocket;
      let closed = false;
      let ws: BrowserWebSocket | null = null;
      function closeOnce(reason?: string) {
        if (closed) return;
        closed = true;
        if (ws) {
          ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
          try {
            ws.close();
          } catch (e) {
            /* already closing */
          }
        }
        if (handlers.onClose) handlers.onClose(reason);
      }
      const hostPart = host.indexOf(':') >= 0 ? '[' + host + ']' : host;
      const url = (opts.secure ? 'wss://' : 'ws://') + hostPart + ':' + port + path;
      try {
        if (!Ctor) throw new Error('this page has no WebSocket');
        ws = new Ctor(url, 'mqtt');
        ws.binaryType = 'arraybuffer';
      } catch (e) {
        // Reported from a later task, not from inside connect(): the caller is still setting up.
        const why = 'connect failed: ' + String(e);
        g.setTimeout(function () {
          closeOnce(why);
        }, 0);
        return { write: function () {}, close: function () {} };
      }
      let error: string | undefined;
      ws.onopen = function () {
        if (!closed && handlers.onConnect) handlers.onConnect();
      };
      ws.onmessage = function (ev) {
        if (closed) return;
        const d = ev.data;
        if (!(d instanceof ArrayBuffer)) {
          closeOnce('websocket: text frame on an MQTT connection');
          return;
        }
        handlers.onData(new Uint8Array(d));
      };
      ws.onerror = function () {
        // Browsers give no detail here; the close event that follows carries the code.
        error = 'websocket error (' + url + ')';
      };
      ws.onclose = function (ev) {
        closeOnce(error || (ev.code === 1000 ? undefined : 'websocket closed, code ' + ev.code + (ev.reason ? ': ' + ev.reason : '')));
      };
      const sock = ws;
      return {
        write: function (chunk: ByteChunk) {
          if (closed || sock.readyState !== OPEN) return;
          if (sock.bufferedAmount > maxBuffered) {
            closeOnce('websocket: more than ' + maxBuffered + ' bytes unsent');
            return;
          }
          sock.send(chunkBytes(chunk));
        },
        close: function () {
          closeOnce(undefined);
        },
      };
    },
  };
}
