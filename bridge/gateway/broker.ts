/**
 * The embedded MQTT broker (aedes) the gateway starts when no upstream broker is configured: MQTT
 * 3.1.1 and 5 over TCP on the configured address (127.0.0.1:1883 by default), and optionally over
 * WebSocket (`ws://host:port/mqtt`, sub-protocol `mqtt`) for browser pages. Users scale past one
 * machine by pointing `broker.url` at mosquitto, EMQX or a HiveMQ cluster instead.
 */
import http from 'node:http';
import net from 'node:net';
import { Aedes } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';

/** A running embedded broker. */
export interface EmbeddedBroker {
  /** `mqtt://host:port` clients connect to. */
  readonly url: string;
  readonly port: number;
  /** `ws://host:port/mqtt` when the WebSocket listener runs. */
  readonly wsUrl?: string;
  /** Connected clients now. */
  clients(): number;
  close(): Promise<void>;
}

/** The MQTT-over-WebSocket listener of the embedded broker. */
export interface BrokerWsOptions {
  /** Interface. Default: the broker's TCP host. */
  host?: string;
  /** Port (0: the OS chooses). */
  port: number;
}

/** Path of the WebSocket endpoint (the one MQTT.js, EMQX and HiveMQ use by default). */
export const MQTT_WS_PATH = '/mqtt';
/** Largest WebSocket message accepted (MQTT packets above this are refused by the ws layer). */
const WS_MAX_PAYLOAD = 1 << 20;

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function track(server: net.Server, sockets: Set<net.Socket>): void {
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
}

/**
 * Starts aedes on `host:port` (port 0: the OS chooses), and on `ws` for browsers when given.
 *
 * @example
 * const broker = await startEmbeddedBroker('127.0.0.1', 1883, { port: 9001 });
 * // pages connect to broker.wsUrl (ws://127.0.0.1:9001/mqtt)
 */
export async function startEmbeddedBroker(host = '127.0.0.1', port = 1883, ws?: BrokerWsOptions): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  const sockets = new Set<net.Socket>();
  track(server, sockets);
  const actual = await listen(server, port, host);
  let httpServer: http.Server | null = null;
  let wss: WebSocketServer | null = null;
  let wsUrl: string | undefined;
  if (ws) {
    const wsHost = ws.host ?? host;
    httpServer = http.createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' }).end('MQTT over WebSocket: connect to ' + MQTT_WS_PATH + '\n');
    });
    track(httpServer, sockets);
    // `mqtt` is the sub-protocol MQTT over WebSocket names; a client that offers none is accepted too.
    const server = new WebSocketServer({
      server: httpServer,
      path: MQTT_WS_PATH,
      maxPayload: WS_MAX_PAYLOAD,
      handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
    });
    wss = server;
    server.on('connection', (socket, req) => {
      const stream = createWebSocketStream(socket);
      stream.on('error', () => socket.terminate());
      aedes.handle(stream as unknown as net.Socket, req);
    });
    const wsPort = await listen(httpServer, ws.port, wsHost);
    wsUrl = `ws://${wsHost.includes(':') ? '[' + wsHost + ']' : wsHost}:${wsPort}${MQTT_WS_PATH}`;
  }
  return {
    url: `mqtt://${host}:${actual}`,
    port: actual,
    wsUrl,
    clients: () => aedes.connectedClients,
    close: async () => {
      if (wss) for (const c of wss.clients) c.terminate();
      for (const s of sockets) s.destroy();
      wss?.close();
      await new Promise<void>((r) => server.close(() => r()));
      if (httpServer) await new Promise<void>((r) => httpServer!.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}
