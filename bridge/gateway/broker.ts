/**
 * The embedded MQTT broker (aedes) the gateway starts when no upstream broker is configured: MQTT
 * 3.1.1 and 5 over TCP on the configured address (127.0.0.1:1883 by default), and over WebSocket
 * for browser pages when `ws` is given (broker-ws.ts). Users scale past one
 * machine by pointing `broker.url` at mosquitto, EMQX or a HiveMQ cluster instead.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import { serveMqttOverWebSocket, type BrokerWsOptions, type MqttWsListener } from './broker-ws.js';

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

/**
 * Starts aedes on `host:port` (port 0: the OS chooses), and MQTT over WebSocket on `options.ws`.
 *
 * @example
 * const broker = await startEmbeddedBroker('127.0.0.1', 1883, { ws: { port: 9001 } });
 */
export async function startEmbeddedBroker(host = '127.0.0.1', port = 1883, options: { ws?: BrokerWsOptions } = {}): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as net.AddressInfo).port;
  const ws: MqttWsListener | null = options.ws ? await serveMqttOverWebSocket(aedes.handle, options.ws.host ?? host, options.ws.port) : null;
  return {
    url: `mqtt://${host}:${actual}`,
    port: actual,
    wsUrl: ws?.url,
    clients: () => aedes.connectedClients,
    close: async () => {
      await ws?.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}
