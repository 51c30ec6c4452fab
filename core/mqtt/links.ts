/**
 * Per-link state shared by both MQTT connectors: an {@link OutboundLink} applies the wire policy
 * (`policy.ts`) and owns the link's offline queue; an {@link InboundLink} matches topics, strips the
 * sequence envelope and counts gaps. Both are transport-agnostic: the connector hands in a
 * {@link WireTransport} (the core client on the MCU, MQTT.js on Node).
 *
 * Memory per outbound link: one object of ~10 fields, the policy object (6 fields), the topic as a
 * typed array, the queue array (empty while online; one 2-field object per queued message), and for
 * SingleLatest the last payload: ≈ 25 Espruino JsVars for a 26-character topic; an inbound link
 * ≈ 11 (estimates from test/mqtt/memory.test.ts).
 *
 * @example
 * const out = new OutboundLink(route);
 * route.send = function (payload, value, seq) { out.send(transport, payload, value, seq); };
 * // on (re)connect:
 * out.resync(transport); out.flush(transport);
 */
import type { InboundRoute, OutboundRoute, Payload } from '../api.js';
import type { Logger } from '../runtime/context.js';
import { envelopeLength, GapTracker, inboundAtMostOnce, inboundQos, payloadAfter, topicBytes, WirePolicy, wirePolicy, wrapSeq } from './policy.js';
import { hasWildcard, topicError, topicMatches } from './topic.js';
import { BUFFER_SPMC_RING } from '../api.js';

/** What a connector offers the links: "can I publish now" and "publish". */
export interface WireTransport {
  /** True when a publish at `qos` goes out now (connected, window not full). */
  writable(qos: number): boolean;
  /** Publishes now. `topicUtf8` is the pre-encoded topic when the link has a fixed one. */
  publish(topic: string, topicUtf8: ArrayLike<number> | null, payload: Payload, qos: number, retain: boolean): void;
}

interface WireMessage {
  topic: string;
  payload: Payload;
}

/** One outbound link: policy, topic and offline queue. */
export class OutboundLink {
  readonly route: OutboundRoute;
  readonly policy: WirePolicy;
  _topic: string;
  _topicUtf8: ArrayLike<number> | null;
  _topicFn: ((value: any) => string) | null;
  _queue: WireMessage[];
  _lastTopic: string;
  _lastPayload: Payload | null;
  _log: Logger | null;

  constructor(route: OutboundRoute, log?: Logger) {
    this.route = route;
    this.policy = wirePolicy(route.bufferKind, route.link, route.options);
    this._topic = route.link.address;
    this._topicFn = typeof route.options.topic === 'function' ? route.options.topic : null;
    this._topicUtf8 = this._topicFn ? null : topicBytes(this._topic);
    this._queue = [];
    this._lastTopic = '';
    this._lastPayload = null;
    this._log = log || null;
  }

  /** One value of the record: publish now, or queue it by the buffer's rule. Never throws. */
  send(t: WireTransport, payload: Payload, value: unknown, seq: number): void {
    const m = this.route.metrics;
    let topic = this._topic;
    if (this._topicFn) {
      let bad: string | undefined;
      try {
        topic = this._topicFn(value);
        bad = typeof topic === 'string' ? topicError(topic) : 'not a string';
      } catch (e) {
        bad = String(e);
      }
      if (bad) {
        m.encodeErrors++;
        if (this._log) this._log.warn('mqtt topic provider failed: ' + bad);
        return;
      }
    }
    const p = this.policy;
    const wire = p.seq ? wrapSeq(seq, payload) : payload;
    if (p.republish) {
      this._lastTopic = topic;
      this._lastPayload = wire;
    }
    if (this._queue.length === 0 && t.writable(p.qos)) {
      t.publish(topic, this._topicFn ? null : this._topicUtf8, wire, p.qos, p.retain);
      m.sent++;
      return;
    }
    const q = this._queue;
    if (q.length >= p.queue) {
      // Ring: the oldest goes; SingleLatest and Mailbox: the pending value is replaced.
      if (p.dropOldest) q.shift();
      else q.splice(0, q.length);
      m.dropped++;
    }
    q.push({ topic: topic, payload: wire });
    m.queued = q.length;
  }

