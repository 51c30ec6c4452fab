/**
 * Options, runtime needs and counters of the core MQTT client ({@link MqttClient} in client.ts),
 * kept apart so the client file holds behaviour only.
 */
import type { Logger, Timer } from '../runtime/context.js';
import type { MqttWill } from './encode.js';

/** What the client needs from the runtime: a `RuntimeContext` (or a `ConnectorContext`) fits. */
export interface MqttClientRuntime {
  now(): number;
  after(ms: number, fn: () => void): Timer;
  readonly log: Logger;
}

/** Options of {@link MqttClient}. Callbacks are stored only when given (ECMA-419 style). */
export interface MqttClientOptions {
  host: string;
  /** TCP port. */
  port: number;
  /** Client identifier (1–23 characters is what every broker accepts). */
  clientId: string;
  username?: string;
  password?: string;
  /** Keepalive in seconds; 0 disables pings. Default 30. */
  keepalive?: number;
  /** Clean session. Default true (subscriptions are re-sent after every reconnect anyway). */
  clean?: boolean;
  will?: MqttWill;
  /** Largest inbound packet (remaining length), bytes. Default 4096. */
  maxPacket?: number;
  /** QoS 1/2 publishes awaiting acknowledgement, at most. Default 4. */
  inflight?: number;
  /** Retransmission of an unacknowledged publish after, ms. Default 5000. */
  retryMs?: number;
  /** Messages kept while offline or while the window is full; oldest dropped. Default 8; 0 refuses. */
  queue?: number;
  /** CONNACK must arrive within, ms. Default 10000. */
  connectTimeoutMs?: number;
  /** PINGRESP (or any packet) must arrive within, ms after a PINGREQ. Default 5000. */
  pingTimeoutMs?: number;
  /** First reconnect delay, ms; doubles per failed attempt. Default 1000. */
  reconnectMinMs?: number;
  /** Reconnect delay cap, ms. Default 30000. */
  reconnectMaxMs?: number;
  /** Fraction of the delay removed at random, so a fleet does not reconnect in step. Default 0.2. */
  reconnectJitter?: number;
  /** Inbound QoS 2 packet ids remembered until PUBREL. Default 8. */
  qos2Window?: number;
  /** CONNACK accepted (after subscriptions and in-flight messages were re-sent). */
  onConnect?: (sessionPresent: boolean) => void;
  /** The connection closed (`stopped` when asked to). Reconnection follows unless stopped. */
  onClose?: (reason: string) => void;
  /** A PUBLISH arrived. `payload` is valid only during the call. */
  onMessage?: (topic: string, payload: ArrayLike<number>, qos: number, retain: boolean) => void;
  /** Room to publish again: connected, or the in-flight window drained. */
  onWritable?: () => void;
}

/** Counters of one client. */
export interface MqttClientStats {
  /** CONNACKs accepted. */
  connects: number;
  /** Connection attempts that failed (refused CONNACK, connect timeout, socket error before CONNACK). */
  connectFailures: number;
  /** Connections lost or closed after CONNACK. */
  disconnects: number;
  /** Malformed or oversize inbound packets (each closed the connection). */
  malformed: number;
  /** Publishes (and PUBRELs) re-sent. */
  retransmits: number;
  pingTimeouts: number;
  /** Publishes written. */
  published: number;
  /** Publishes received. */
  received: number;
  /** Messages dropped from the full offline queue. */
  queueDrops: number;
  /** SUBACK failures (0x80). */
  subackFailures: number;
}
