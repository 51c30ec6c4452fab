/**
 * The outbound in-flight window of the MQTT client: QoS 1 and 2 PUBLISH packets sent and not yet
 * acknowledged, bounded to `max` entries (MQTT 3.1.1 §4.3.2, §4.3.3). Each entry keeps the encoded
 * packet so a retransmission re-sends the same bytes with the DUP flag set (no re-encoding); a QoS 2
 * entry past PUBREC keeps its 4-byte PUBREL instead.
 *
 * Memory: per entry one object of 4 fields plus the encoded packet (its exact byte size).
 *
 * @example
 * const w = new InflightWindow(4);
 * if (!w.full()) { const id = w.add(packet, 1, now); stream.write(packet); }
 * w.ack(PUBACK, id); // removes it
 */
import type { ByteArray } from '../bytes.js';
import { encodeAck, setDup, setPacketId } from './encode.js';
import { PUBACK, PUBCOMP, PUBREC, PUBREL } from './packet.js';

/** One unacknowledged publish. */
export interface InflightEntry {
  id: number;
  /** The PUBLISH (state 1) or the PUBREL (state 2) to re-send. */
  packet: ByteArray;
  /** 1: waiting for PUBACK (QoS 1) or PUBREC (QoS 2); 2: waiting for PUBCOMP. */
  state: number;
  qos: number;
  /** Monotonic ms of the last transmission. */
  sentAt: number;
}

/** Bounded set of unacknowledged publishes. */
export class InflightWindow {
  _max: number;
  _entries: InflightEntry[];
  _nextId: number;

  constructor(max: number) {
    this._max = max;
    this._entries = [];
    this._nextId = 0;
  }

  /** Entries now (read-only for callers). */
  get size(): number {
    return this._entries.length;
  }

  /** True when no more QoS > 0 publish may be sent until an acknowledgement arrives. */
  full(): boolean {
    return this._entries.length >= this._max;
  }

  /** True when `id` belongs to an entry (packet identifiers must be unique while in use, §2.3.1). */
  uses(id: number): boolean {
    for (let i = 0; i < this._entries.length; i++) if (this._entries[i].id === id) return true;
    return false;
  }

  /** A fresh packet identifier in 1..65535 not used by an entry or by `busy` (e.g. a SUBSCRIBE). */
  nextId(busy: number): number {
    do {
      this._nextId = this._nextId >= 65535 ? 1 : this._nextId + 1;
    } while (this._nextId === busy || this.uses(this._nextId));
    return this._nextId;
  }

  /** Records an encoded QoS > 0 PUBLISH, giving it a packet id (written into it). Returns the id. */
  add(packet: ByteArray, qos: number, now: number, busy: number): number {
    const id = this.nextId(busy);
    setPacketId(packet, id);
    this._entries.push({ id: id, packet: packet, state: 1, qos: qos, sentAt: now });
    return id;
  }

  /**
   * Applies an acknowledgement. Returns the packet to send in reply (PUBREL after PUBREC), or null.
   * Unknown ids are ignored (a late duplicate acknowledgement, §4.3).
   */
  ack(type: number, id: number, now: number): ByteArray | null {
    for (let i = 0; i < this._entries.length; i++) {
      const e = this._entries[i];
      if (e.id !== id) continue;
      if (type === PUBACK && e.qos === 1) {
        this._entries.splice(i, 1);
      } else if (type === PUBREC && e.qos === 2) {
        // PUBREC may be repeated; answer each with PUBREL (§4.3.3).
        e.state = 2;
        e.packet = encodeAck(PUBREL, id);
        e.sentAt = now;
        return e.packet;
      } else if (type === PUBCOMP && e.state === 2) {
        this._entries.splice(i, 1);
      }
      return null;
    }
    return type === PUBREC ? encodeAck(PUBREL, id) : null;
  }

  /**
   * Calls `resend(packet)` for every entry sent `retryMs` or more ago (all entries when `retryMs`
   * is 0, as after a reconnect), setting DUP on PUBLISH packets. Returns how many were re-sent.
   */
  retransmit(now: number, retryMs: number, resend: (packet: ByteArray) => void): number {
    let n = 0;
    for (let i = 0; i < this._entries.length; i++) {
      const e = this._entries[i];
      if (retryMs > 0 && now - e.sentAt < retryMs) continue;
      if (e.state === 1) setDup(e.packet);
      e.sentAt = now;
      resend(e.packet);
      n++;
    }
    return n;
  }

  /**
   * The broker started a new session: nothing of the old one may be resumed (MQTT 3.1.1 §3.1.2-6).
   * Entries past PUBREC are complete (the broker took the message) and go. Entries waiting for PUBACK
   * or PUBREC get a new packet id and DUP cleared and are written again through `write` when
   * `resend`, else they go too. Returns how many were written.
   */
  renew(now: number, resend: boolean, write: (packet: ByteArray) => void): number {
    const old = this._entries;
    this._entries = [];
    let n = 0;
    for (let i = 0; i < old.length; i++) {
      const e = old[i];
      if (e.state !== 1 || !resend) continue;
      e.packet[0] &= ~8;
      this.add(e.packet, e.qos, now, 0);
      write(e.packet);
      n++;
    }
    return n;
  }

  /** Monotonic ms when the oldest entry is due for retransmission, or -1 when empty. */
  nextDue(retryMs: number): number {
    let due = -1;
    for (let i = 0; i < this._entries.length; i++) {
      const t = this._entries[i].sentAt + retryMs;
      if (due < 0 || t < due) due = t;
    }
    return due;
  }

  /** Forgets every entry (stop, or a QoS 0-only session). Returns how many were dropped. */
  clear(): number {
    const n = this._entries.length;
    this._entries.splice(0, n);
    return n;
  }
}
