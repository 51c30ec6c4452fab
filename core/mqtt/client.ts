/**
 * A dependency-free MQTT 3.1.1 client for the ES5 core (Espruino, JerryScript, Node): it gets its
 * sockets from a {@link SocketFactory} and its time from a runtime context, and touches no host global.
 *
 * What it does: CONNECT with last will, credentials, keepalive and clean session; PUBLISH QoS 0, 1
 * and 2 with a bounded in-flight window and retransmission (DUP flag); inbound QoS 2 answered with
 * PUBREC/PUBCOMP and de-duplicated while PUBREL is pending (delivery on PUBLISH, "method B" of
 * §4.3.3); SUBSCRIBE remembered and re-sent after every reconnect; keepalive PINGREQ before the
 * keepalive period runs out, and a ping timeout; reconnect with bounded exponential backoff; a
 * bounded offline queue that drops the oldest message. Inbound packets are handled by one small
 * function per packet type (client-packets.ts).
 *
 * Sessions: when the broker resumes the session (session present), unacknowledged publishes go again
 * with DUP and the same id (§4.4). When it starts a new one (clean session, or a lost session), the
 * old session is never resumed: publishes waiting for PUBACK/PUBREC are sent again as new messages
 * (new ids, no DUP) or dropped and counted (`resendOnNewSession`); those past PUBREC are complete.
 *
 * Delivery: QoS 1 is at least once: every redelivery is handed over, with `redelivered` set when
 * recognised. A subscription made with `atMostOnce` asks for redeliveries to be dropped instead; a
 * message is dropped only when every subscription matching it asked so. Input: every option is checked when the client is made (client-options.ts), and every topic,
 * filter and QoS when it is used: a bad one throws `INVALID_ARGUMENT` at the call and never reaches
 * the wire. A malformed or oversize inbound packet closes the connection and is counted in
 * `stats.malformed`; nothing is thrown out of a socket callback. Limits (defaults; every one is an option): inbound packet ≤ `maxPacket` 4096 bytes; in-flight
 * window 4 QoS>0 publishes; offline queue 8 messages; 8 inbound QoS 2 ids awaiting PUBREL; 16 QoS 1
 * deliveries remembered while redeliveries are recognised.
 *
 * Memory, measured on the real Espruino engine by test/mqtt/espruino.test.ts (see docs/GUARANTEES.md
 * for the figures of the last run): connected with one subscription, what the client object reaches
 * (its state, the socket, callbacks and its methods) was 818 JsVars with the program booted from
 * flash and 1,692 with it evaluated into RAM. An inbound packet's body is allocated once at its exact
 * size (≤ `maxPacket`) and dropped after the callback; each in-flight or queued publish keeps its
 * encoded packet. One runtime timer at a time serves the connect, keepalive, ping, retry and
 * reconnect deadlines.
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
import type { ByteArray, ByteChunk, ByteStream, ByteStreamHandlers, SocketFactory } from '../bytes.js';
import type { Payload } from '../api.js';
import type { Timer } from '../runtime/context.js';
import { aimError } from '../errors.js';
import { CONNECTED, CONNECTING, IDLE, MqttClientOptions, MqttClientRuntime, MqttClientStats, resolveClientOptions, WAITING } from './client-options.js';
import { MqttDecoder } from './decoder.js';
import { encodeConnect, encodeDisconnect, encodePingreq, encodePublish, encodeSubscribe, encodeUnsubscribe, payloadBytes } from './encode.js';
import { InflightWindow } from './inflight.js';
import { DupFilter } from './dedup.js';
import { DECODE_ERROR_NAMES, MAX_REMAINING_LENGTH, MqttPacket } from './packet.js';
import { handlePacket } from './client-packets.js';
import { filterError, topicBytesError, topicError } from './topic.js';
export type { MqttClientOptions, MqttClientRuntime, MqttClientStats } from './client-options.js';

/** One remembered subscription. */
export interface Subscription {
  filter: string;
  qos: number;
  /** Redeliveries of messages already delivered are dropped for this subscription. */
  once: boolean;
  /** Granted QoS from the last SUBACK, -1 while pending, 128 on failure. */
  granted: number;
  pendingId: number;
}

