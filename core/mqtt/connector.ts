/**
 * The MQTT connector of the core (MCU and Node alike): serves `mqtt://<topic>?<options>` links over
 * the dependency-free {@link MqttClient}, with the shared wire policy (`policy.ts`).
 *
 * - Outbound: each route gets an {@link OutboundLink}; its `send` publishes when the client is
 *   writable, else the link's own bounded queue keeps values by the buffer's rule (the client's own
 *   queue is off, so nothing is buffered twice).
 * - Inbound: one subscription per distinct filter (highest QoS asked), re-sent by the client after
 *   every reconnect; each message goes to every link whose filter matches (`+`/`#` routed). With a
 *   QoS 1/2 inbound link the session is persistent (`clean: false`) so the broker keeps what was
 *   published while the device was offline.
 * - Status: last will `offline` (retained, QoS 1) on `<prefix>/<nodeId>/status`; `online` retained on
 *   every connect; `offline` published before a clean `stop()`.
 *
 * Memory: the client (see client.ts) + per link one OutboundLink/InboundLink + one closure per
 * outbound route (its `send`), all made in `start()`.
 *
 * @example
 * const db = builder(espruinoRuntime())
 *   .nodeId('esp32-1')
 *   .withConnector(mqttConnector({ url: 'mqtt://192.168.1.10:1883', sockets: espruinoSockets() }))
 *   .configure(Temp, (r) => r.buffer(singleLatest()).linkTo('mqtt://climate/temp')
 *     .withSerializer((ctx, v) => JSON.stringify(v)).finish())
 *   .build();
 */
import type { Connector, ConnectorContext, LinkUrl, Payload } from '../api.js';
import type { SocketFactory } from '../bytes.js';
import { aimError } from '../errors.js';
import { MqttClient } from './client.js';
import { dispatch, InboundLink, OutboundLink, subscriptions, WireTransport } from './links.js';
import { policyError, STATUS_OFFLINE, STATUS_ONLINE, statusTopic } from './policy.js';
import { filterError, topicError } from './topic.js';

/** Options of {@link mqttConnector}. Every time is in ms unless said otherwise. */
export interface MqttConnectorOptions {
  /** Broker: `mqtt://host[:port]` (port default 1883). TLS is not in the core client. */
  url: string;
  /** TCP sockets of the target (`nodeSockets()`, Espruino's `net`). */
  sockets: SocketFactory;
  /** Default `aimdb-<nodeId>`. */
  clientId?: string;
  username?: string;
  password?: string;
  /** Status topic prefix: `<prefix>/<nodeId>/status`. Default `aimdb`. */
  prefix?: string;
  /** Publish the status topic and set the last will. Default true. */
  status?: boolean;
  /**
   * Clean session. Default: `false` when an inbound link subscribes at QoS 1 or 2 (a persistent
   * session, so the broker keeps messages published while we are away: a Mailbox command is not
   * lost to a network cut), else `true`. The client id must then be stable (the default is).
   * Subscriptions are re-sent on every connect either way: a broker may lose sessions.
   */
  clean?: boolean;
  /** Keepalive, seconds. Default 30. */
  keepalive?: number;
  /** Largest inbound packet, bytes. Default 4096. */
  maxPacket?: number;
  /** QoS > 0 publishes in flight, at most. Default 4. */
  inflight?: number;
  /** Default 5000. */
  retryMs?: number;
  /** Default 10000. */
  connectTimeoutMs?: number;
  /** Default 5000. */
  pingTimeoutMs?: number;
  /** Default 1000. */
  reconnectMinMs?: number;
  /** Default 30000. */
  reconnectMaxMs?: number;
  /** Default 0.2. */
  reconnectJitter?: number;
}

/** The connector, with its client exposed for diagnostics. */
export interface MqttConnector extends Connector {
  /** The client, once started (null before `start` and after `stop`). */
  readonly client: MqttClient | null;
}

/**
 * Splits `mqtt://host[:port]` (a trailing `/` allowed). Throws on anything else (configuration).
 * Parsed by hand: Espruino's regular expressions lack non-capturing and optional groups.
 *
 * @example parseBrokerUrl('mqtt://192.168.1.10:1884') // { host: '192.168.1.10', port: 1884 }
 */
