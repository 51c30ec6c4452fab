/**
 * Converts a chunk to the binary string Espruino's `write` takes fastest (one char per byte).
 * Strings pass through untouched.
 */
import type { ByteChunk } from '../../core/index.js';

/** A chunk as a binary string. */
export function toBinaryString(chunk: ByteChunk): string {
  if (typeof chunk === 'string') return chunk;
  let s = '';
  for (let i = 0; i < chunk.length; i++) s += String.fromCharCode(chunk[i] & 0xff);
  return s;
}