interface Queued {
  packet: ByteArray;
  qos: number;
}

type Callback = Function | null;

/** The earlier of two deadlines, where -1 means none. */
function earlier(a: number, b: number): number {
  return a < 0 ? b : b < 0 || a <= b ? a : b;
}

/** The client. See the module comment. */
export class MqttClient {
  readonly stats: MqttClientStats;
  _sockets: SocketFactory;
  _rt: MqttClientRuntime;
  _host: string;
  _port: number;
  _clientId: string;
  _connectPacket: ByteArray;
  _decoder: MqttDecoder;
  _inflight: InflightWindow;
  _queue: Queued[];
  _queueMax: number;
  _subs: Subscription[];
  /** Inbound QoS 2 ids delivered and awaiting PUBREL. */
  _qos2Ids: number[];
  _qos2Window: number;
  /** Recognises QoS 1 redeliveries; made with the first at-most-once subscription. */
  _dups: DupFilter | null;
  _dupWindow: number;
  _resend: boolean;
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
  _connectTimeoutMs: number;
  _pingTimeoutMs: number;
  _reconnectMinMs: number;
  _reconnectMaxMs: number;
  _jitter: number;
  _onConnect: Callback;
  _onClose: Callback;
  _onMessage: Callback;
  _onWritable: Callback;
  /**
   * One runtime timer serves every deadline below (monotonic ms, -1 when unset): it is armed for the
   * earliest, and `_tick` runs whatever is due. One timer and one callback instead of five of each.
   */
  _timer: Timer | null;
  _timerAt: number;
  _connectDue: number;
  _pingDue: number;
  _keepaliveDue: number;
  _retryDue: number;
  _reconnectDue: number;
  _writeFn: (p: ByteArray) => void;
  _tickFn: () => void;

