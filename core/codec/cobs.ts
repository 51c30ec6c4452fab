/**
 * COBS (Consistent Overhead Byte Stuffing) framing for byte links such as a UART (CONTRACT §6,
 * "Serial"): each frame is COBS-encoded, so it contains no 0x00, and is terminated by one 0x00.
 * Works on binary strings and byte arrays alike (through {@link byteAt}); no typed arrays needed.
 *
 * Memory: {@link CobsFrameReader} starts with a small frame buffer (a plain array on engines without
 * typed arrays), doubles it while a frame needs more (up to `maxFrame`), and decodes in place: frames
 * that fit the first buffer allocate nothing.
 */
import { ByteArray, ByteChunk, allocBytes, byteAt } from '../bytes.js';

/** Default largest encoded frame, in bytes (8 KiB, CONTRACT §6). */
export const COBS_MAX_FRAME = 8192;
/** Bytes the frame buffer starts with; it doubles on demand up to `maxFrame` (a small board
 *  cannot keep 8 KB for the rare large frame). */
export const COBS_FIRST_BUFFER = 128;

/**
 * Encodes bytes `[start, end)` of `data` and appends the 0x00 terminator.
 *
 * @example
 * cobsEncode([0x11, 0x00, 0x22]); // [0x02, 0x11, 0x02, 0x22, 0x00]
 */
