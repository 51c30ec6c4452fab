/**
 * A dependency-free MQTT 3.1.1 client for the ES5 core (Espruino, JerryScript, Node): it gets its
 * sockets from a {@link SocketFactory} and its time from a runtime context, and touches no host global.
 *
 * What it does: CONNECT with last will, credentials, keepalive and clean session; PUBLISH QoS 0, 1
 * and 2 with a bounded in-flight window and retransmission (DUP flag, one retry timer); inbound QoS 2
 * answered with PUBREC/PUBCOMP and de-duplicated while PUBREL is pending (delivery on PUBLISH,
 * "method B" of §4.3.3); SUBSCRIBE remembered and re-sent after every reconnect; keepalive PINGREQ
 * and a ping timeout; reconnect with bounded exponential backoff; a bounded offline queue that drops
 * the oldest message. A malformed or oversize inbound packet closes the connection and is counted in
 * `stats.malformed`; nothing is thrown out of a socket callback.
 *
 * Limits (defaults; every one is an option): inbound packet ≤ `maxPacket` 4096 bytes; in-flight
 * window 4 QoS>0 publishes; offline queue 8 messages; 8 inbound QoS 2 ids awaiting PUBREL.
 *
 * Memory (measured by test/mqtt/memory.test.ts, which walks the object graph of a connected client
 * and estimates Espruino JsVars by the rules of ENGINES.md; an estimate, not a device measurement):
 * a connected client with one subscription owns 8 objects, 5 arrays, 9 closures (made once, in the
 * constructor), 84 properties and the 52-byte CONNECT packet kept for reconnects: ≈ 143 JsVars
 * (≈ 2 KB on ESP32), budget-tested at ≤ 300. Each further subscription ≈ 7 JsVars; each in-flight or
 * queued QoS 1 publish ≈ 16 JsVars for a 33-byte packet (the entry object + the packet as a flat
 * typed array). An inbound packet's body is allocated once at its exact size (≤ `maxPacket`) and
 * dropped after the callback. Timers: one keepalive, one retry, one ping, one reconnect at most.
 *
 * @example
 * const c = new MqttClient(sockets, ctx, {
 *   host: '192.168.1.10', port: 1883, clientId: 'esp32-1',
 *   will: { topic: 'aimdb/esp32-1/status', payload: 'offline', qos: 1, retain: true },
 *   onMessage: (topic, payload) => print(topic, utf8Decode(payload)),
 * });
 * c.subscribe('cmd/#', 1);
 * c.start();
 * c.publish('climate/temp', '21.5', 1, false);
 */
import { ByteArray, ByteChunk, ByteStream, ByteStreamHandlers, SocketFactory } from '../bytes.js';
import type { Payload } from '../api.js';
import type { Timer } from '../runtime/context.js';
import type { MqttClientOptions, MqttClientRuntime, MqttClientStats } from './client-options.js';
import { MqttDecoder } from './decoder.js';
import { encodeAck, encodeConnect, encodeDisconnect, encodePingreq, encodePublish, encodeSubscribe, encodeUnsubscribe } from './encode.js';
import { InflightWindow } from './inflight.js';
import { DupFilter } from './dedup.js';
export type { MqttClientOptions, MqttClientRuntime, MqttClientStats } from './client-options.js';
import {
  CONNACK, DECODE_ERROR_NAMES, MqttPacket, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, SUBACK,
} from './packet.js';

interface Subscription {
  filter: string;
  qos: number;
  /** Granted QoS from the last SUBACK, -1 while pending, 128 on failure. */
  granted: number;
  pendingId: number;
}

interface Queued {
  packet: ByteArray;
  qos: number;
}

const IDLE = 0;
const CONNECTING = 1;
const CONNECTED = 2;
const WAITING = 3;