  constructor(sockets: SocketFactory, rt: MqttClientRuntime, options: MqttClientOptions) {
    const self = this;
    const o = resolveClientOptions(options);
    this._sockets = sockets;
    this._rt = rt;
    this.stats = {
      connects: 0, connectFailures: 0, disconnects: 0, malformed: 0, retransmits: 0, renewed: 0, lost: 0, pingTimeouts: 0,
      published: 0, received: 0, redeliveries: 0, duplicates: 0, queueDrops: 0, subackFailures: 0,
    };
    this._host = o.host;
    this._port = o.port;
    this._clientId = o.clientId;
    this._keepMs = o.keepalive * 1000;
    this._retryMs = o.retryMs;
    this._connectTimeoutMs = o.connectTimeoutMs;
    this._pingTimeoutMs = o.pingTimeoutMs;
    this._reconnectMinMs = o.reconnectMinMs;
    this._reconnectMaxMs = o.reconnectMaxMs;
    this._jitter = o.reconnectJitter;
    this._qos2Window = o.qos2Window;
    this._dupWindow = o.redeliveryWindow;
    this._resend = o.resendOnNewSession;
    this._queueMax = o.queue;
    this._onConnect = options.onConnect || null;
    this._onClose = options.onClose || null;
    this._onMessage = options.onMessage || null;
    this._onWritable = options.onWritable || null;
    this._connectPacket = encodeConnect({
      clientId: o.clientId, keepalive: o.keepalive, clean: o.clean, username: o.username, password: o.password, will: o.will,
    });
    this._decoder = new MqttDecoder(o.maxPacket, function (p) {
      self._onPacket(p);
    }, function (code) {
      self._malformed(code);
    });
    this._inflight = new InflightWindow(o.inflight);
    this._queue = [];
    this._subs = [];
    this._qos2Ids = [];
    this._dups = options.recognizeRedeliveries === true ? new DupFilter(o.redeliveryWindow) : null;
    this._state = IDLE;
    this._stopped = true;
    this._gen = 0;
    this._stream = null;
    this._attempts = 0;
    this._strikes = 0;
    this._connectedAt = 0;
    this._lastSend = 0;
    this._lastRecv = 0;
    this._timer = null;
    this._timerAt = this._connectDue = this._pingDue = this._keepaliveDue = this._retryDue = this._reconnectDue = -1;
    // The timer and write callbacks are made once here, never per message.
    this._writeFn = function (p) {
      self._write(p);
    };
    this._tickFn = function () {
      self._tick();
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
   * with `queue: 0`). `topic` may be pre-encoded UTF-8 bytes. Throws `INVALID_ARGUMENT` for a topic
   * that is not a valid topic name (wildcards, NUL, lone surrogates, over 65,535 bytes), a QoS other
   * than 0, 1, 2, or a packet over the protocol's size limit: nothing is sent then.
   */
  publish(topic: string | ArrayLike<number>, payload: Payload, qos: number, retain: boolean): boolean {
    let why = typeof topic === 'string' ? topicError(topic) : topic && typeof topic.length === 'number' ? topicBytesError(topic) : 'no topic';
    if (!why && qos !== 0 && qos !== 1 && qos !== 2) why = 'qos must be 0, 1 or 2, got ' + qos;
    const bytes = why ? null : payloadBytes(payload);
    if (!why && (!bytes || typeof bytes.length !== 'number' || bytes.length + 65541 > MAX_REMAINING_LENGTH)) why = 'payload must be a string or bytes of at most 268,369,914 bytes';
    if (why) throw aimError('INVALID_ARGUMENT', 'mqtt publish: ' + why);
    const packet = encodePublish(topic, bytes as ByteChunk, qos, retain, false, 0);
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

  /**
   * Subscribes now if connected, and again after every reconnect. Re-subscribing updates the QoS.
   * `atMostOnce`: QoS 1 redeliveries of a message already delivered are not handed over for this
   * subscription (see the module comment). Throws `INVALID_ARGUMENT` for an invalid filter or QoS.
   */
  subscribe(filter: string, qos: number, atMostOnce?: boolean): void {
    const why = filterError(filter) || (qos === 0 || qos === 1 || qos === 2 ? undefined : 'qos must be 0, 1 or 2, got ' + qos);
    if (why) throw aimError('INVALID_ARGUMENT', 'mqtt subscribe: ' + why);
    let s = this._find(filter);
    if (s) {
      s.qos = qos;
      s.once = atMostOnce === true;
    } else {
      s = { filter: filter, qos: qos, once: atMostOnce === true, granted: -1, pendingId: 0 };
      this._subs.push(s);
    }
    if (s.once && !this._dups) this._dups = new DupFilter(this._dupWindow);
    if (this._state === CONNECTED) this._sendSubscribe(s);
  }

  /** Forgets a subscription (UNSUBSCRIBE when connected). Throws `INVALID_ARGUMENT` for an invalid filter. */
  unsubscribe(filter: string): void {
    const why = filterError(filter);
    if (why) throw aimError('INVALID_ARGUMENT', 'mqtt unsubscribe: ' + why);
    for (let i = 0; i < this._subs.length; i++) {
      if (this._subs[i].filter !== filter) continue;
      this._subs.splice(i, 1);
      if (this._state === CONNECTED) this._write(encodeUnsubscribe(this._inflight.nextId(0), [filter]));
      return;
    }
  }

  /** Granted QoS of a subscription from its last SUBACK: -1 pending, 128 refused, undefined unknown. */
  granted(filter: string): number | undefined {
    const s = this._find(filter);
    return s ? s.granted : undefined;
  }

  _find(filter: string): Subscription | null {
    for (let i = 0; i < this._subs.length; i++) if (this._subs[i].filter === filter) return this._subs[i];
    return null;
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
    this._connectDue = this._rt.now() + this._connectTimeoutMs;
    this._arm();
    try {
      this._stream = this._sockets.connect(this._host, this._port, h);
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
    if (was !== IDLE && was !== WAITING) this._rt.log.info('mqtt ' + this._clientId + ' closed: ' + reason);
    if (this._onClose && (was === CONNECTED || (this._stopped && was !== IDLE))) this._call(this._onClose, reason);
    if (this._stopped) return;
    const max = this._reconnectMaxMs;
    if (was === CONNECTED && this._rt.now() - this._connectedAt >= max) this._strikes = 0;
    const strikes = this._strikes > 1 ? this._strikes - 1 : 0;
    let delay = this._reconnectMinMs * Math.pow(2, this._attempts + strikes);
    if (delay > max) delay = max;
    else this._attempts++;
    delay -= Math.floor(delay * this._jitter * Math.random());
    this._reconnectDue = this._rt.now() + delay;
    this._arm();
  }

  _cancelTimers(): void {
    this._connectDue = this._pingDue = this._keepaliveDue = this._retryDue = this._reconnectDue = -1;
    this._arm();
  }

  /** Arms the one timer for the earliest deadline (or cancels it when none is left). */
  _arm(): void {
    const at = earlier(earlier(earlier(this._connectDue, this._pingDue), earlier(this._keepaliveDue, this._retryDue)), this._reconnectDue);
    if (at === this._timerAt && (this._timer || at < 0)) return;
    if (this._timer) this._timer.cancel();
    this._timer = null;
    this._timerAt = at;
    if (at < 0) return;
    const wait = at - this._rt.now();
    this._timer = this._rt.after(wait > 0 ? wait : 0, this._tickFn);
  }

  /** Runs what is due. A host timer may fire a little early: then nothing is due and it re-arms. */
  _tick(): void {
    this._timer = null;
    this._timerAt = -1;
    const now = this._rt.now();
    if (this._connectDue >= 0 && now >= this._connectDue) this._drop('connect timeout');
    else if (this._pingDue >= 0 && now >= this._pingDue) {
      this.stats.pingTimeouts++;
      this._drop('ping timeout');
    } else if (this._reconnectDue >= 0 && now >= this._reconnectDue) {
      this._reconnectDue = -1;
      this._open();
    } else {
      if (this._keepaliveDue >= 0 && now >= this._keepaliveDue) this._keepalive(now);
      if (this._retryDue >= 0 && now >= this._retryDue) {
        this._retryDue = -1;
        this._retransmit();
      }
    }
    this._arm();
  }

  _call(fn: Function, a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown): void {
    try {
      fn(a, b, c, d, e);
    } catch (err) {
      this._rt.log.error('mqtt callback threw: ' + String(err));
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
    this._rt.log.warn('mqtt ' + this._clientId + ': ' + DECODE_ERROR_NAMES[code] + ', closing');
    this._drop(DECODE_ERROR_NAMES[code]);
  }

  _onPacket(p: MqttPacket): void {
    // Any packet answers a PINGREQ (the timer, if armed for it, finds nothing due and re-arms).
    this._pingDue = -1;
    handlePacket(this, p);
  }

  /** Flushes the offline queue, then tells the owner there is room. */
  _writable(): void {
    const q = this._queue;
    while (q.length > 0 && this.writable(q[0].qos)) {
      const e = q.shift() as Queued;
      this._send(e.packet, e.qos);
    }
    if (q.length === 0 && this._state === CONNECTED && this._onWritable) this._call(this._onWritable);
  }

  /**
   * Pings once a quarter of the keepalive period is left without traffic either way, so the PINGREQ
   * is on the wire before the period runs out (§3.1.2.10: at most the keepalive between two packets
   * from the client). Silence from the broker counts too: that detects a dead broker while we
   * publish QoS 0 steadily (half-open TCP).
   */
  _keepalive(now: number): void {
    this._keepaliveDue = -1;
    if (this._state !== CONNECTED) return;
    const last = this._lastSend < this._lastRecv ? this._lastSend : this._lastRecv;
    const pingAfter = this._keepMs - Math.ceil(this._keepMs / 4);
    const idle = now - last;
    if (idle >= pingAfter) {
      this._write(encodePingreq());
      if (this._pingDue < 0) this._pingDue = now + this._pingTimeoutMs;
      this._keepaliveDue = now + pingAfter;
    } else this._keepaliveDue = now + pingAfter - idle;
  }

  _armRetry(): void {
    if (this._retryMs === 0 || this._retryDue >= 0 || this._inflight.size === 0 || this._state !== CONNECTED) return;
    const now = this._rt.now();
    const due = this._inflight.nextDue(this._retryMs);
    this._retryDue = due > now ? due : now;
    this._arm();
  }

  _retransmit(): void {
    if (this._state !== CONNECTED) return;
    this.stats.retransmits += this._inflight.retransmit(this._rt.now(), this._retryMs, this._writeFn);
    this._armRetry();
  }
}