export function parseBrokerUrl(url: string): { host: string; port: number } {
  const bad = function () {
    return aimError('INVALID_CONFIGURATION', 'mqtt broker url must be mqtt://host[:port], got ' + url);
  };
  if (typeof url !== 'string' || url.substring(0, 7) !== 'mqtt://') throw bad();
  let rest = url.substring(7);
  if (rest.charAt(rest.length - 1) === '/') rest = rest.substring(0, rest.length - 1);
  const colon = rest.indexOf(':');
  const host = colon >= 0 ? rest.substring(0, colon) : rest;
  const portText = colon >= 0 ? rest.substring(colon + 1) : '';
  if (host.length === 0 || hasAnyChar(host, ':/?#@ ')) throw bad();
  if (colon >= 0 && (portText.length === 0 || portText.length > 5 || !allDigits(portText))) throw bad();
  const port = colon >= 0 ? Number(portText) : 1883;
  if (port < 1 || port > 65535) throw bad();
  return { host: host, port: port };
}

function hasAnyChar(text: string, chars: string): boolean {
  for (let i = 0; i < text.length; i++) if (chars.indexOf(text.charAt(i)) >= 0) return true;
  return false;
}

function allDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Why a link URL is unusable by an MQTT connector, or `undefined`. Shared with the Node connector. */
export function validateMqttLink(link: LinkUrl, direction: 'out' | 'in'): string | undefined {
  const e = direction === 'in' ? filterError(link.address) : topicError(link.address);
  return e || policyError(link);
}

/**
 * Makes the connector. Validates the options now (configuration errors throw here, not at run time).
 */
export function mqttConnector(options: MqttConnectorOptions): MqttConnector {
  const broker = parseBrokerUrl(options.url);
  let client: MqttClient | null = null;
  let outbound: OutboundLink[] = [];
  let inbound: InboundLink[] = [];
  let status = '';
  let rr = 0;
  const transport: WireTransport = {
    writable: function (qos) {
      return !!client && client.writable(qos);
    },
    publish: function (topic, topicUtf8, payload: Payload, qos, retain) {
      if (client) client.publish(topicUtf8 || topic, payload, qos, retain);
    },
  };
  function flushAll() {
    // Round robin, so one busy ring cannot starve the other links of the in-flight window.
    const n = outbound.length;
    for (let k = 0; k < n; k++) outbound[(rr + k) % n].flush(transport);
    if (n > 0) rr = (rr + 1) % n;
  }
  const connector: MqttConnector = {
    schemes: ['mqtt'],
    get client() {
      return client;
    },
    validate: validateMqttLink,
    start: function (ctx: ConnectorContext) {
      if (client) return;
      const useStatus = options.status !== false;
      status = statusTopic(options.prefix === undefined ? 'aimdb' : options.prefix, ctx.nodeId);
      outbound = [];
      inbound = [];
      for (let i = 0; i < ctx.outbound.length; i++) {
        const link = new OutboundLink(ctx.outbound[i], ctx.log);
        outbound.push(link);
        ctx.outbound[i].send = function (payload, value, seq) {
          link.send(transport, payload, value, seq);
        };
      }
      let durable = false;
      let once = false;
      for (let i = 0; i < ctx.inbound.length; i++) {
        const link = new InboundLink(ctx.inbound[i], ctx.log);
        inbound.push(link);
        if (link.qos > 0) durable = true;
        if (link.atMostOnce) once = true;
      }
      client = new MqttClient(options.sockets, ctx, {
        host: broker.host, port: broker.port,
        clientId: options.clientId || 'aimdb-' + ctx.nodeId,
        username: options.username, password: options.password,
        keepalive: options.keepalive, maxPacket: options.maxPacket, inflight: options.inflight,
        retryMs: options.retryMs, connectTimeoutMs: options.connectTimeoutMs, pingTimeoutMs: options.pingTimeoutMs,
        reconnectMinMs: options.reconnectMinMs, reconnectMaxMs: options.reconnectMaxMs, reconnectJitter: options.reconnectJitter,
        queue: 0,
        // Links decide per message (dispatch): at-most-once links skip a recognised redelivery.
        recognizeRedeliveries: once,
        clean: options.clean === undefined ? !durable : options.clean,
        will: useStatus ? { topic: status, payload: STATUS_OFFLINE, qos: 1, retain: true } : undefined,
        onConnect: function () {
          if (useStatus && client) client.publish(status, STATUS_ONLINE, 1, true);
          for (let i = 0; i < outbound.length; i++) outbound[i].resync(transport);
        },
        onWritable: flushAll,
        onMessage: function (topic, payload, qos, retain, redelivered) {
          dispatch(inbound, topic, payload, redelivered);
        },
      });
      const subs = subscriptions(inbound);
      for (let i = 0; i < subs.filters.length; i++) client.subscribe(subs.filters[i], subs.qos[i], subs.once[i]);
      client.start();
    },
    stop: function () {
      const c = client;
      if (!c) return;
      client = null;
      // QoS 0: it is written before DISCONNECT on the same socket, no acknowledgement to wait for.
      if (options.status !== false && c.connected) c.publish(status, STATUS_OFFLINE, 0, true);
      c.stop();
    },
  };
  return connector;
}