/** The client. See the module comment. */
export class MqttClient {
  readonly stats: MqttClientStats;
  _sockets: SocketFactory;
  _rt: MqttClientRuntime;
  _o: MqttClientOptions;
  _connectPacket: ByteArray;
  _decoder: MqttDecoder;
  _inflight: InflightWindow;
  _queue: Queued[];
  _queueMax: number;
  _subs: Subscription[];
  _q2: number[];
  /** QoS 1 redeliveries already handed over (at most once for Mailbox commands). */
  _dups: DupFilter;
  _state: number;
  _stopped: boolean;
  _gen: number;
  _stream: ByteStream | null;
  _attempts: number;
  /** Connections closed for malformed input since the last long-lived one (see `_malformed`). */
  _strikes: number;
  _connectedAt: number;
  _lastSend: number;
  _lastRecv: number;
  _keepMs: number;
  _retryMs: number;
  _connTimer: Timer | null;
  _kaTimer: Timer | null;
  _pingTimer: Timer | null;
  _retryTimer: Timer | null;
  _reconTimer: Timer | null;
  _writeFn: (p: ByteArray) => void;
  _kaFn: () => void;
  _pingFn: () => void;
  _retryFn: () => void;
  _openFn: () => void;
  _connTimeoutFn: () => void;

  constructor(sockets: SocketFactory, rt: MqttClientRuntime, options: MqttClientOptions) {
    const self = this;
    this._sockets = sockets;
    this._rt = rt;
    this._o = options;
    this.stats = { connects: 0, connectFailures: 0, disconnects: 0, malformed: 0, retransmits: 0, pingTimeouts: 0, published: 0, received: 0, queueDrops: 0, subackFailures: 0 };
    const keepalive = options.keepalive === undefined ? 30 : options.keepalive;
    this._keepMs = keepalive * 1000;
    this._retryMs = options.retryMs || 5000;
    this._connectPacket = encodeConnect({
      clientId: options.clientId, keepalive: keepalive, clean: options.clean !== false,
      username: options.username, password: options.password, will: options.will,
    });
    this._decoder = new MqttDecoder(options.maxPacket || 4096, function (p) {
      self._onPacket(p);
    }, function (code) {
      self._malformed(code);
    });
    this._inflight = new InflightWindow(options.inflight || 4);
    this._queue = [];
    this._queueMax = options.queue === undefined ? 8 : options.queue;
    this._subs = [];
    this._q2 = [];
    this._dups = new DupFilter();
    this._state = IDLE;
    this._stopped = true;
    this._gen = 0;
    this._stream = null;
    this._attempts = 0;
    this._strikes = 0;
    this._connectedAt = 0;
    this._lastSend = 0;
    this._lastRecv = 0;
    this._connTimer = this._kaTimer = this._pingTimer = this._retryTimer = this._reconTimer = null;
    // Timer and write callbacks are made once here, never per message.
    this._writeFn = function (p) {
      self._write(p);
    };
    this._kaFn = function () {
      self._keepalive();
    };
    this._pingFn = function () {
      self.stats.pingTimeouts++;
      self._drop('ping timeout');
    };
    this._retryFn = function () {
      self._retryTimer = null;
      self._retransmit();
    };
    this._openFn = function () {
      self._reconTimer = null;
      self._open();
    };
    this._connTimeoutFn = function () {
      self._connTimer = null;
      self._drop('connect timeout');
    };
  }

  /** True between an accepted CONNACK and the loss of the connection. */
  get connected(): boolean {
    return this._state === CONNECTED;
  }

  /** QoS > 0 publishes awaiting acknowledgement. */
  get inflight(): number {
    return this._inflight.size;
  }

  /** Messages waiting in the offline queue. */
  get queued(): number {
    return this._queue.length;
  }

  /** True when a publish at `qos` would be written now (not queued, not refused). */
  writable(qos: number): boolean {
    return this._state === CONNECTED && (qos === 0 || !this._inflight.full());
  }

  /** Connects, and keeps reconnecting until {@link stop}. */
  start(): void {
    if (!this._stopped) return;
    this._stopped = false;
    this._attempts = 0;
    this._open();
  }

  /** Sends DISCONNECT (so the broker discards the will), closes, and stops reconnecting. */
  stop(): void {
    if (this._stopped) return;
    this._stopped = true;
    if (this._state === CONNECTED) this._write(encodeDisconnect());
    this._drop('stopped');
  }