export function cobsEncode(data: ByteChunk, start?: number, end?: number): number[] {
  const from = start || 0;
  const to = end === undefined ? data.length : end;
  const out: number[] = [0];
  let codeAt = 0;
  let code = 1;
  for (let i = from; i < to; i++) {
    const b = byteAt(data, i);
    if (b === 0) {
      out[codeAt] = code;
      codeAt = out.length;
      out.push(0);
      code = 1;
    } else {
      out.push(b);
      code++;
      if (code === 0xff) {
        out[codeAt] = code;
        // The next block opens only if more data follows: data ending on a full 254-byte block
        // gets no empty block before the delimiter (as the Rust `cobs` crate encodes it).
        if (i + 1 === to) {
          out.push(0);
          return out;
        }
        codeAt = out.length;
        out.push(0);
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  out.push(0);
  return out;
}

/**
 * COBS-encodes a binary string (one char per byte, 0–255) into a binary string, with the 0x00
 * terminator. Strings cost far less than number arrays on Espruino (several bytes per JsVar).
 *
 * @example
 * cobsEncodeBinary('\x11\x00\x22'); // '\x02\x11\x02\x22\x00'
 */
export function cobsEncodeBinary(bin: string): string {
  const segs = bin.split('\x00');
  let out = '';
  const last = segs.length - 1;
  for (let i = 0; i <= last; i++) {
    let seg = segs[i];
    // A run of 254 non-zero bytes fills a block (code 0xFF) and the run continues in the next one.
    let full = false;
    while (seg.length >= 254) {
      out += '\xff' + seg.substring(0, 254);
      seg = seg.substring(254);
      full = true;
    }
    // Data that ends on a full block gets no empty block (the `cobs` crate's encoding); before a
    // zero the empty block is needed: it stands for that zero.
    if (!(full && i === last && seg.length === 0)) out += String.fromCharCode(seg.length + 1) + seg;
  }
  return out + '\x00';
}

/** UTF-8 of a JS string as a binary string (one char per byte). */
export function utf8Binary(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out += s.charAt(i);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x800) out += String.fromCharCode(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out += String.fromCharCode(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out += String.fromCharCode(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/** One text message as a COBS frame (UTF-8, encoded, terminated), as a binary string. */
export function cobsEncodeText(text: string): string {
  return cobsEncodeBinary(utf8Binary(text));
}

/**
 * Decodes one COBS frame (bytes `[start, end)`, without its 0x00 terminator).
 * Returns the decoded bytes, or `null` when the frame is corrupted (a zero byte inside it, or a
 * block length that runs past its end).
 *
 * @example
 * cobsDecode([0x02, 0x11, 0x02, 0x22]); // [0x11, 0x00, 0x22]
 */
export function cobsDecode(encoded: ByteChunk, start?: number, end?: number): number[] | null {
  const out: number[] = [];
  const n = cobsDecodeInto(encoded, start || 0, end === undefined ? encoded.length : end, out);
  return n < 0 ? null : out;
}

/**
 * Decodes `[start, end)` of `src` into `dst` from index 0 (which may be `src` itself: output never
 * overtakes input). Returns the decoded length, or -1 when corrupted.
 */
export function cobsDecodeInto(src: ByteChunk, start: number, end: number, dst: ByteArray | number[]): number {
  let i = start;
  let o = 0;
  while (i < end) {
    const code = byteAt(src, i++);
    if (code === 0) return -1;
    for (let k = 1; k < code; k++) {
      if (i >= end) return -1;
      const b = byteAt(src, i++);
      if (b === 0) return -1;
      dst[o++] = b;
    }
    if (code < 0xff && i < end) dst[o++] = 0;
  }
  return o;
}

/** Options of {@link CobsFrameReader}. */
export interface CobsReaderOptions {
  /** Called with each decoded frame: bytes `[0, length)` of `bytes`, valid only during the call. */
  onFrame(bytes: ByteArray, length: number): void;
  /** Called when a frame is dropped: `'corrupt'` (bad encoding) or `'overflow'` (no delimiter
   *  within `maxFrame` bytes). Optional. */
  onDrop?(reason: 'corrupt' | 'overflow'): void;
  /** Largest encoded frame accepted, in bytes. Default {@link COBS_MAX_FRAME} (8192). */
  maxFrame?: number;
}

/**
 * Splits a byte stream into COBS frames. A run of more than `maxFrame` bytes without a delimiter is
 * discarded and counted; the reader then skips to the next 0x00 and resynchronises. A corrupted
 * frame is rejected and counted. Empty frames (consecutive delimiters) are ignored.
 *
 * @example
 * const r = new CobsFrameReader({ onFrame: (b, n) => console.log(utf8Decode(b, 0, n)) });
 * uart.on('data', (chunk) => r.push(chunk));
 */
export class CobsFrameReader {
  /** Frames delivered. */
  frames: number;
  /** Frames rejected as corrupted. */
  corrupted: number;
  /** Undelimited runs longer than `maxFrame` that were discarded. */
  overflows: number;
  /** Bytes thrown away (corrupted frames, overflowing runs). */
  discardedBytes: number;
  _buf: ByteArray;
  _len: number;
  _max: number;
  _skipping: boolean;
  _onFrame: (bytes: ByteArray, length: number) => void;
  _onDrop: ((reason: 'corrupt' | 'overflow') => void) | undefined;

  constructor(options: CobsReaderOptions) {
    this._max = options.maxFrame || COBS_MAX_FRAME;
    this._buf = allocBytes(this._max < COBS_FIRST_BUFFER ? this._max : COBS_FIRST_BUFFER);
    this._len = 0;
    this._skipping = false;
    this._onFrame = options.onFrame;
    this._onDrop = options.onDrop;
    this.frames = 0;
    this.corrupted = 0;
    this.overflows = 0;
    this.discardedBytes = 0;
  }

  /** Feeds bytes as they arrive (any chunking). */
  push(chunk: ByteChunk): void {
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = byteAt(chunk, i);
      if (b === 0) {
        if (this._skipping) this._skipping = false;
        else if (this._len > 0) this._finish();
        continue;
      }
      if (this._skipping) {
        this.discardedBytes++;
        continue;
      }
      if (this._len >= this._max) {
        // CONTRACT §6: an undelimited run over the limit is discarded; resync at the next 0x00.
        this.overflows++;
        this.discardedBytes += this._len + 1;
        this._len = 0;
        this._skipping = true;
        if (this._onDrop) this._onDrop('overflow');
        continue;
      }
      if (this._len === this._buf.length) this._grow();
      this._buf[this._len++] = b;
    }
  }

  // Doubles the frame buffer, up to `maxFrame` bytes.
  _grow(): void {
    let n = this._buf.length * 2;
    if (n > this._max) n = this._max;
    const next = allocBytes(n);
    for (let i = 0; i < this._len; i++) next[i] = this._buf[i];
    this._buf = next;
  }

  /** Forgets a partial frame (e.g. after the port reopened). */
  reset(): void {
    this._len = 0;
    this._skipping = false;
  }

  _finish(): void {
    const len = this._len;
    this._len = 0;
    const n = cobsDecodeInto(this._buf, 0, len, this._buf);
    if (n < 0) {
      this.corrupted++;
      this.discardedBytes += len;
      if (this._onDrop) this._onDrop('corrupt');
      return;
    }
    this.frames++;
    const buf = this._buf;
    // A large frame grew the buffer: give the memory back once it has been handled.
    if (buf.length > COBS_FIRST_BUFFER) this._buf = allocBytes(COBS_FIRST_BUFFER);
    this._onFrame(buf, n);
  }
}
