/**
 * Options, runtime needs and counters of the core MQTT client ({@link MqttClient} in client.ts), and
 * their resolution: every option is checked and its default applied once, when the client is made,
 * into the client's own fields. The caller's options object is not kept.
 */
import type { Logger, Timer } from '../runtime/context.js';
import type { Payload } from '../api.js';
import { aimError } from '../errors.js';
import { payloadBytes } from './encode.js';
import type { MqttWill } from './encode.js';
import { topicError, utf8FieldError } from './topic.js';

/** Connection states of the client. */
export const IDLE = 0;
export const CONNECTING = 1;
export const CONNECTED = 2;
/** Waiting to reconnect. */
export const WAITING = 3;

/** What the client needs from the runtime: a `RuntimeContext` (or a `ConnectorContext`) fits. */
export interface MqttClientRuntime {
  now(): number;
  after(ms: number, fn: () => void): Timer;
  readonly log: Logger;
}

/** Options of {@link MqttClient}. An absent callback is stored as `null`. */
export interface MqttClientOptions {
  host: string;
  /** TCP port. */
  port: number;
  /**
   * Client identifier (1–23 characters is what every broker accepts). May be empty only with a clean
   * session: a broker refuses an empty id that asks to keep its session (MQTT 3.1.1 §3.1.3-7).
   */
  clientId: string;
  username?: string;
  password?: string;
  /** Keepalive in seconds, 0–65535; 0 disables pings. Default 30. */
  keepalive?: number;
  /** Clean session. Default true (subscriptions are re-sent after every reconnect anyway). */
  clean?: boolean;
  will?: MqttWill;
  /** Largest inbound packet (remaining length), bytes. Default 4096. */
  maxPacket?: number;
  /** QoS 1/2 publishes awaiting acknowledgement, at most. Default 4. */
  inflight?: number;
  /**
   * Retransmission of an unacknowledged publish on the same connection after, ms. Default 5000.
   * 0: only after a reconnect that resumes the session (what MQTT 5 requires).
   */
  retryMs?: number;
  /** Messages kept while offline or while the window is full; oldest dropped. Default 8; 0 refuses. */
  queue?: number;
  /**
   * What happens to publishes in flight when the broker answers with a new session (clean session,
   * or a lost session): `true` (default) sends them again as new messages (new packet ids, no DUP),
   * `false` drops them, counted in `stats.lost`. Either way the old session is never resumed.
   */
  resendOnNewSession?: boolean;
  /** CONNACK must arrive within, ms. Default 10000. */
  connectTimeoutMs?: number;
  /** PINGRESP (or any packet) must arrive within, ms after a PINGREQ. Default 5000. */
  pingTimeoutMs?: number;
  /** First reconnect delay, ms; doubles per failed attempt. Default 1000. */
  reconnectMinMs?: number;
  /** Reconnect delay cap, ms. Default 30000. */
  reconnectMaxMs?: number;
  /** Fraction of the delay removed at random, 0 ≤ j < 1, so a fleet does not reconnect in step. Default 0.2. */
  reconnectJitter?: number;
  /** Inbound QoS 2 packet ids remembered until PUBREL. Default 8. */
  qos2Window?: number;
  /**
   * Recognise QoS 1 redeliveries (`redelivered` in `onMessage`) even without an at-most-once
   * subscription: for an owner that decides per message (the connectors, per link). Default false;
   * an at-most-once subscription turns it on.
   */
  recognizeRedeliveries?: boolean;
  /** QoS 1 deliveries remembered to recognise a redelivery (see dedup.ts). Default 16. */
  redeliveryWindow?: number;
  /** CONNACK accepted (after subscriptions and in-flight messages were re-sent). */
  onConnect?: (sessionPresent: boolean) => void;
  /** The connection closed (`stopped` when asked to). Reconnection follows unless stopped. */
  onClose?: (reason: string) => void;
  /**
   * A PUBLISH arrived. `payload` is valid only during the call. `redelivered` is true for a QoS 1
   * message already delivered once (it is passed on only when an at-least-once subscription matches).
   */
  onMessage?: (topic: string, payload: ArrayLike<number>, qos: number, retain: boolean, redelivered: boolean) => void;
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
  /** Publishes (and PUBRELs) re-sent in a resumed session or after `retryMs`. */
  retransmits: number;
  /** In-flight publishes sent again as new messages because the broker started a new session. */
  renewed: number;
  /** In-flight publishes dropped because the broker started a new session (`resendOnNewSession: false`). */
  lost: number;
  pingTimeouts: number;
  /** Publishes written. */
  published: number;
  /** Publishes received. */
  received: number;
  /** QoS 1 redeliveries recognised (only with an at-most-once subscription or `recognizeRedeliveries`). */
  redeliveries: number;
  /** Redeliveries not handed over because only at-most-once subscriptions matched. */
  duplicates: number;
  /** Messages dropped from the full offline queue. */
  queueDrops: number;
  /** SUBACK failures (0x80). */
  subackFailures: number;
}