  /**
   * Publishes. Returns true when written or queued, false when refused (offline or window full
   * with `queue: 0`). `topic` may be pre-encoded UTF-8 bytes.
   */
  publish(topic: string | ArrayLike<number>, payload: Payload, qos: number, retain: boolean): boolean {
    const packet = encodePublish(topic, payload, qos, retain, false, 0);
    if (this.writable(qos) && this._queue.length === 0) {
      this._send(packet, qos);
      return true;
    }
    if (this._queueMax <= 0) return false;
    if (this._queue.length >= this._queueMax) {
      this._queue.shift();
      this.stats.queueDrops++;
    }
    this._queue.push({ packet: packet, qos: qos });
    return true;
  }

  /** Subscribes now if connected, and again after every reconnect. Re-subscribing updates the QoS. */
  subscribe(filter: string, qos: number): void {
    let s: Subscription | null = null;
    for (let i = 0; i < this._subs.length; i++) if (this._subs[i].filter === filter) s = this._subs[i];
    if (s) s.qos = qos;
    else {
      s = { filter: filter, qos: qos, granted: -1, pendingId: 0 };
      this._subs.push(s);
    }
    if (this._state === CONNECTED) this._sendSubscribe(s);
  }

  /** Forgets a subscription (UNSUBSCRIBE when connected). */
  unsubscribe(filter: string): void {
    for (let i = 0; i < this._subs.length; i++) {
      if (this._subs[i].filter !== filter) continue;
      this._subs.splice(i, 1);
      if (this._state === CONNECTED) this._write(encodeUnsubscribe(this._inflight.nextId(0), [filter]));
      return;
    }
  }

  /** Granted QoS of a subscription from its last SUBACK: -1 pending, 128 refused, undefined unknown. */
  granted(filter: string): number | undefined {
    for (let i = 0; i < this._subs.length; i++) if (this._subs[i].filter === filter) return this._subs[i].granted;
    return undefined;
  }

  _open(): void {
    const self = this;
    const gen = ++this._gen;
    this._state = CONNECTING;
    this._decoder.reset();
    let early = false;
    const h: ByteStreamHandlers = {
      onConnect: function () {
        if (gen !== self._gen) return;
        if (self._stream) self._write(self._connectPacket);
        else early = true;
      },
      onData: function (chunk: ByteChunk) {
        if (gen !== self._gen) return;
        self._lastRecv = self._rt.now();
        self._decoder.push(chunk);
      },
      onClose: function (error?: string) {
        if (gen !== self._gen) return;
        self._gen++;
        self._stream = null;
        self._lost(error ? 'socket: ' + error : 'closed by peer');
      },
    };
    this._connTimer = this._rt.after(this._o.connectTimeoutMs || 10000, this._connTimeoutFn);
    try {
      this._stream = this._sockets.connect(this._o.host, this._o.port, h);
    } catch (e) {
      this._gen++;
      this._lost('connect: ' + String(e));
      return;
    }
    if (early) this._write(this._connectPacket);
  }

  _write(p: ByteArray): void {
    if (!this._stream) return;
    this._lastSend = this._rt.now();
    this._stream.write(p);
  }

  _send(packet: ByteArray, qos: number): void {
    if (qos > 0) {
      this._inflight.add(packet, qos, this._rt.now(), 0);
      this._armRetry();
    }
    this.stats.published++;
    this._write(packet);
  }

  _sendSubscribe(s: Subscription): void {
    s.pendingId = this._inflight.nextId(0);
    s.granted = -1;
    this._write(encodeSubscribe(s.pendingId, [s.filter], [s.qos]));
  }

  /** Closes the current connection on our side; reconnection follows unless stopped. */
  _drop(reason: string): void {
    const stream = this._stream;
    this._gen++;
    this._stream = null;
    this._decoder.halt();
    if (stream) stream.close();
    this._lost(reason);
  }

