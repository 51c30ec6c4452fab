/**
 * The embedded MQTT broker (aedes) the gateway starts when no upstream broker is configured: MQTT
 * 3.1.1 and 5 over TCP on the configured address (127.0.0.1:1883 by default), and over WebSocket
 * for browser pages when `ws` is given (broker-ws.ts). Users scale past one
 * machine by pointing `broker.url` at mosquitto, EMQX or a HiveMQ cluster instead.
 *
 * Authorization (aedes `authenticate`/`authorizePublish`/`authorizeSubscribe`), so that nobody on the
 * broker can silence or impersonate the gateway:
 * - the gateway connects with credentials made at start; it alone may use its client ids and write
 *   its ownership claims (`<prefix>/$owners/<node>`), its status topic and the topics of its twins;
 * - a configured user with `node: N` alone writes `<prefix>/$owners/N` and `<prefix>/N/…` (command
 *   topics ending in `/set` excepted) and uses the client ids `aimdb-N`, `aimdb-owners-N`;
 * - nobody else writes any `$owners` topic; every other publish needs a filter in the user's
 *   `publish` list (anonymous clients: `anonymous_publish`, default `#`), or `anonymous: false`
 *   refuses clients without credentials altogether.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import { Aedes, type Client } from 'aedes';
import { listenOn, serveMqttOverWebSocket, type BrokerWsOptions, type MqttWsListener } from './broker-ws.js';
import { topicMatches as topicMatchesFilter } from '../../core/mqtt/index.js';
import type { BrokerUser } from './config.js';

/** A running embedded broker. */
export interface EmbeddedBroker {
  /** `mqtt://host:port` clients connect to. */
  readonly url: string;
  readonly port: number;
  /** `ws://host:port/mqtt` when the WebSocket listener runs. */
  readonly wsUrl?: string;
  /** Credentials the gateway's own connections use. */
  readonly gateway: { username: string; password: string };
  /** Connected clients now. */
  clients(): number;
  /** Publishes and subscriptions refused by the ACL, connections refused by authentication. */
  readonly refused: { publish: number; subscribe: number; connect: number };
  close(): Promise<void>;
}

/** Who may do what on the embedded broker. */
export interface BrokerAcl {
  /** MQTT topic prefix (`aimdb`). */
  prefix: string;
  /** The gateway's node id. */
  nodeId: string;
  /** Configured users. */
  users: BrokerUser[];
  /** Accept clients without credentials. */
  anonymous: boolean;
  /** What anonymous clients may publish. */
  anonymousPublish: string[];
  /** Topics the gateway produces now (its twins' outbound links): nobody else writes them. */
  gatewayTopics: () => ReadonlySet<string>;
}

interface Identity {
  gateway: boolean;
  node?: string;
  publish: string[];
  subscribe: string[];
}

const ANON = (acl: BrokerAcl): Identity => ({ gateway: false, publish: acl.anonymousPublish, subscribe: ['#'] });

function sameSecret(a: string, b: Buffer | undefined): boolean {
  if (!b) return false;
  const x = Buffer.from(a);
  return x.length === b.length && timingSafeEqual(x, b);
}

/** Why `id` may not publish on `topic` (or `undefined` when it may). */
export function publishDenied(acl: BrokerAcl, id: Identity, topic: string): string | undefined {
  if (id.gateway) return undefined;
  const p = acl.prefix + '/';
  if (topic.startsWith(p + '$owners/')) return id.node !== undefined && topic === p + '$owners/' + id.node ? undefined : 'ownership claims of another node';
  if (acl.gatewayTopics().has(topic) || topic.startsWith(p + acl.nodeId + '/')) return "a topic the gateway produces";
  if (topic.startsWith(p)) {
    const node = topic.slice(p.length, topic.indexOf('/', p.length) < 0 ? undefined : topic.indexOf('/', p.length));
    const owned = acl.users.some((u) => u.node === node);
    if (owned && !topic.endsWith('/set')) return id.node === node ? undefined : `a topic of node '${node}'`;
    if (owned && id.node === node) return undefined;
  }
  return id.publish.some((f) => topicMatchesFilter(f, topic)) ? undefined : 'not in the client\'s publish list';
}