/** Every option resolved: what the client keeps (fields of the client itself). */
export interface ResolvedClientOptions {
  host: string;
  port: number;
  clientId: string;
  username: string | undefined;
  password: string | undefined;
  keepalive: number;
  clean: boolean;
  will: MqttWill | undefined;
  maxPacket: number;
  inflight: number;
  retryMs: number;
  queue: number;
  resendOnNewSession: boolean;
  connectTimeoutMs: number;
  pingTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  reconnectJitter: number;
  qos2Window: number;
  redeliveryWindow: number;
}

function bad(what: string): Error {
  return aimError('INVALID_CONFIGURATION', 'mqtt client: ' + what);
}

/** `v` when it is an integer in [min, max], `dflt` when undefined; throws otherwise. */
function int(v: number | undefined, dflt: number, min: number, max: number, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || v !== Math.floor(v) || v < min || v > max) throw bad(name + ' must be an integer in ' + min + '..' + max + ', got ' + v);
  return v;
}

function text(v: string | undefined, name: string): string | undefined {
  if (v === undefined) return undefined;
  const e = typeof v === 'string' ? utf8FieldError(v, name) : name + ' must be a string';
  if (e) throw bad(e);
  return v;
}

function isPayload(p: Payload): boolean {
  return typeof p === 'string' || (!!p && typeof p === 'object' && typeof (p as ArrayLike<number>).length === 'number');
}

/**
 * Checks every option and applies the defaults. Throws `INVALID_CONFIGURATION` naming the first
 * bad option.
 *
 * @example
 * resolveClientOptions({ host: 'b', port: 1883, clientId: 'x', retryMs: 0 }).retryMs; // 0
 */
export function resolveClientOptions(o: MqttClientOptions): ResolvedClientOptions {
  if (!o || typeof o.host !== 'string' || o.host.length === 0) throw bad('host must be a non-empty string');
  if (o.port === undefined) throw bad('port is required');
  const clean = o.clean === undefined ? true : o.clean === true;
  if (o.clean !== undefined && typeof o.clean !== 'boolean') throw bad('clean must be a boolean');
  const clientId = text(o.clientId, 'client id');
  if (clientId === undefined) throw bad('clientId is required');
  if (clientId.length === 0 && !clean) throw bad('an empty client id needs a clean session (clean: true): brokers refuse it otherwise');
  const w = o.will;
  if (w !== undefined) {
    const e = !w || typeof w !== 'object' ? 'will must be an object' : topicError(w.topic) || (isPayload(w.payload) ? undefined : 'will payload must be a string or bytes');
    if (e) throw bad('will: ' + e);
    int(w.qos, 0, 0, 2, 'will qos');
    if (payloadBytes(w.payload).length > 65535) throw bad('will payload longer than 65535 bytes');
  }
  const min = int(o.reconnectMinMs, 1000, 1, 86400000, 'reconnectMinMs');
  const jitter = o.reconnectJitter === undefined ? 0.2 : o.reconnectJitter;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter < 1)) throw bad('reconnectJitter must be in [0, 1), got ' + jitter);
  if (o.password !== undefined && o.username === undefined) throw bad('a password needs a username (MQTT 3.1.1 §3.1.2.9)');
  return {
    host: o.host,
    port: int(o.port, 0, 1, 65535, 'port'),
    clientId: clientId,
    username: text(o.username, 'username'),
    password: text(o.password, 'password'),
    keepalive: int(o.keepalive, 30, 0, 65535, 'keepalive'),
    clean: clean,
    will: w,
    maxPacket: int(o.maxPacket, 4096, 2, 268435455, 'maxPacket'),
    inflight: int(o.inflight, 4, 1, 65535, 'inflight'),
    retryMs: int(o.retryMs, 5000, 0, 86400000, 'retryMs'),
    queue: int(o.queue, 8, 0, 65535, 'queue'),
    resendOnNewSession: o.resendOnNewSession !== false,
    connectTimeoutMs: int(o.connectTimeoutMs, 10000, 1, 86400000, 'connectTimeoutMs'),
    pingTimeoutMs: int(o.pingTimeoutMs, 5000, 1, 86400000, 'pingTimeoutMs'),
    reconnectMinMs: min,
    reconnectMaxMs: int(o.reconnectMaxMs, 30000 > min ? 30000 : min, min, 86400000, 'reconnectMaxMs'),
    reconnectJitter: jitter,
    qos2Window: int(o.qos2Window, 8, 1, 65535, 'qos2Window'),
    redeliveryWindow: int(o.redeliveryWindow, 16, 1, 65535, 'redeliveryWindow'),
  };
}
