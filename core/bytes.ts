/**
 * Byte handling that works on every engine. Espruino's UART and sockets deliver binary strings
 * (one char per byte), Node delivers Buffers, JerryScript's ES5.1 profile has no typed arrays: so a
 * chunk is either a binary string or an array-like of byte values, and codecs read it through
 * {@link byteAt}.
 */

/** Bytes as they arrive from a port: a binary string (char codes 0–255) or an array-like of bytes. */
export type ByteChunk = string | ArrayLike<number>;

/** The byte at `i` of a chunk. */
export function byteAt(chunk: ByteChunk, i: number): number {
  return typeof chunk === 'string' ? chunk.charCodeAt(i) & 0xff : chunk[i] & 0xff;
}

/** True when the engine has typed arrays (false on JerryScript's ES5.1 profile). */
export const HAS_TYPED_ARRAYS: boolean = typeof Uint8Array !== 'undefined';

/** A growable byte array: `Uint8Array`-backed where available, else a plain array. */
export type ByteArray = Uint8Array | number[];

/** Allocates `n` zeroed bytes. */
export function allocBytes(n: number): ByteArray {
  if (HAS_TYPED_ARRAYS) return new Uint8Array(n);
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(0);
  return a;
}

/** Encodes a JS string as UTF-8 bytes (a plain array, valid on every engine). */
export function utf8Encode(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/**
 * Decodes UTF-8 bytes `[start, end)` of a chunk. Malformed sequences become U+FFFD; it never throws.
 */
export function utf8Decode(bytes: ByteChunk, start?: number, end?: number): string {
  const from = start || 0;
  const to = end === undefined ? bytes.length : end;
  let out = '';
  let i = from;
  while (i < to) {
    const b = byteAt(bytes, i++);
    if (b < 0x80) {
      out += String.fromCharCode(b);
      continue;
    }
    let need = 0;
    let cp = 0;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x07;
    } else {
      out += '\ufffd';
      continue;
    }
    let ok = i + need <= to;
    for (let k = 0; ok && k < need; k++) {
      const c = byteAt(bytes, i + k);
      if ((c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (!ok || (need === 2 && cp < 0x800) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) {
      out += '\ufffd';
      continue;
    }
    i += need;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += String.fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else out += String.fromCharCode(cp);
  }
  return out;
}

/** Handlers a byte stream calls. Set once, when the stream is opened (ECMA-419 style). */
export interface ByteStreamHandlers {
  /** Bytes arrived. The chunk is only valid during the call. */
  onData(chunk: ByteChunk): void;
  /** The stream connected (sockets); serial ports call it when opened. */
  onConnect?(): void;
  /** The stream closed; `error` says why when it was not asked to. */
  onClose?(error?: string): void;
}

/** An open duplex byte stream: a UART, a TCP socket, a simulated line. */
export interface ByteStream {
  /** Queues bytes for sending. Never throws on a closed stream; the bytes are dropped. */
  write(chunk: ByteChunk): void;
  /** Closes the stream; `onClose` follows. */
  close(): void;
}

/** Opens TCP client connections (MCU MQTT, AimX over TCP): `require('net')` on Espruino, `net` on Node. */
export interface SocketFactory {
  connect(host: string, port: number, handlers: ByteStreamHandlers): ByteStream;
}
