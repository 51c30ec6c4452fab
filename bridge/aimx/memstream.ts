/**
 * An in-memory pair of byte streams standing in for a UART cable (tests, simulations): bytes written
 * on one end arrive, asynchronously and in order, at the other end's `onData`. Not a serial port:
 * no baud rate, no line noise unless a test injects it with {@link StreamEnd.inject}.
 */
import type { ByteChunk, ByteStream, ByteStreamHandlers } from '../../core/index.js';

/** One end of the pair, opened like a port: `open(handlers)` returns the writable stream. */
export interface StreamEnd {
  open(handlers: ByteStreamHandlers): ByteStream;
  /** Delivers raw bytes to this end's reader as if they came down the line (noise, garbage). */
  inject(bytes: ByteChunk): void;
  /** Bytes written by this end so far. */
  readonly written: number;
}

function copy(chunk: ByteChunk): Uint8Array {
  if (typeof chunk === 'string') return Uint8Array.from(Buffer.from(chunk, 'latin1'));
  return Uint8Array.from(chunk as ArrayLike<number>);
}

/** Makes a connected pair of ends. Closing either end closes both. */
export function memoryStreamPair(): { a: StreamEnd; b: StreamEnd } {
  const handlers: Array<ByteStreamHandlers | null> = [null, null];
  const written = [0, 0];
  let closed = false;
  function deliver(to: number, bytes: Uint8Array) {
    setImmediate(() => {
      const h = handlers[to];
      if (h && !closed) h.onData(bytes);
    });
  }
  function closeBoth() {
    if (closed) return;
    closed = true;
    setImmediate(() => {
      for (const h of handlers) h?.onClose?.();
    });
  }
  function end(i: number): StreamEnd {
    return {
      open(h: ByteStreamHandlers): ByteStream {
        handlers[i] = h;
        setImmediate(() => h.onConnect?.());
        return {
          write(chunk: ByteChunk) {
            if (closed) return;
            const bytes = copy(chunk);
            written[i] += bytes.length;
            deliver(1 - i, bytes);
          },
          close: closeBoth,
        };
      },
      inject(bytes: ByteChunk) {
        deliver(i, copy(bytes));
      },
      get written() {
        return written[i];
      },
    };
  }
  return { a: end(0), b: end(1) };
}
