/**
 * The gateway's MQTT connector on MQTT.js 5: `mqtt://` and `mqtts://` brokers (CA, client
 * certificate and key), credentials, client id, per-link QoS 0/1/2 and retain, the topic from the
 * link URL or per value (`LinkOptions.topic`), inbound `+`/`#` filters routed to every matching link.
 *
 * It shares the wire policy, the offline queues, the sequence envelope and gap counting with the MCU
 * connector (`core/mqtt/links.ts`, `core/mqtt/policy.ts`), so a value put on the wire by an ESP32
 * and one put by the gateway are indistinguishable.
 *
 * What we do not leave to MQTT.js, on purpose (CONTRACT §6 lists the faults we must not have):
 * - **Resubscription**: MQTT.js's `resubscribe` only replays what it remembers from successful
 *   SUBACKs; we turn it off and subscribe every filter again on every `connect` event, checking the
 *   granted QoS (a refusal is counted and logged). Pinned by the broker-restart test.
 * - **Reconnect**: MQTT.js retries at a fixed period; we turn that off and reconnect with a bounded
 *   exponential backoff with jitter, keeping MQTT.js's stores so unacknowledged QoS 1/2 publishes
 *   are re-sent.
 * - **Offline buffering**: MQTT.js would queue without bound; we queue per link by the buffer's rule
 *   (ring: bounded, oldest dropped; SingleLatest/Mailbox: latest only) and publish only while connected.
 *
 * @example
 * const db = builder(nodeRuntime()).nodeId('gw-1')
 *   .withConnector(nodeMqttConnector({ url: 'mqtts://broker:8883', ca: fs.readFileSync('ca.pem'),
 *     username: 'gw', password: process.env.MQTT_PASSWORD }))
 *   ...;
 */
import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import type { Connector, ConnectorContext, Payload } from '../../core/api.js';
import type { Timer } from '../../core/runtime/context.js';
import { InboundLink, OutboundLink, subscriptions, WireTransport } from '../../core/mqtt/links.js';
import { STATUS_OFFLINE, STATUS_ONLINE, statusTopic } from '../../core/mqtt/policy.js';
import { validateMqttLink } from '../../core/mqtt/connector.js';
import { DupFilter } from '../../core/mqtt/dedup.js';
import { aimError } from '../../core/errors.js';

/** Options of {@link nodeMqttConnector}. Times in ms unless said otherwise. */
export interface NodeMqttConnectorOptions {
  /** Broker: `mqtt://host[:port]` (1883) or `mqtts://host[:port]` (8883). */
  url: string;
  /** Default `aimdb-<nodeId>`. */
  clientId?: string;
  username?: string;
  password?: string;
  /** TLS: trusted CA(s), PEM. */
  ca?: string | Buffer | string[] | Buffer[];
  /** TLS client certificate, PEM. */
  cert?: string | Buffer;
  /** TLS client key, PEM. */
  key?: string | Buffer;
  /** Verify the broker's certificate. Default true. */
  rejectUnauthorized?: boolean;
  /** Status topic prefix: `<prefix>/<nodeId>/status`. Default `aimdb`. */
  prefix?: string;
  /** Publish the status topic and set the last will. Default true. */
  status?: boolean;
  /** Link URL schemes served. Default `['mqtt']`. */
  schemes?: string[];
  /**
   * Clean session. Default: `false` when an inbound link subscribes at QoS 1 or 2 (a persistent
   * session: the broker keeps messages published while the gateway is cut off, so a Mailbox command
   * is not lost), else `true`. Needs a stable client id (the default `aimdb-<nodeId>` is).
   * Subscriptions are re-sent on every connect either way: a broker may lose sessions.
   */
  clean?: boolean;
  /** Keepalive, seconds. Default 30. */
  keepalive?: number;
  /** CONNACK must arrive within. Default 10000. */
  connectTimeoutMs?: number;
  /** First reconnect delay; doubles per failed attempt. Default 1000. */
  reconnectMinMs?: number;
  /** Reconnect delay cap. Default 30000. */
  reconnectMaxMs?: number;
  /** Fraction of the delay removed at random. Default 0.2. */
  reconnectJitter?: number;
  /** Extra MQTT.js options (merged last; our reconnect/resubscribe settings win). */
  mqttOptions?: IClientOptions;
}

