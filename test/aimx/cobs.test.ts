import { expect } from 'chai';
import fc from 'fast-check';
import { CobsFrameReader, cobsDecode, cobsEncode, cobsEncodeBinary, cobsEncodeText } from '../../core/codec/cobs.js';
import { utf8Decode, utf8Encode } from '../../core/index.js';

function collect(maxFrame?: number) {
  const frames: number[][] = [];
  const drops: string[] = [];
  const r = new CobsFrameReader({
    maxFrame,
    onFrame: (b, n) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(b[i]);
      frames.push(out);
    },
    onDrop: (why) => drops.push(why),
  });
  return { r, frames, drops };
}

describe('codec/cobs', () => {
  describe('cobsEncode', () => {
    // Vectors from the COBS paper / Wikipedia, plus the trailing delimiter.
    const vectors: Array<[number[], number[]]> = [
      [[], [0x01, 0x00]],
      [[0x00], [0x01, 0x01, 0x00]],
      [[0x00, 0x00], [0x01, 0x01, 0x01, 0x00]],
      [[0x11, 0x22, 0x00, 0x33], [0x03, 0x11, 0x22, 0x02, 0x33, 0x00]],
      [[0x11, 0x22, 0x33, 0x44], [0x05, 0x11, 0x22, 0x33, 0x44, 0x00]],
      [[0x11, 0x00, 0x00, 0x00], [0x02, 0x11, 0x01, 0x01, 0x01, 0x00]],
    ];
    vectors.forEach(([raw, enc]) => {
      it('encodes ' + JSON.stringify(raw), () => {
        expect(cobsEncode(raw)).to.deep.equal(enc);
        expect(cobsDecode(enc, 0, enc.length - 1)).to.deep.equal(raw);
      });
    });
    it('ends a frame of exactly 254 non-zero bytes with FF + 254 bytes (no empty block)', () => {
      const raw: number[] = [];
      for (let i = 1; i <= 254; i++) raw.push(i);
      const enc = cobsEncode(raw);
      expect(enc.length).to.equal(256); // code 0xFF + 254 bytes + delimiter
      expect(enc[0]).to.equal(0xff);
      expect(enc[255]).to.equal(0x00);
      expect(cobsDecode(enc, 0, enc.length - 1)).to.deep.equal(raw);
    });
    it('reads binary strings and byte arrays alike', () => {
      expect(cobsEncode('\x11\x00\x22')).to.deep.equal(cobsEncode([0x11, 0, 0x22]));
      expect(cobsEncode(new Uint8Array([0x11, 0, 0x22]))).to.deep.equal([0x02, 0x11, 0x02, 0x22, 0x00]);
      expect(cobsDecode('\x02\x11\x02\x22')).to.deep.equal([0x11, 0, 0x22]);
    });
  });

  describe('cobsEncodeText / cobsEncodeBinary', () => {
    const bin = (a: number[]) => String.fromCharCode(...a);
    it('matches cobsEncode byte for byte (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 800 }), (raw) => {
          expect(cobsEncodeBinary(bin(raw))).to.equal(bin(cobsEncode(raw)));
        }),
      );
    });
    it('encodes text as UTF-8 first (property, any unicode)', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
          expect(cobsEncodeText(s)).to.equal(bin(cobsEncode(utf8Encode(s))));
        }),
      );
    });
    it('handles runs of exactly 254 and 255 bytes', () => {
      for (const n of [253, 254, 255, 508, 509]) {
        const raw = new Array(n).fill(0x41);
        expect(cobsEncodeBinary(bin(raw)), String(n)).to.equal(bin(cobsEncode(raw)));
        expect(cobsEncodeBinary(bin([...raw, 0])), n + '+0').to.equal(bin(cobsEncode([...raw, 0])));
      }
    });
  });

  describe('cobsDecode', () => {
    it('rejects a zero inside a frame', () => expect(cobsDecode([0x03, 0x11, 0x00])).to.equal(null));
    it('rejects a block that runs past the end', () => expect(cobsDecode([0x05, 0x11, 0x22])).to.equal(null));
    it('round-trips any bytes (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 1200 }), (raw) => {
          const enc = cobsEncode(raw);
          expect(enc.indexOf(0)).to.equal(enc.length - 1);
          expect(cobsDecode(enc, 0, enc.length - 1)).to.deep.equal(raw);
        }),
      );
    });
  });

  describe('CobsFrameReader', () => {
    it('delivers frames split across any chunking (property)', () => {
      fc.assert(
        fc.property(
          fc.array(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 300 }), { maxLength: 8 }),
          fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
          (frames, cuts) => {
            const wire: number[] = [];
            for (const f of frames) wire.push(...cobsEncode(f));
            const c = collect();
            let at = 0;
            let k = 0;
            while (at < wire.length) {
              const n = cuts[k++ % cuts.length];
              c.r.push(wire.slice(at, at + n));
              at += n;
            }
            expect(c.frames).to.deep.equal(frames);
            expect(c.r.corrupted).to.equal(0);
          },
        ),
      );
    });

    it('ignores empty frames (repeated delimiters)', () => {
      const c = collect();
      c.r.push([0, 0, 0x02, 0x41, 0, 0, 0]);
      expect(c.frames).to.deep.equal([[0x41]]);
    });

    it('rejects and counts a corrupted frame, then reads the next one', () => {
      const c = collect();
      // 0x05 announces 4 data bytes but the frame ends after 2.
      c.r.push([0x05, 0x41, 0x42, 0x00, ...cobsEncode([0x43])]);
      expect(c.frames).to.deep.equal([[0x43]]);
      expect(c.r.corrupted).to.equal(1);
      expect(c.drops).to.deep.equal(['corrupt']);
    });

    it('resynchronises after line noise', () => {
      const c = collect();
      const noise = [0x13, 0x37, 0xfe, 0x01, 0x99];
      c.r.push([...noise, 0x00, ...cobsEncode(utf8Encode('{"t":"ping"}'))]);
      expect(c.frames.map((f) => utf8Decode(f))).to.deep.equal(['{"t":"ping"}']);
      expect(c.r.frames).to.equal(1);
      expect(c.r.corrupted).to.equal(1);
    });

    it('discards an undelimited run over 8 KiB and resynchronises at the next 0x00', () => {
      const c = collect();
      const run: number[] = [];
      for (let i = 0; i < 9000; i++) run.push(0x41);
      c.r.push(run.slice(0, 4000));
      c.r.push(run.slice(4000));
      expect(c.r.overflows).to.equal(1);
      expect(c.drops).to.deep.equal(['overflow']);
      // The tail of the overlong run is skipped until its delimiter; the next frame is intact.
      c.r.push([0x00, ...cobsEncode([1, 2, 3])]);
      expect(c.frames).to.deep.equal([[1, 2, 3]]);
      expect(c.r.discardedBytes).to.equal(9000);
    });

    it('accepts a frame of exactly maxFrame encoded bytes', () => {
      const c = collect(16);
      const raw: number[] = [];
      for (let i = 0; i < 15; i++) raw.push(7);
      const enc = cobsEncode(raw); // 16 bytes + delimiter
      expect(enc.length).to.equal(17);
      c.r.push(enc);
      expect(c.frames).to.deep.equal([raw]);
      expect(c.r.overflows).to.equal(0);
    });

    it('reads binary strings (Espruino UART chunks)', () => {
      const c = collect();
      const enc = cobsEncode(utf8Encode('héllo'));
      c.r.push(String.fromCharCode(...enc));
      expect(utf8Decode(c.frames[0])).to.equal('héllo');
    });
  });

  // Golden vectors of the Rust `cobs` crate (jamesmunns/cobs.rs, tests/tests.rs), which AimDB's
  // serial transport uses: `test_pair(source, encoded)` with the trailing 0x00 implicit there,
  // explicit here. Copied as data.
  describe('cobs crate golden vectors', () => {
    const range = (a: number, b: number) => {
      const out: number[] = [];
      for (let i = a; i <= b; i++) out.push(i);
      return out;
    };
    const vectors: Array<[string, number[], number[]]> = [
      ['test_encode_empty', [], [1]],
      ['test_encode_1', [10, 11, 0, 12], [3, 10, 11, 2, 12]],
      ['test_encode_2', [0, 0, 1, 0], [1, 1, 2, 1, 1]],
      ['test_encode_3', [255, 0], [2, 255, 1]],
      ['test_encode_4', [1], [2, 1]],
      ['wikipedia_ex_6', range(1, 0xfe), [0xff, ...range(1, 0xfe)]],
      ['wikipedia_ex_7', range(0, 0xfe), [0x01, 0xff, ...range(1, 0xfe)]],
      ['wikipedia_ex_8', range(1, 0xff), [0xff, ...range(1, 0xfe), 0x02, 0xff]],
      ['wikipedia_ex_9', [...range(2, 0xff), 0x00], [0xff, ...range(2, 0xff), 0x01, 0x01]],
      ['wikipedia_ex_10', [...range(3, 0xff), 0x00, 0x01], [0xfe, ...range(3, 0xff), 0x02, 0x01]],
      ['issue_19_test_254_block_all_ones', new Array(254).fill(1), [0xff, ...new Array(254).fill(1)]],
    ];
    const bin = (a: number[]) => String.fromCharCode(...a);
    vectors.forEach(([name, raw, enc]) => {
      it(name + ': encodes byte-identical and decodes back', () => {
        expect(cobsEncode(raw)).to.deep.equal([...enc, 0]);
        expect(cobsEncodeBinary(bin(raw))).to.equal(bin([...enc, 0]));
        expect(cobsDecode(enc)).to.deep.equal(raw);
      });
    });
    it('issue_19: decodes FF + 254 ones followed by the delimiter', () => {
      const frames = collect();
      frames.r.push([0xff, ...new Array(254).fill(1), 0]);
      expect(frames.frames).to.deep.equal([new Array(254).fill(1)]);
    });
    it('encoded length matches max_encoding_length for runs without zeros (253, 254, 255, 508, 509)', () => {
      // test_max_encoding_length: 253 -> 254, 254 -> 255, 255 -> 257, 508 -> 510, 509 -> 512.
      const want: Array<[number, number]> = [[253, 254], [254, 255], [255, 257], [508, 510], [509, 512]];
      for (const [n, len] of want) expect(cobsEncode(new Array(n).fill(0x41)).length - 1, String(n)).to.equal(len);
    });
  });
});
