/**
 * MQTT over WebSocket for the embedded broker: an HTTP server whose `/mqtt` upgrade (sub-protocol
 * `mqtt`) hands each connection to the broker as a byte stream, for browser pages (the browser
 * twin's core speaks MQTT through it). Everything else on that port answers 426.
 */
import http from 'node:http';
import type net from 'node:net';
import { createWebSocketStream, WebSocketServer } from 'ws';

/** Where the WebSocket listener binds. */
export interface BrokerWsOptions {
  /** Interface. Default: the broker's TCP host. */
  host?: string;
  /** Port (0: the OS chooses). */
  port: number;
}

/** A running listener. */
export interface MqttWsListener {
  /** `ws://host:port/mqtt`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Path of the endpoint (the one MQTT.js, EMQX and HiveMQ use by default). */
export const MQTT_WS_PATH = '/mqtt';
/** Largest WebSocket message accepted (the ws layer closes the connection above it). */
const WS_MAX_PAYLOAD = 1 << 20;

/**
 * Serves MQTT over WebSocket: each connection becomes a duplex stream given to `handle` (aedes's
 * `handle`, so authentication and authorization are the broker's own).
 *
 * @example
 * const ws = await serveMqttOverWebSocket(aedes.handle, '127.0.0.1', 9001);
 */
export async function serveMqttOverWebSocket(handle: (stream: net.Socket, req: http.IncomingMessage) => void, host: string, port: number): Promise<MqttWsListener> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' }).end('MQTT over WebSocket: connect to ' + MQTT_WS_PATH + '\n');
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // `mqtt` is the sub-protocol MQTT over WebSocket names; a client that offers none is accepted too.
  const wss = new WebSocketServer({
    server,
    path: MQTT_WS_PATH,
    maxPayload: WS_MAX_PAYLOAD,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  wss.on('connection', (socket, req) => {
    const stream = createWebSocketStream(socket);
    stream.on('error', () => socket.terminate());
    handle(stream as unknown as net.Socket, req);
  });
  const actual = await listenOn(server, port, host);
  return {
    url: `ws://${host.includes(':') ? '[' + host + ']' : host}:${actual}${MQTT_WS_PATH}`,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      for (const s of sockets) s.destroy();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Listens on `host:port` (port 0: the OS chooses); resolves with the port, rejects on a listen error. */
export async function listenOn(server: net.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as net.AddressInfo).port;
}
