/**
 * Streaming MQTT 3.1.1 decoder for the client side: feed it chunks as they arrive (any split, any
 * size); it reassembles packets and calls `onPacket` for each. It never throws: a malformed stream
 * (remaining length over 4 bytes, a packet over `maxPacket`, a type a broker must not send, wrong
 * fixed-header flags, a body that does not parse) calls `onError(code)` once and the decoder stops
 * until {@link MqttDecoder.reset}; the client then closes the connection and counts the error.
 *
 * Memory: one reused {@link MqttPacket} object, plus one body buffer per packet of exactly its
 * remaining length (never more than `maxPacket` bytes). PUBLISH payloads are views on that buffer
 * (`subarray`) where typed arrays exist, so a payload costs no second copy.
 *
 * @example
 * const d = new MqttDecoder(4096, (p) => handle(p), (code) => fail(code));
 * socketHandlers.onData = (chunk) => d.push(chunk);
 */
import { allocBytes, byteAt, ByteArray, ByteChunk, utf8Decode } from '../bytes.js';
import {
  CONNACK, ERR_BAD_BODY, ERR_BAD_FLAGS, ERR_BAD_LENGTH, ERR_OVERSIZE, ERR_UNKNOWN_TYPE, MqttPacket,
  PINGRESP, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, SUBACK, UNSUBACK,
} from './packet.js';

const ST_TYPE = 0;
const ST_LENGTH = 1;
const ST_BODY = 2;
const ST_FAILED = 3;

/** The streaming decoder. Internal state only; see the module comment. */
export class MqttDecoder {
  /** Largest accepted remaining length in bytes. */
  _max: number;
  _onPacket: (p: MqttPacket) => void;
  _onError: (code: number) => void;
  _state: number;
  _first: number;
  _len: number;
  _mult: number;
  _lenBytes: number;
  _body: ByteArray | null;
  _pos: number;
  _packet: MqttPacket;

  constructor(maxPacket: number, onPacket: (p: MqttPacket) => void, onError: (code: number) => void) {
    this._max = maxPacket;
    this._onPacket = onPacket;
    this._onError = onError;
    this._packet = { type: 0, flags: 0, id: 0, topic: '', payload: null, qos: 0, retain: false, dup: false, code: 0, sessionPresent: false, granted: null };
    this._state = ST_TYPE;
    this._first = 0;
    this._len = 0;
    this._mult = 1;
    this._lenBytes = 0;
    this._body = null;
    this._pos = 0;
  }

  /** Forgets any partial packet and clears a failure (call on every new connection). */
  reset(): void {
    this._state = ST_TYPE;
    this._body = null;
  }

  /** Stops decoding until {@link reset} (the connection is closing; the rest of a chunk is ignored). */
  halt(): void {
    this._state = ST_FAILED;
    this._body = null;
  }

  /** True after a malformed stream, until {@link reset}. */
  get failed(): boolean {
    return this._state === ST_FAILED;
  }

  /** Feeds one chunk. */
  push(chunk: ByteChunk): void {
    const n = chunk.length;
    let i = 0;
    while (i < n && this._state !== ST_FAILED) {
      if (this._state === ST_TYPE) {
        this._first = byteAt(chunk, i++);
        const t = this._first >> 4;
        const f = this._first & 15;
        if (t !== PUBLISH && t !== CONNACK && !(t >= PUBACK && t <= PUBCOMP) && t !== SUBACK && t !== UNSUBACK && t !== PINGRESP) {
          this._fail(ERR_UNKNOWN_TYPE);
        } else if (t === PUBLISH ? (f & 6) === 6 : f !== (t === PUBREL ? 2 : 0)) {
          // QoS 3 is malformed (§3.3.1.2); other packets have fixed flags (§2.2.2).
          this._fail(ERR_BAD_FLAGS);
        } else {
          this._state = ST_LENGTH;
          this._len = 0;
          this._mult = 1;
          this._lenBytes = 0;
        }
      } else if (this._state === ST_LENGTH) {
        const b = byteAt(chunk, i++);
        this._len += (b & 127) * this._mult;
        this._mult *= 128;
        this._lenBytes++;
        if (b & 128) {
          if (this._lenBytes === 4) this._fail(ERR_BAD_LENGTH);
        } else if (this._len > this._max) {
          this._fail(ERR_OVERSIZE);
        } else if (this._len === 0) {
          this._body = null;
          this._emit();
        } else {
          this._body = allocBytes(this._len);
          this._pos = 0;
          this._state = ST_BODY;
        }
      } else {
        const body = this._body as ByteArray;
        let take = this._len - this._pos;
        if (take > n - i) take = n - i;
        for (let k = 0; k < take; k++) body[this._pos + k] = byteAt(chunk, i + k);
        this._pos += take;
        i += take;
        if (this._pos === this._len) this._emit();
      }
    }
  }

  _fail(code: number): void {
    this._state = ST_FAILED;
    this._body = null;
    this._onError(code);
  }

  /** Parses the complete packet in `_body` and hands it over. */
  _emit(): void {
    this._state = ST_TYPE;
    const p = this._packet;
    const body = this._body;
    const len = this._len;
    const t = this._first >> 4;
    this._body = null;
    p.type = t;
    p.flags = this._first & 15;
    p.id = 0;
    p.payload = null;
    p.granted = null;
    if (t === PUBLISH) {
      p.qos = (p.flags >> 1) & 3;
      p.retain = (p.flags & 1) === 1;
      p.dup = (p.flags & 8) === 8;
      const tl = len >= 2 && body ? (body[0] << 8) | body[1] : -1;
      let at = 2 + tl + (p.qos > 0 ? 2 : 0);
      // A topic name has at least one character (§4.7.3); QoS > 0 needs a non-zero id (§2.3.1).
      if (!body || tl < 1 || at > len) return this._fail(ERR_BAD_BODY);
      p.topic = utf8Decode(body, 2, 2 + tl);
      if (p.qos > 0) {
        p.id = (body[2 + tl] << 8) | body[3 + tl];
        if (p.id === 0) return this._fail(ERR_BAD_BODY);
      }
      p.payload = (body as any).subarray ? (body as Uint8Array).subarray(at, len) : (body as number[]).slice(at, len);
    } else if (t === CONNACK) {
      if (len !== 2 || !body) return this._fail(ERR_BAD_BODY);
      p.sessionPresent = (body[0] & 1) === 1;
      p.code = body[1];
    } else if (t === SUBACK) {
      if (len < 3 || !body) return this._fail(ERR_BAD_BODY);
      p.id = (body[0] << 8) | body[1];
      const g: number[] = [];
      for (let k = 2; k < len; k++) g.push(body[k]);
      p.granted = g;
    } else if (t === PINGRESP) {
      if (len !== 0) return this._fail(ERR_BAD_BODY);
    } else {
      // PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: exactly a packet identifier.
      if (len !== 2 || !body) return this._fail(ERR_BAD_BODY);
      p.id = (body[0] << 8) | body[1];
    }
    this._onPacket(p);
  }
}
