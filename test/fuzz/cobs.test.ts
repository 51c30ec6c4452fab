/** Fuzzing the COBS codec and frame reader (core/codec/cobs.ts): arbitrary bytes, any chunking. */
import { expect } from 'chai';
import fc from 'fast-check';
import { cobsDecode, cobsEncode, CobsFrameReader } from '../../core/codec/cobs.js';
import { bounded, chunked, noisyBytes, runs } from './runs.js';

describe('fuzz: COBS', () => {
  describe('cobsDecode', () => {
    it('never throws on arbitrary bytes: a byte array or null', () => {
      fc.assert(
        fc.property(noisyBytes(), (b) => {
          const r = bounded(100, () => cobsDecode(b));
          expect(r === null || Array.isArray(r)).to.equal(true);
        }),
        runs(3000),
      );
    });

    it('inverts cobsEncode for every byte string', () => {
      fc.assert(
        fc.property(noisyBytes(1000), (b) => {
          const enc = cobsEncode(b);
          expect(enc[enc.length - 1]).to.equal(0);
          expect(enc.slice(0, -1).includes(0)).to.equal(false);
          expect(cobsDecode(enc, 0, enc.length - 1)).to.deep.equal([...b]);
        }),
        runs(2000),
      );
    });
  });

  describe('CobsFrameReader', () => {
    it('counts every delimited run exactly once (frame, corrupt or overflow) under any chunking, never throws', () => {
      fc.assert(
        fc.property(chunked(noisyBytes(3000)), fc.integer({ min: 16, max: 512 }), ({ data, chunks }, maxFrame) => {
          let frames = 0;
          let drops = 0;
          const r = new CobsFrameReader({ maxFrame, onFrame: () => frames++, onDrop: () => drops++ });
          bounded(200, () => {
            for (const c of chunks) r.push(c);
          });
          // Oracle: split by 0x00; each non-empty run of ≤ maxFrame bytes is a frame or corrupt;
          // a longer one is one overflow, and the bytes after it up to the next 0x00 are skipped.
          let expFrames = 0;
          let expCorrupt = 0;
          let expOverflow = 0;
          let start = 0;
          for (let i = 0; i <= data.length; i++) {
            if (i < data.length && data[i] !== 0) continue;
            const len = i - start;
            if (i < data.length && len > 0) {
              if (len > maxFrame) expOverflow++;
              else if (cobsDecode(data, start, i) === null) expCorrupt++;
              else expFrames++;
            } else if (i === data.length && len > maxFrame) expOverflow++;
            start = i + 1;
          }
          expect(r.frames).to.equal(expFrames);
          expect(r.corrupted).to.equal(expCorrupt);
          expect(r.overflows).to.equal(expOverflow);
          expect(frames).to.equal(r.frames);
          expect(drops).to.equal(r.corrupted + r.overflows);
        }),
        runs(1500),
      );
    });

    it('delivers every encoded frame intact when frames are separated by garbage', () => {
      fc.assert(
        fc.property(fc.array(noisyBytes(200), { maxLength: 10 }), fc.array(noisyBytes(40), { maxLength: 10 }), (frames, junk) => {
          const got: number[][] = [];
          const r = new CobsFrameReader({ onFrame: (b, n) => got.push(Array.from(b as ArrayLike<number>).slice(0, n)) });
          const stream: number[] = [];
          frames.forEach((f, i) => {
            stream.push(...(junk[i] ?? []), 0, ...cobsEncode(f));
          });
          r.push(Uint8Array.from(stream));
          // Every real frame is there, in order (junk may add frames of its own in between).
          let k = 0;
          for (const g of got) if (k < frames.length && g.length === frames[k].length && g.every((x, i) => x === frames[k][i])) k++;
          expect(k).to.equal(frames.length);
        }),
        runs(1500),
      );
    });
  });
});
