/**
 * MQTT 3.1.1 packet encoders. Each returns one freshly allocated byte array of the exact packet size
 * (`Uint8Array` where the engine has typed arrays, else a plain array), ready for `ByteStream.write`.
 *
 * Strings are UTF-8 encoded (MQTT 3.1.1 §1.5.3). A {@link Payload} that is a string is sent as UTF-8;
 * a byte chunk (binary string or byte array) is copied byte by byte through `byteAt`.
 *
 * @example
 * stream.write(encodePublish('climate/temp', '{"c":21}', 1, false, false, 7));
 */
import { allocBytes, byteAt, ByteArray, ByteChunk, utf8Encode } from '../bytes.js';
import type { Payload } from '../api.js';
import { CONNECT, DISCONNECT, PINGREQ, PUBLISH, PUBREL, SUBSCRIBE, UNSUBSCRIBE } from './packet.js';

/** Last will of a connection (MQTT 3.1.1 §3.1.2.5). */
export interface MqttWill {
  topic: string;
  payload: Payload;
  /** Default 0. */
  qos?: 0 | 1 | 2;
  /** Default false. */
  retain?: boolean;
}

/** What CONNECT carries. */
export interface ConnectFields {
  clientId: string;
  /** Keepalive in seconds (0 disables). */
  keepalive: number;
  /** Clean session flag. */
  clean: boolean;
  username?: string;
  password?: string;
  will?: MqttWill;
}

/** Bytes of a payload: UTF-8 for strings given as `Payload`, else the chunk itself. */
export function payloadBytes(p: Payload): ByteChunk {
  return typeof p === 'string' ? utf8Encode(p) : p;
}

/** Size of the remaining-length varint for `n`. */
function varintSize(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

/** Allocates a packet: writes the fixed header; returns the buffer, position in `pos[0]`. */
function header(first: number, remaining: number, pos: number[]): ByteArray {
  const out = allocBytes(1 + varintSize(remaining) + remaining);
  out[0] = first;
  let i = 1;
  let n = remaining;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 128;
    out[i++] = b;
  } while (n > 0);
  pos[0] = i;
  return out;
}

function putU16(out: ByteArray, i: number, v: number): number {
  out[i] = (v >> 8) & 0xff;
  out[i + 1] = v & 0xff;
  return i + 2;
}

/** Writes a length-prefixed byte field (MQTT "UTF-8 string" or "binary data"). */
function putField(out: ByteArray, i: number, bytes: ByteChunk): number {
  i = putU16(out, i, bytes.length);
  for (let k = 0; k < bytes.length; k++) out[i++] = byteAt(bytes, k);
  return i;
}

/** CONNECT with protocol level 4 (3.1.1), will, credentials, keepalive and clean session (§3.1). */
export function encodeConnect(f: ConnectFields): ByteArray {
  const id = utf8Encode(f.clientId);
  let flags = f.clean ? 2 : 0;
  let size = 10 + 2 + id.length;
  let willTopic: number[] | null = null;
  let willPayload: ByteChunk | null = null;
  if (f.will) {
    willTopic = utf8Encode(f.will.topic);
    willPayload = payloadBytes(f.will.payload);
    size += 4 + willTopic.length + willPayload.length;
    flags |= 4 | ((f.will.qos || 0) << 3) | (f.will.retain ? 32 : 0);
  }
  let user: number[] | null = null;
  let pass: number[] | null = null;
  if (f.username !== undefined) {
    user = utf8Encode(f.username);
    size += 2 + user.length;
    flags |= 128;
  }
  // A password without a user name is not allowed in 3.1.1 (§3.1.2.9): it is ignored then.
  if (f.password !== undefined && user) {
    pass = utf8Encode(f.password);
    size += 2 + pass.length;
    flags |= 64;
  }
  const pos = [0];
  const out = header(CONNECT << 4, size, pos);
  let i = putField(out, pos[0], 'MQTT');
  out[i++] = 4;
  out[i++] = flags;
  i = putU16(out, i, f.keepalive);
  i = putField(out, i, id);
  if (willTopic && willPayload) {
    i = putField(out, i, willTopic);
    i = putField(out, i, willPayload);
  }
  if (user) i = putField(out, i, user);
  if (pass) putField(out, i, pass);
  return out;
}

