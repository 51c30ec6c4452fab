/**
 * At-most-once for QoS 1 commands. QoS 1 is "at least once": when a PUBACK is lost (a connection
 * reset), the broker re-sends the message in the resumed session with DUP=1 and the same packet id.
 * A Mailbox promises at most once per value (CONTRACT §2), so inbound links drop such a redelivery.
 *
 * The filter remembers the last `size` QoS 1 messages delivered (packet id, topic, a FNV-1a hash of
 * the payload, and the connection they came on). A message matching a remembered one on id, topic
 * and payload is a duplicate when it carries DUP=1, or when it arrives on a later connection of the
 * same session: MQTT 3.1.1 lets a broker redeliver only after a reconnect, and some brokers (aedes
 * 1.x) resend without the DUP flag. Within one connection a reused id is a new message. Memory:
 * `size` × 4 numbers/strings.
 */
import { byteAt } from '../bytes.js';

/** Remembered QoS 1 deliveries per connection (default window 16). */
export class DupFilter {
  _ids: number[];
  _topics: string[];
  _hashes: number[];
  _gens: number[];
  _gen: number;
  _next: number;
  /** Redeliveries dropped. */
  duplicates: number;

  constructor(size?: number) {
    const n = size || 16;
    this._ids = [];
    this._topics = [];
    this._hashes = [];
    this._gens = [];
    this._gen = 0;
    for (let i = 0; i < n; i++) {
      this._ids.push(-1);
      this._topics.push('');
      this._hashes.push(0);
      this._gens.push(0);
    }
    this._next = 0;
    this.duplicates = 0;
  }

  /**
   * Records a QoS 1 delivery and says whether it repeats one already delivered (drop it, but still
   * acknowledge it).
   */
  isDuplicate(id: number, topic: string, payload: ArrayLike<number> | string, dup: boolean): boolean {
    const h = fnv1a(payload);
    const at = this._ids.indexOf(id);
    if (at >= 0) {
      const same = this._topics[at] === topic && this._hashes[at] === h;
      const redelivery = dup || this._gens[at] < this._gen;
      this._gens[at] = this._gen;
      if (same && redelivery) {
        this.duplicates++;
        return true;
      }
      this._topics[at] = topic;
      this._hashes[at] = h;
      return false;
    }
    const slot = this._next;
    this._next = (slot + 1) % this._ids.length;
    this._ids[slot] = id;
    this._topics[slot] = topic;
    this._hashes[slot] = h;
    this._gens[slot] = this._gen;
    return false;
  }

  /** A new connection resumed the session: what was delivered before may now come again. */
  resumed(): void {
    this._gen++;
  }

  /** Forgets everything (a clean session starts afresh). */
  reset(): void {
    for (let i = 0; i < this._ids.length; i++) this._ids[i] = -1;
  }
}

/**
 * 32-bit FNV-1a of a payload. The prime 0x01000193 is 2^24 + 0x193, so `h * prime` is computed as
 * `(h << 24) + h * 0x193`, exact in doubles (ES5 has no `Math.imul`).
 */
export function fnv1a(p: ArrayLike<number> | string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < p.length; i++) {
    h = (h ^ byteAt(p, i)) >>> 0;
    h = ((h << 24) + h * 0x193) >>> 0;
  }
  return h;
}
