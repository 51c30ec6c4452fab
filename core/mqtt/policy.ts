/**
 * The wire policy derived from a record's buffer (CONTRACT §9), shared by the MCU connector
 * (`core/mqtt/connector.ts`) and the Node connector (`bridge/mqtt/`), so both put the same bytes and
 * flags on the wire.
 *
 * | buffer | QoS | retain | offline queue | on reconnect | envelope |
 * |---|---|---|---|---|---|
 * | SingleLatest | 1 | yes | latest only | last value re-published | none |
 * | Mailbox | 1 | no | latest only | queued value sent | none |
 * | SpmcRing | 0 | no | 32, oldest dropped | queue flushed in order | sequence number |
 *
 * Why SingleLatest is QoS 1 (not 0): intermediate values may collapse, but the LAST one must arrive.
 * At QoS 0 a value lost in transit before a quiet period leaves every reader, and the broker's
 * retained copy, stale until the next value or reconnect, which may be hours for a setpoint. QoS 1
 * costs one in-flight slot while unacknowledged; when the window is full the link keeps only the
 * newest value (latest-only queue), so a fast producer still costs O(1) memory. (Observed too: aedes
 * 1.2 drops some live QoS 0 retained deliveries; QoS 1 is delivered by every broker we test.)
 * Mailbox is a command: losing it silently is wrong, re-delivering a stale one on subscribe (retain)
 * is wrong too, hence QoS 1, not retained. Rings are streams: QoS 0, gaps are counted, not hidden.
 *
 * Every option can be overridden per link, by `LinkOptions` first, then the URL query
 * (`mqtt://a/b?qos=1&retain=true&queue=64&seq=false`), then the default above.
 *
 * **Sequence envelope (rings).** MQTT 3.1.1 has no user properties, and the MCU client speaks 3.1.1,
 * so a ring message carries its record sequence number in a small prefix that leaves the user's
 * payload bytes intact after it:
 *
 * ```
 * 0x1E  <seq as ASCII decimal, 1–15 digits>  0x1F  <payload bytes, unchanged>
 * ```
 *
 * (ASCII Record Separator / Unit Separator: they never start JSON, text or CBOR maps, so a receiver
 * tells an envelope from a bare payload by its first bytes, and strips it). Overhead 3 + digits bytes.
 * The number is the record's own sequence (`OutboundRoute.send`'s `seq`), so a value lost to ring
 * overwrite on the sender, to an offline-queue drop, or in transit all show up as a jump. The inbound
 * side of a ring record counts `seq - last - 1` into `LinkMetrics.gaps`, per topic (a wildcard link
 * may hear several publishers; at most {@link MAX_TRACKED_TOPICS} topics are tracked per link). A
 * sequence that goes backwards (the publisher restarted) restarts the count without a gap. A QoS 1
 * duplicate is delivered again (at-least-once) and is not a gap. Any inbound link strips an envelope
 * it finds; only ring records count gaps. Disable with `seq: false` (`?seq=false`) for a topic that
 * non-AimDB subscribers read raw.
 *
 * **Status.** Each connector's last will keeps a retained `<prefix>/<nodeId>/status` topic: `online`
 * published retained (QoS 1) on every connect, `offline` as the will and on a clean stop.
 */
import {
  BUFFER_MAILBOX, BUFFER_SINGLE_LATEST, BUFFER_SPMC_RING, BufferKind, LinkOptions, LinkUrl, Payload,
} from '../api.js';
import { allocBytes, byteAt, ByteArray, utf8Encode } from '../bytes.js';

/** Record Separator: first byte of a sequence envelope. */
export const SEQ_START = 0x1e;
/** Unit Separator: ends the sequence number. */
export const SEQ_END = 0x1f;
/** Topics whose last sequence number one inbound link remembers. */
export const MAX_TRACKED_TOPICS = 16;
/** Default offline queue of a ring link, messages. */
export const DEFAULT_RING_QUEUE = 32;
/** Payload of the status topic while connected. */
export const STATUS_ONLINE = 'online';
/** Payload of the status topic after the will fired or a clean stop. */
export const STATUS_OFFLINE = 'offline';

