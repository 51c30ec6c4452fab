/**
 * Node-side frame splitters for the AimX socket transports (CONTRACT §6):
 * - TCP: u32 big-endian length prefix, then that many bytes of UTF-8 JSON; at most 64 KiB.
 * - Unix socket: one JSON frame per line (`\n`; a trailing `\r` is dropped, empty lines skipped).
 * An oversize frame is skipped without being buffered, reported once, and the stream stays in sync.
 */

/** Default largest frame, in bytes (64 KiB). */
export const MAX_FRAME_BYTES = 65536;

/** What a splitter reports. */
export interface FrameSink {
  onFrame(text: string): void;
  onOversize(): void;
}

/** Encodes one frame with its u32 BE length prefix. */
export function lengthPrefixed(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

/** Splits a byte stream of u32-BE-length-prefixed frames. */
export class LengthPrefixDecoder {
  private buf: Buffer = Buffer.alloc(0);
  /** Bytes of an oversize frame still to skip. */
  private skip = 0;
  constructor(
    private readonly sink: FrameSink,
    private readonly maxFrame = MAX_FRAME_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let data = this.buf.length > 0 ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length);
        this.skip -= n;
        data = data.subarray(n);
        if (this.skip > 0) break;
      }
      if (data.length < 4) break;
      const len = data.readUInt32BE(0);
      if (len > this.maxFrame) {
        // Skip the body as it streams past instead of buffering it; the prefix keeps us in sync.
        this.skip = len;
        data = data.subarray(4);
        this.sink.onOversize();
        continue;
      }
      if (data.length < 4 + len) break;
      const text = data.toString('utf8', 4, 4 + len);
      data = data.subarray(4 + len);
      this.sink.onFrame(text);
    }
    this.buf = data.length > 0 ? Buffer.from(data) : Buffer.alloc(0);
  }
}

/** Splits a byte stream of newline-terminated frames. */
export class LineDecoder {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;
  constructor(
    private readonly sink: FrameSink,
    private readonly maxFrame = MAX_FRAME_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.discarding) {
        const piece = chunk.subarray(start, end);
        if (this.size + piece.length > this.maxFrame) {
          this.discarding = true;
          this.parts = [];
          this.size = 0;
          this.sink.onOversize();
        } else if (piece.length > 0) {
          this.parts.push(Buffer.from(piece));
          this.size += piece.length;
        }
      }
      if (nl < 0) break;
      if (this.discarding) this.discarding = false;
      else this.flush();
      start = nl + 1;
    }
  }

  private flush(): void {
    let line = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
    if (line.length === 0) return;
    this.sink.onFrame(line.toString('utf8'));
  }
}