/** Counters of the connector. */
export interface NodeMqttStats {
  connects: number;
  /** Connection losses and failed attempts. */
  closes: number;
  /** SUBACK refusals. */
  subackFailures: number;
  /** Inbound payloads a record's deserializer rejected (also in each link's `decodeErrors`). */
  decodeFailures: number;
  /** Inbound messages no link matched. */
  unrouted: number;
  /** Errors MQTT.js reported. */
  errors: number;
  /** QoS 1 redeliveries recognised (only while an at-most-once link exists; see dedup.ts). */
  redeliveries: number;
  /** Redeliveries not handed to a link because every matching link asked for at most once. */
  duplicates: number;
}

/** The Node connector, with Promise helpers at the edge (STYLE principle 5). */
export interface NodeMqttConnector extends Connector {
  readonly stats: NodeMqttStats;
  /** The MQTT.js client, once started. */
  readonly client: MqttClient | null;
  readonly connected: boolean;
  /** Resolves on the next successful connect (at once when connected). */
  ready(timeoutMs?: number): Promise<void>;
}

/** Makes the connector. The broker URL is checked now; links are checked by `validate` at build. */
export function nodeMqttConnector(options: NodeMqttConnectorOptions): NodeMqttConnector {
  if (!/^mqtts?:\/\/[^/?#]+\/?$/.test(options.url)) {
    throw aimError('INVALID_CONFIGURATION', 'mqtt broker url must be mqtt[s]://host[:port], got ' + options.url);
  }
  const stats: NodeMqttStats = { connects: 0, closes: 0, subackFailures: 0, decodeFailures: 0, unrouted: 0, errors: 0, redeliveries: 0, duplicates: 0 };
  let dups: DupFilter | null = null;
  let client: MqttClient | null = null;
  let outbound: OutboundLink[] = [];
  let inbound: InboundLink[] = [];
  let stopped = true;
  let attempts = 0;
  let reconnectTimer: Timer | null = null;
  let waiters: Array<() => void> = [];
  let status = '';

  // Publish options are made once per (qos, retain), not per message (STYLE principle 3); MQTT.js
  // copies them. No completion callback: QoS 1/2 completion is MQTT.js's store, and a callback per
  // message costs a closure and a write-completion hook.
  const publishOptions: Array<{ qos: 0 | 1 | 2; retain: boolean }> = [];
  for (let q = 0; q < 3; q++) for (const r of [false, true]) publishOptions.push({ qos: q as 0 | 1 | 2, retain: r });
  const transport: WireTransport = {
    writable: () => !!client && client.connected,
    publish(topic, _utf8, payload: Payload, qos, retain) {
      client?.publish(topic, toWire(payload), publishOptions[qos * 2 + (retain ? 1 : 0)]);
    },
  };

  const connector: NodeMqttConnector = {
    schemes: options.schemes ?? ['mqtt'],
    stats,
    get client() {
      return client;
    },
    get connected() {
      return !!client && client.connected;
    },
    validate: validateMqttLink,
    ready(timeoutMs = 10000) {
      if (client?.connected) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('mqtt: not connected after ' + timeoutMs + ' ms')), timeoutMs);
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },
    start(ctx: ConnectorContext) {
      if (client) return;
      stopped = false;
      attempts = 0;
      const log = ctx.log;
      const useStatus = options.status !== false;
      status = statusTopic(options.prefix ?? 'aimdb', ctx.nodeId);
      outbound = ctx.outbound.map((route) => {
        const link = new OutboundLink(route, log);
        route.send = (payload, value, seq) => link.send(transport, payload, value, seq);
        return link;
      });
      inbound = ctx.inbound.map((route) => new InboundLink(route, log));
      // Redeliveries are recognised only for links that asked for at most once (a Mailbox by
      // default); every other link takes each copy, as QoS 1 promises.
      dups = inbound.some((l) => l.atMostOnce) ? new DupFilter(64) : null;
      const subs = subscriptions(inbound);
      const subMap: { [filter: string]: { qos: 0 | 1 | 2 } } = {};
      subs.filters.forEach((f, i) => (subMap[f] = { qos: subs.qos[i] as 0 | 1 | 2 }));

      const c = mqtt.connect(options.url, {
        ...options.mqttOptions,
        clientId: options.clientId ?? 'aimdb-' + ctx.nodeId,
        username: options.username,
        password: options.password,
        ca: options.ca as IClientOptions["ca"],
        cert: options.cert,
        key: options.key,
        rejectUnauthorized: options.rejectUnauthorized !== false,
        protocolVersion: 4,
        clean: options.clean ?? !inbound.some((l) => l.qos > 0),
        keepalive: options.keepalive ?? 30,
        connectTimeout: options.connectTimeoutMs ?? 10000,
        reconnectPeriod: 0,
        resubscribe: false,
        queueQoSZero: false,
        will: useStatus ? { topic: status, payload: Buffer.from(STATUS_OFFLINE), qos: 1, retain: true } : undefined,
      });
      client = c;

      c.on('connect', (connack) => {
        attempts = 0;
        stats.connects++;
        // A new session has no redeliveries to recognise; a resumed one may redeliver.
        if (dups && !connack.sessionPresent) dups.reset();
        else if (dups) dups.resumed();
        log.info('mqtt connected to ' + options.url);
        if (useStatus) c.publish(status, STATUS_ONLINE, { qos: 1, retain: true }, () => {});
        if (subs.filters.length > 0) {
          c.subscribe(subMap, (err, granted) => {
            if (err) {
              stats.errors++;
              log.warn('mqtt subscribe failed: ' + err.message);
              return;
            }
            for (const g of granted ?? []) {
              if (g.qos === 128) {
                stats.subackFailures++;
                log.warn('mqtt subscription refused: ' + g.topic);
              }
            }
          });
        }
        for (const l of outbound) l.resync(transport);
        for (const l of outbound) l.flush(transport);
        const w = waiters;
        waiters = [];
        for (const f of w) f();
      });
      c.on('message', (topic, payload, packet) => {
        // QoS 1 is at least once: a redelivery after a lost PUBACK must not run a command twice on
        // an at-most-once link, and must still reach every other link.
        const again = !!dups && packet.qos === 1 && packet.messageId !== undefined && dups.isDuplicate(packet.messageId, topic, payload, !!packet.dup);
        if (again) stats.redeliveries++;
        let delivered = 0;
        let taken = 0;
        for (const l of inbound) {
          if (!l.matches(topic)) continue;
          delivered++;
          if (again && l.atMostOnce) continue;
          taken++;
          if (!l.receive(topic, payload)) {
            // The route's deliver() already counted it in decodeErrors and logged a warning
            // (core/links.ts); here it is counted per connector and traced at debug level.
            stats.decodeFailures++;
            log.debug('mqtt: payload on ' + topic + ' for ' + l.route.key + ' failed to decode; dropped');
          }
        }
        if (delivered === 0) stats.unrouted++;
        else if (taken === 0) stats.duplicates++;
      });
      c.on('error', (e) => {
        stats.errors++;
        log.warn('mqtt error: ' + e.message);
      });
      c.on('close', () => {
        stats.closes++;
        if (stopped || reconnectTimer) return;
        const min = options.reconnectMinMs ?? 1000;
        const max = options.reconnectMaxMs ?? 30000;
        let delay = Math.min(max, min * Math.pow(2, attempts));
        if (delay < max) attempts++;
        delay -= Math.floor(delay * (options.reconnectJitter ?? 0.2) * Math.random());
        reconnectTimer = ctx.after(delay, () => {
          reconnectTimer = null;
          if (stopped || client !== c) return;
          // Keep the stores: unacknowledged QoS 1/2 publishes are re-sent after the CONNACK.
          c.reconnect({ incomingStore: (c as any).incomingStore, outgoingStore: (c as any).outgoingStore });
        });
      });
    },
    stop() {
      const c = client;
      if (!c) return;
      stopped = true;
      client = null;
      if (reconnectTimer) reconnectTimer.cancel();
      reconnectTimer = null;
      if (options.status !== false && c.connected) {
        // Written before DISCONNECT on the same connection: QoS 0 is enough.
        c.publish(status, STATUS_OFFLINE, { qos: 0, retain: true });
      }
      c.end(false);
    },
  };
  return connector;
}

/** A core payload as MQTT.js wants it: strings as they are (UTF-8), bytes as a Buffer view. */
function toWire(p: Payload): string | Buffer {
  if (typeof p === 'string') return p;
  if (p instanceof Uint8Array) return Buffer.from(p.buffer, p.byteOffset, p.byteLength);
  return Buffer.from(Array.prototype.slice.call(p) as number[]);
}