  /** Sends queued messages while the transport takes them. Returns how many went out. */
  flush(t: WireTransport): number {
    const q = this._queue;
    const p = this.policy;
    let n = 0;
    while (q.length > 0 && t.writable(p.qos)) {
      const e = q.shift() as WireMessage;
      t.publish(e.topic, e.topic === this._topic ? this._topicUtf8 : null, e.payload, p.qos, p.retain);
      n++;
    }
    this.route.metrics.sent += n;
    this.route.metrics.queued = q.length;
    return n;
  }

  /**
   * After a reconnect: a SingleLatest link with nothing queued re-publishes its last value, so the
   * broker's retained copy is current even if the broker lost it (restart without persistence).
   */
  resync(t: WireTransport): void {
    if (!this.policy.republish || this._queue.length > 0 || this._lastPayload === null) return;
    if (!t.writable(this.policy.qos)) return;
    const topic = this._lastTopic;
    t.publish(topic, topic === this._topic ? this._topicUtf8 : null, this._lastPayload, this.policy.qos, this.policy.retain);
    this.route.metrics.sent++;
  }

  /** Messages in the offline queue. */
  get queued(): number {
    return this._queue.length;
  }
}

/** One inbound link: its topic filter, subscription QoS and gap counter. */
export class InboundLink {
  readonly route: InboundRoute;
  /** The topic filter (the URL's address). */
  readonly filter: string;
  readonly qos: 0 | 1 | 2;
  /** QoS 1 redeliveries are dropped (at most once) instead of delivered again. */
  readonly atMostOnce: boolean;
  _wild: boolean;
  _gaps: GapTracker | null;
  _seq: number[];
  _log: Logger | null;

  constructor(route: InboundRoute, log?: Logger) {
    this.route = route;
    this.filter = route.link.address;
    this.qos = inboundQos(route.bufferKind, route.link, route.options);
    this.atMostOnce = inboundAtMostOnce(route.bufferKind, route.link, route.options);
    this._wild = hasWildcard(this.filter);
    this._gaps = route.bufferKind === BUFFER_SPMC_RING ? new GapTracker() : null;
    this._seq = [0];
    this._log = log || null;
  }

  /** True when a message on `topic` is for this link. */
  matches(topic: string): boolean {
    return this._wild ? topicMatches(this.filter, topic) : this.filter === topic;
  }

  /**
   * Hands one message to the record: strips the envelope, counts gaps, delivers. Never throws.
   * `received` and `decodeErrors` are counted by the route's `deliver` (core/links.ts), not here.
   */
  receive(topic: string, payload: ArrayLike<number>): boolean {
    const m = this.route.metrics;
    const n = envelopeLength(payload, this._seq);
    if (n > 0) {
      if (this._gaps) m.gaps += this._gaps.observe(topic, this._seq[0]);
      payload = payloadAfter(payload, n);
    }
    try {
      return this.route.deliver(payload, topic);
    } catch (e) {
      // deliver() must not throw (core/api.ts); if it does, count it as a decode error anyway.
      m.decodeErrors++;
      if (this._log) this._log.warn('mqtt inbound delivery threw on ' + topic + ': ' + String(e));
      return false;
    }
  }
}

/**
 * Hands a message to every inbound link whose filter matches, except, for a recognised QoS 1
 * redelivery, the links that asked for at most once. Returns how many links matched.
 */
export function dispatch(links: InboundLink[], topic: string, payload: ArrayLike<number>, redelivered?: boolean): number {
  let n = 0;
  for (let i = 0; i < links.length; i++) {
    if (links[i].matches(topic)) {
      n++;
      if (redelivered && links[i].atMostOnce) continue;
      links[i].receive(topic, payload);
    }
  }
  return n;
}

/**
 * Distinct filters of a set of inbound links with the highest QoS asked for each, and whether every
 * link on the filter asked for at most once.
 */
export function subscriptions(links: InboundLink[]): { filters: string[]; qos: number[]; once: boolean[] } {
  const filters: string[] = [];
  const qos: number[] = [];
  const once: boolean[] = [];
  for (let i = 0; i < links.length; i++) {
    const l = links[i];
    const k = filters.indexOf(l.filter);
    if (k < 0) {
      filters.push(l.filter);
      qos.push(l.qos);
      once.push(l.atMostOnce);
    } else {
      if (l.qos > qos[k]) qos[k] = l.qos;
      if (!l.atMostOnce) once[k] = false;
    }
  }
  return { filters: filters, qos: qos, once: once };
}