/**
 * Starts aedes on `host:port` (port 0: the OS chooses), with the ACL when given, and MQTT over
 * WebSocket on `options.ws`.
 *
 * @example
 * const broker = await startEmbeddedBroker('127.0.0.1', 1883, { ws: { port: 9001 } });
 */
export async function startEmbeddedBroker(host = '127.0.0.1', port = 1883, options: { ws?: BrokerWsOptions; acl?: BrokerAcl } = {}): Promise<EmbeddedBroker> {
  const acl = options.acl;
  const gateway = { username: 'aimdb-gateway-' + (acl?.nodeId ?? 'edge'), password: randomBytes(24).toString('hex') };
  const refused = { publish: 0, subscribe: 0, connect: 0 };
  const ids = new WeakMap<Client, Identity>();
  const identity = (c: Client | null): Identity | undefined => (c ? ids.get(c) : undefined);
  const reservedFor = (clientId: string): string | undefined => {
    if (!acl) return undefined;
    for (const node of [acl.nodeId, ...acl.users.map((u) => u.node).filter((n): n is string => !!n)]) {
      if (clientId === 'aimdb-' + node || clientId === 'aimdb-owners-' + node) return node;
    }
    return undefined;
  };
  const fail = (code: number, msg: string) => Object.assign(new Error(msg), { returnCode: code });
  const aedes = await Aedes.createBroker(
    acl
      ? {
          authenticate: (client, username, password, done) => {
            let id: Identity | undefined;
            if (username === gateway.username && sameSecret(gateway.password, password)) id = { gateway: true, publish: ['#'], subscribe: ['#'] };
            else if (username !== undefined) {
              const u = acl.users.find((x) => x.username === username);
              if (!u || !sameSecret(u.password, password)) {
                refused.connect++;
                return done(fail(4, 'bad username or password') as never, false);
              }
              id = { gateway: false, node: u.node, publish: u.publish, subscribe: u.subscribe };
            } else if (acl.anonymous) id = ANON(acl);
            if (!id) {
              refused.connect++;
              return done(fail(5, 'not authorized') as never, false);
            }
            // A client id the gateway (or a node) connects with cannot be taken over by anyone else.
            const owner = reservedFor(client.id);
            if (owner !== undefined && !id.gateway && id.node !== owner) {
              refused.connect++;
              return done(fail(2, 'client id reserved') as never, false);
            }
            ids.set(client, id);
            done(null, true);
          },
          authorizePublish: (client, packet, callback) => {
            if (!client) return callback(null);
            const why = publishDenied(acl, identity(client) ?? ANON(acl), packet.topic);
            if (why) {
              refused.publish++;
              return callback(new Error(why));
            }
            callback(null);
          },
          authorizeSubscribe: (client, sub, callback) => {
            const id = identity(client) ?? ANON(acl);
            if (id.subscribe.some((f) => f === '#' || f === sub.topic || topicMatchesFilter(f, sub.topic))) return callback(null, sub);
            refused.subscribe++;
            callback(null, null);
          },
        }
      : {},
  );
  const server = net.createServer(aedes.handle);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const actual = await listenOn(server, port, host);
  const ws: MqttWsListener | null = options.ws ? await serveMqttOverWebSocket(aedes.handle, options.ws.host ?? host, options.ws.port) : null;
  return {
    url: `mqtt://${host.includes(':') ? '[' + host + ']' : host}:${actual}`,
    port: actual,
    wsUrl: ws?.url,
    gateway,
    refused,
    clients: () => aedes.connectedClients,
    close: async () => {
      await ws?.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}