/**
 * PUBLISH (§3.3). `topic` may be pre-encoded UTF-8 bytes (do it once per link, at create time).
 * `id` is written for QoS > 0 (use {@link setPacketId} to change it later).
 */
export function encodePublish(topic: string | ArrayLike<number>, payload: Payload, qos: number, retain: boolean, dup: boolean, id: number): ByteArray {
  const t = typeof topic === 'string' ? utf8Encode(topic) : topic;
  const p = payloadBytes(payload);
  const size = 2 + t.length + (qos > 0 ? 2 : 0) + p.length;
  const pos = [0];
  const out = header((PUBLISH << 4) | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0), size, pos);
  let i = putField(out, pos[0], t);
  if (qos > 0) i = putU16(out, i, id);
  for (let k = 0; k < p.length; k++) out[i++] = byteAt(p, k);
  return out;
}

/** Offset of the packet identifier inside an encoded PUBLISH (after the topic). */
export function publishIdOffset(packet: ArrayLike<number>): number {
  let i = 1;
  while (packet[i] & 128) i++;
  i++;
  return i + 2 + ((packet[i] << 8) | packet[i + 1]);
}

/** Rewrites the packet identifier of an encoded QoS > 0 PUBLISH in place. */
export function setPacketId(packet: ByteArray, id: number): void {
  putU16(packet, publishIdOffset(packet), id);
}

/** Sets the DUP flag of an encoded PUBLISH in place (retransmission, §3.3.1.1). */
export function setDup(packet: ByteArray): void {
  packet[0] |= 8;
}

/** PUBACK, PUBREC, PUBREL or PUBCOMP: type, flags (2 for PUBREL, §3.6.1), packet id. */
export function encodeAck(type: number, id: number): ByteArray {
  const out = allocBytes(4);
  out[0] = (type << 4) | (type === PUBREL ? 2 : 0);
  out[1] = 2;
  putU16(out, 2, id);
  return out;
}

/** SUBSCRIBE (§3.8): one packet for `filters[i]` at `qos[i]`; fixed header flags 0010. */
export function encodeSubscribe(id: number, filters: string[], qos: number[]): ByteArray {
  const enc: number[][] = [];
  let size = 2;
  for (let k = 0; k < filters.length; k++) {
    enc.push(utf8Encode(filters[k]));
    size += 3 + enc[k].length;
  }
  const pos = [0];
  const out = header((SUBSCRIBE << 4) | 2, size, pos);
  let i = putU16(out, pos[0], id);
  for (let k = 0; k < enc.length; k++) {
    i = putField(out, i, enc[k]);
    out[i++] = qos[k] & 3;
  }
  return out;
}

/** UNSUBSCRIBE (§3.10); fixed header flags 0010. */
export function encodeUnsubscribe(id: number, filters: string[]): ByteArray {
  const enc: number[][] = [];
  let size = 2;
  for (let k = 0; k < filters.length; k++) {
    enc.push(utf8Encode(filters[k]));
    size += 2 + enc[k].length;
  }
  const pos = [0];
  const out = header((UNSUBSCRIBE << 4) | 2, size, pos);
  let i = putU16(out, pos[0], id);
  for (let k = 0; k < enc.length; k++) i = putField(out, i, enc[k]);
  return out;
}

/** PINGREQ (§3.12). */
export function encodePingreq(): ByteArray {
  const out = allocBytes(2);
  out[0] = PINGREQ << 4;
  return out;
}

/** DISCONNECT (§3.14). */
export function encodeDisconnect(): ByteArray {
  const out = allocBytes(2);
  out[0] = DISCONNECT << 4;
  return out;
}
