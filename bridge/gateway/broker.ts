/**
 * The embedded MQTT broker (aedes) the gateway starts when no upstream broker is configured: MQTT
 * 3.1.1 and 5 over TCP on the configured address (127.0.0.1:1883 by default). Users scale past one
 * machine by pointing `broker.url` at mosquitto, EMQX or a HiveMQ cluster instead.
 */
import net from 'node:net';
import { Aedes } from 'aedes';

/** A running embedded broker. */
export interface EmbeddedBroker {
  /** `mqtt://host:port` clients connect to. */
  readonly url: string;
  readonly port: number;
  /** Connected clients now. */
  clients(): number;
  close(): Promise<void>;
}

/**
 * Starts aedes on `host:port` (port 0: the OS chooses).
 *
 * @example
 * const broker = await startEmbeddedBroker('127.0.0.1', 1883);
 */
export async function startEmbeddedBroker(host = '127.0.0.1', port = 1883): Promise<EmbeddedBroker> {
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
  return {
    url: `mqtt://${host}:${actual}`,
    port: actual,
    clients: () => aedes.connectedClients,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}
