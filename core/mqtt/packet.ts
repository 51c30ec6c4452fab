/**
 * MQTT 3.1.1 packet constants and the shape of a decoded packet (OASIS MQTT 3.1.1, section 2).
 * Numbers, not an `enum`, so that the ES5 output has no helper and the hot path compares integers.
 */

/** Control packet types (fixed header, high nibble of byte 1; MQTT 3.1.1 §2.2.1). */
export const CONNECT = 1;
export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const PUBREC = 5;
export const PUBREL = 6;
export const PUBCOMP = 7;
export const SUBSCRIBE = 8;
export const SUBACK = 9;
export const UNSUBSCRIBE = 10;
export const UNSUBACK = 11;
export const PINGREQ = 12;
export const PINGRESP = 13;
export const DISCONNECT = 14;

/** Decoder error codes (also the index into {@link DECODE_ERROR_NAMES}). */
export const ERR_BAD_LENGTH = 1;
export const ERR_OVERSIZE = 2;
export const ERR_UNKNOWN_TYPE = 3;
export const ERR_BAD_FLAGS = 4;
export const ERR_BAD_BODY = 5;

/** Short names of the decoder error codes, for logs and counters. */
export const DECODE_ERROR_NAMES = ['', 'bad remaining length', 'oversize packet', 'unexpected packet type', 'bad header flags', 'malformed body'];

/** Largest value the 4-byte remaining-length varint can hold (MQTT 3.1.1 §2.2.3). */
export const MAX_REMAINING_LENGTH = 268435455;

/**
 * A packet the client received. The decoder owns ONE such object and refills it for every packet,
 * so a consumer must copy what it keeps before returning (no allocation per packet beyond the
 * topic string and payload view).
 */
export interface MqttPacket {
  /** One of the packet type constants. */
  type: number;
  /** Low nibble of the fixed header. */
  flags: number;
  /** Packet identifier (PUBLISH QoS > 0, acks, SUBACK, UNSUBACK); 0 when absent. */
  id: number;
  /** PUBLISH: topic name. */
  topic: string;
  /** PUBLISH: the application payload (a view or copy of the packet body). */
  payload: ArrayLike<number> | null;
  /** PUBLISH: QoS 0, 1 or 2. */
  qos: number;
  /** PUBLISH: retain flag. */
  retain: boolean;
  /** PUBLISH: DUP flag. */
  dup: boolean;
  /** CONNACK: return code (0 = accepted). */
  code: number;
  /** CONNACK: session present flag. */
  sessionPresent: boolean;
  /** SUBACK: granted QoS per filter (0x80 = failure). */
  granted: number[] | null;
}