  _lost(reason: string): void {
    const was = this._state;
    this._cancelTimers();
    if (was === CONNECTED) this.stats.disconnects++;
    else if (was === CONNECTING) this.stats.connectFailures++;
    this._state = this._stopped ? IDLE : WAITING;
    if (was !== IDLE && was !== WAITING) this._rt.log.info('mqtt ' + this._o.clientId + ' closed: ' + reason);
    if (this._o.onClose && (was === CONNECTED || (this._stopped && was !== IDLE))) this._call(this._o.onClose, reason);
    if (this._stopped) return;
    const max = this._o.reconnectMaxMs || 30000;
    if (was === CONNECTED && this._rt.now() - this._connectedAt >= max) this._strikes = 0;
    const strikes = this._strikes > 1 ? this._strikes - 1 : 0;
    let delay = (this._o.reconnectMinMs || 1000) * Math.pow(2, this._attempts + strikes);
    if (delay > max) delay = max;
    else this._attempts++;
    const jitter = this._o.reconnectJitter === undefined ? 0.2 : this._o.reconnectJitter;
    delay -= Math.floor(delay * jitter * Math.random());
    this._reconTimer = this._rt.after(delay, this._openFn);
  }

  _cancelTimers(): void {
    if (this._connTimer) this._connTimer.cancel();
    if (this._kaTimer) this._kaTimer.cancel();
    if (this._pingTimer) this._pingTimer.cancel();
    if (this._retryTimer) this._retryTimer.cancel();
    if (this._reconTimer) this._reconTimer.cancel();
    this._connTimer = this._kaTimer = this._pingTimer = this._retryTimer = this._reconTimer = null;
  }

  _call(fn: Function, a?: unknown, b?: unknown, c?: unknown, d?: unknown): void {
    try {
      fn(a, b, c, d);
    } catch (e) {
      this._rt.log.error('mqtt callback threw: ' + String(e));
    }
  }

  /**
   * A malformed or oversize packet closes the connection (counted). A broker that sends it again on
   * every connection (an oversize retained message, say) would make a reconnect loop at the minimum
   * delay, because a CONNACK resets the backoff; so each such close after the first is a "strike"
   * that doubles the delay, until a connection stays up for `reconnectMaxMs`.
   */
  _malformed(code: number): void {
    this.stats.malformed++;
    this._strikes++;
    this._rt.log.warn('mqtt ' + this._o.clientId + ': ' + DECODE_ERROR_NAMES[code] + ', closing');
    this._drop(DECODE_ERROR_NAMES[code]);
  }

  _onPacket(p: MqttPacket): void {
    if (this._pingTimer) {
      this._pingTimer.cancel();
      this._pingTimer = null;
    }
    const t = p.type;
    if (t === PUBLISH) return this._onPublish(p);
    if (t === CONNACK) return this._onConnack(p);
    if (this._state !== CONNECTED) return this._drop('packet before CONNACK');
    if (t === PUBACK || t === PUBREC || t === PUBCOMP) {
      const wasFull = this._inflight.full();
      const reply = this._inflight.ack(t, p.id, this._rt.now());
      if (reply) this._write(reply);
      if (wasFull && !this._inflight.full()) this._writable();
    } else if (t === PUBREL) {
      const i = this._q2.indexOf(p.id);
      if (i >= 0) this._q2.splice(i, 1);
      this._write(encodeAck(PUBCOMP, p.id));
    } else if (t === SUBACK) {
      for (let i = 0; i < this._subs.length; i++) {
        const s = this._subs[i];
        if (s.pendingId !== p.id) continue;
        s.pendingId = 0;
        s.granted = (p.granted as number[])[0];
        if (s.granted === 128) {
          this.stats.subackFailures++;
          this._rt.log.warn('mqtt subscription refused: ' + s.filter);
        }
      }
    }
    // UNSUBACK and PINGRESP need nothing more (any packet already cleared the ping timer).
  }

