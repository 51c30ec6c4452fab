/**
 * Fuzzing the MCU MQTT client's packet decoder (core/mqtt/decoder.ts): arbitrary byte streams and
 * valid packets with random corruption, under any chunking. It never throws, never hangs, reports at
 * most one error (then halts until reset), and decodes valid packets exactly.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { MqttDecoder, encodePublish, encodeAck, PUBACK, PUBREC, PUBCOMP } from '../../core/mqtt/index.js';
import { bounded, chunked, noisyBytes, runs } from './runs.js';

function feed(chunks: Uint8Array[], max = 4096) {
  const packets: Array<{ type: number; topic: string; len: number }> = [];
  const errors: number[] = [];
  const d = new MqttDecoder(max, (p) => packets.push({ type: p.type, topic: p.topic, len: p.payload ? p.payload.length : -1 }), (c) => errors.push(c));
  bounded(200, () => {
    for (const c of chunks) d.push(c);
  });
  return { packets, errors, d };
}

const publish = fc
  .tuple(fc.string({ minLength: 1, maxLength: 30 }), fc.uint8Array({ maxLength: 300 }), fc.constantFrom(0, 1, 2), fc.boolean(), fc.integer({ min: 1, max: 65535 }))
  .map(([t, p, q, r, id]) => ({ topic: t, payload: p, bytes: Uint8Array.from(encodePublish(t, p, q, r, false, id) as ArrayLike<number>) }));
const ack = fc.tuple(fc.constantFrom(PUBACK, PUBREC, PUBCOMP), fc.integer({ min: 1, max: 65535 })).map(([t, id]) => ({ topic: '', payload: null, bytes: Uint8Array.from(encodeAck(t, id) as ArrayLike<number>) }));

describe('fuzz: MQTT decoder', () => {
  it('never throws on arbitrary bytes; at most one error, then halted', () => {
    fc.assert(
      fc.property(chunked(noisyBytes(2000)), fc.integer({ min: 8, max: 4096 }), ({ chunks }, max) => {
        const { errors, d } = feed(chunks, max);
        expect(errors.length).to.be.at.most(1);
        if (errors.length) expect(d.failed).to.equal(true);
      }),
      runs(3000),
    );
  });

  it('decodes any sequence of valid packets exactly, under any chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(publish, ack), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }), (pkts, cuts) => {
        const all = Uint8Array.from(pkts.flatMap((p) => [...p.bytes]));
        const chunks: Uint8Array[] = [];
        for (let i = 0, k = 0; i < all.length; k++) {
          chunks.push(all.subarray(i, i + cuts[k % cuts.length]));
          i += cuts[k % cuts.length];
        }
        const { packets, errors } = feed(chunks);
        expect(errors).to.deep.equal([]);
        expect(packets.length).to.equal(pkts.length);
        pkts.forEach((p, i) => {
          if (p.payload) {
            expect(packets[i].topic).to.equal(p.topic);
            expect(packets[i].len).to.equal(p.payload.length);
          }
        });
      }),
      runs(1500),
    );
  });

  it('never throws on valid packets with random bytes flipped, and recovers after reset', () => {
    fc.assert(
      fc.property(fc.array(publish, { minLength: 1, maxLength: 8 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }), (pkts, flips) => {
        const all = Uint8Array.from(pkts.flatMap((p) => [...p.bytes]));
        for (const [at, x] of flips) all[at % all.length] ^= x;
        const { errors, d } = feed([all]);
        expect(errors.length).to.be.at.most(1);
        d.reset();
        let ok = 0;
        d._onPacket = () => void ok++;
        d.push(pkts[0].bytes);
        expect(ok).to.equal(1);
      }),
      runs(2000),
    );
  });
});