/** The resolved wire behaviour of one link. */
export interface WirePolicy {
  qos: 0 | 1 | 2;
  retain: boolean;
  /** Offline queue length (always 1 for SingleLatest and Mailbox: the latest only). */
  queue: number;
  /** Ring semantics for the queue: drop the oldest; otherwise the new value replaces the pending one. */
  dropOldest: boolean;
  /** Wrap outbound payloads in the sequence envelope (rings). */
  seq: boolean;
  /** Re-publish the last value after every reconnect (SingleLatest). */
  republish: boolean;
}

function flag(v: unknown, q: string | undefined, dflt: boolean): boolean {
  if (typeof v === 'boolean') return v;
  if (q === 'true' || q === '1') return true;
  if (q === 'false' || q === '0') return false;
  return dflt;
}

/** Why a link's wire options are invalid, or `undefined` (for `Connector.validate`). */
export function policyError(link: LinkUrl, options?: LinkOptions): string | undefined {
  const q = link.query.qos;
  if (q !== undefined && q !== '0' && q !== '1' && q !== '2') return 'qos must be 0, 1 or 2';
  const n = link.query.queue;
  if (n !== undefined && !(Number(n) >= 1)) return 'queue must be a number >= 1';
  const once = link.query.once;
  if (once !== undefined && once !== 'true' && once !== 'false' && once !== '1' && once !== '0') return 'once must be true or false';
  const o = options && options.qos;
  if (o !== undefined && o !== 0 && o !== 1 && o !== 2) return 'qos must be 0, 1 or 2';
  return undefined;
}

/**
 * The policy of one link: `options` over the URL query over the buffer default.
 *
 * @example
 * wirePolicy(BUFFER_SINGLE_LATEST, parsedUrl, {}); // { qos: 0, retain: true, queue: 1, ... }
 */
export function wirePolicy(kind: BufferKind, link: LinkUrl, options: LinkOptions): WirePolicy {
  const q = link.query;
  const ring = kind === BUFFER_SPMC_RING;
  let qos = (kind === BUFFER_SPMC_RING ? 0 : 1) as 0 | 1 | 2;
  if (q.qos !== undefined) qos = Number(q.qos) as 0 | 1 | 2;
  if (options.qos !== undefined) qos = options.qos;
  let queue = ring ? DEFAULT_RING_QUEUE : 1;
  if (ring && q.queue !== undefined) queue = Number(q.queue);
  if (ring && typeof options.queue === 'number') queue = options.queue;
  return {
    qos: qos,
    retain: flag(options.retain, q.retain, kind === BUFFER_SINGLE_LATEST),
    queue: queue < 1 ? 1 : queue,
    dropOldest: ring,
    seq: ring && flag(options.seq, q.seq, true),
    republish: kind === BUFFER_SINGLE_LATEST,
  };
}

/** Subscription QoS of an inbound link: options, then `?qos=`, then ring 0 / SingleLatest and Mailbox 1. */
export function inboundQos(kind: BufferKind, link: LinkUrl, options: LinkOptions): 0 | 1 | 2 {
  if (options.qos !== undefined) return options.qos;
  if (link.query.qos !== undefined) return Number(link.query.qos) as 0 | 1 | 2;
  return kind === BUFFER_SPMC_RING ? 0 : 1;
}

/**
 * Whether an inbound link drops QoS 1 redeliveries (at most once) instead of taking every copy (at
 * least once, what QoS 1 means): `options.atMostOnce`, then `?once=true|false`, then the default —
 * true for a Mailbox (a command must not run twice), false for the others. A redelivery is told from
 * a new message by packet id, topic and payload (dedup.ts), so two commands that must both run should
 * differ in their payload: a command that carries its own id or sequence number is never mistaken.
 */