  _onConnack(p: MqttPacket): void {
    if (this._state !== CONNECTING) return this._drop('unexpected CONNACK');
    if (p.code !== 0) {
      this._rt.log.warn('mqtt ' + this._o.clientId + ': CONNACK refused, code ' + p.code);
      return this._drop('connack ' + p.code);
    }
    if (this._connTimer) this._connTimer.cancel();
    this._connTimer = null;
    this._state = CONNECTED;
    this._attempts = 0;
    this._connectedAt = this._rt.now();
    this.stats.connects++;
    // A new session forgets the inbound QoS 2 exchanges of the old one (§4.1); a resumed one keeps
    // them, since the broker may still send PUBREL for them.
    if (!p.sessionPresent) {
      this._q2.splice(0, this._q2.length);
      this._dups.reset();
    } else this._dups.resumed();
    this._lastRecv = this._rt.now();
    if (this._keepMs > 0) this._kaTimer = this._rt.after(this._keepMs, this._kaFn);
    // Unacknowledged publishes go again with DUP (§4.4), then every subscription (never trust the
    // broker's session), then the offline queue.
    this.stats.retransmits += this._inflight.retransmit(this._rt.now(), 0, this._writeFn);
    this._armRetry();
    for (let i = 0; i < this._subs.length; i++) this._sendSubscribe(this._subs[i]);
    const gen = this._gen;
    if (this._o.onConnect) this._call(this._o.onConnect, p.sessionPresent);
    if (gen === this._gen) this._writable();
  }

  _onPublish(p: MqttPacket): void {
    if (this._state !== CONNECTED) return this._drop('PUBLISH before CONNACK');
    this.stats.received++;
    let deliver = true;
    if (p.qos === 1) {
      this._write(encodeAck(PUBACK, p.id));
      if (this._dups.isDuplicate(p.id, p.topic, p.payload || [], p.dup)) deliver = false;
    }
    else if (p.qos === 2) {
      // Method B (§4.3.3 figure 4.3): deliver now, remember the id until PUBREL so a DUP is not
      // delivered twice. The memory is bounded: beyond qos2Window ids the oldest is forgotten.
      if (this._q2.indexOf(p.id) >= 0) deliver = false;
      else {
        if (this._q2.length >= (this._o.qos2Window || 8)) this._q2.shift();
        this._q2.push(p.id);
      }
      this._write(encodeAck(PUBREC, p.id));
    }
    if (deliver && this._o.onMessage) this._call(this._o.onMessage, p.topic, p.payload, p.qos, p.retain);
  }

  /** Flushes the offline queue, then tells the owner there is room. */
  _writable(): void {
    const q = this._queue;
    while (q.length > 0 && this.writable(q[0].qos)) {
      const e = q.shift() as Queued;
      this._send(e.packet, e.qos);
    }
    if (q.length === 0 && this._state === CONNECTED && this._o.onWritable) this._call(this._o.onWritable);
  }

  _keepalive(): void {
    this._kaTimer = null;
    if (this._state !== CONNECTED) return;
    const now = this._rt.now();
    // Ping when nothing was sent OR nothing was received for a keepalive period: the second case
    // detects a dead broker even while we publish QoS 0 steadily (half-open TCP).
    const last = this._lastSend < this._lastRecv ? this._lastSend : this._lastRecv;
    const idle = now - last;
    if (idle >= this._keepMs) {
      this._write(encodePingreq());
      if (!this._pingTimer) this._pingTimer = this._rt.after(this._o.pingTimeoutMs || 5000, this._pingFn);
      this._kaTimer = this._rt.after(this._keepMs, this._kaFn);
    } else this._kaTimer = this._rt.after(this._keepMs - idle, this._kaFn);
  }

  _armRetry(): void {
    if (this._retryTimer || this._inflight.size === 0 || this._state !== CONNECTED) return;
    let wait = this._inflight.nextDue(this._retryMs) - this._rt.now();
    if (wait < 0) wait = 0;
    this._retryTimer = this._rt.after(wait, this._retryFn);
  }

  _retransmit(): void {
    if (this._state !== CONNECTED) return;
    this.stats.retransmits += this._inflight.retransmit(this._rt.now(), this._retryMs, this._writeFn);
    this._armRetry();
  }
}