export function inboundAtMostOnce(kind: BufferKind, link: LinkUrl, options: LinkOptions): boolean {
  return flag(options.atMostOnce, link.query.once, kind === BUFFER_MAILBOX);
}

/** `<prefix>/<nodeId>/status`. */
export function statusTopic(prefix: string, nodeId: string): string {
  return (prefix ? prefix + '/' : '') + nodeId + '/status';
}

/**
 * Wraps a payload in the sequence envelope. A string stays a string (UTF-8 text, the separators are
 * single bytes); bytes become a new byte array.
 */
export function wrapSeq(seq: number, payload: Payload): Payload {
  const head = String.fromCharCode(SEQ_START) + String(seq) + String.fromCharCode(SEQ_END);
  if (typeof payload === 'string') return head + payload;
  const out = allocBytes(head.length + payload.length);
  for (let i = 0; i < head.length; i++) out[i] = head.charCodeAt(i);
  for (let i = 0; i < payload.length; i++) out[head.length + i] = byteAt(payload, i);
  return out;
}

/**
 * Length of the envelope at the start of `bytes` (0 when there is none); the number goes to
 * `out[0]`. A bare payload that happens to start with 0x1E but has no well-formed number is left whole.
 */
export function envelopeLength(bytes: ArrayLike<number> | string, out: number[]): number {
  if (bytes.length < 3 || byteAt(bytes, 0) !== SEQ_START) return 0;
  let n = 0;
  for (let i = 1; i < bytes.length && i <= 16; i++) {
    const b = byteAt(bytes, i);
    if (b === SEQ_END) {
      if (i === 1) return 0;
      out[0] = n;
      return i + 1;
    }
    if (b < 48 || b > 57) return 0;
    n = n * 10 + (b - 48);
  }
  return 0;
}

/** The payload after `skip` bytes: a view where typed arrays exist, else a copy. */
export function payloadAfter(bytes: ArrayLike<number>, skip: number): ArrayLike<number> {
  if (skip === 0) return bytes;
  const b = bytes as any;
  if (b.subarray) return b.subarray(skip);
  if (b.slice) return b.slice(skip);
  const out: number[] = [];
  for (let i = skip; i < bytes.length; i++) out.push(bytes[i]);
  return out;
}

/** Largest gap one message can report; see {@link GapTracker.observe}. */
export const MAX_SEQ_GAP = 1 << 20;

/**
 * Counts sequence gaps per topic for one inbound link. Bounded: {@link MAX_TRACKED_TOPICS} topics,
 * the oldest tracked topic is forgotten first.
 */

export class GapTracker {
  _topics: string[];
  _last: number[];
  constructor() {
    this._topics = [];
    this._last = [];
  }
  /** Records `seq` heard on `topic`; returns the number of values missed before it. */
  observe(topic: string, seq: number): number {
    const i = this._topics.indexOf(topic);
    if (i < 0) {
      if (this._topics.length >= MAX_TRACKED_TOPICS) {
        this._topics.shift();
        this._last.shift();
      }
      this._topics.push(topic);
      this._last.push(seq);
      return 0;
    }
    const last = this._last[i];
    this._last[i] = seq;
    // A leap past MAX_SEQ_GAP is a renumbering (or one forged envelope), not that many lost values.
    return seq > last + 1 && seq - last - 1 <= MAX_SEQ_GAP ? seq - last - 1 : 0;
  }
}

/**
 * UTF-8 bytes of a topic, computed once per link at create time: a typed array where the engine has
 * them (flat storage: ~2 + n/12 Espruino JsVars, where a plain array costs one JsVar per byte).
 */
export function topicBytes(topic: string): ByteArray {
  const u = utf8Encode(topic);
  const out = allocBytes(u.length);
  for (let i = 0; i < u.length; i++) out[i] = u[i];
  return out;
}
