import { expect } from 'chai';
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import {
  encodeAck, encodeConnect, encodeDisconnect, encodePingreq, encodePublish, encodeSubscribe, encodeUnsubscribe,
  publishIdOffset, setDup, setPacketId,
} from '../../core/mqtt/encode.js';
import { MqttDecoder } from '../../core/mqtt/decoder.js';
import {
  ERR_BAD_BODY, ERR_BAD_FLAGS, ERR_BAD_LENGTH, ERR_OVERSIZE, ERR_UNKNOWN_TYPE, MqttPacket, PUBACK, PUBCOMP, PUBLISH, PUBREL, SUBACK,
} from '../../core/mqtt/packet.js';

const bytes = (a: ArrayLike<number>) => Array.prototype.slice.call(a) as number[];
const ascii = (s: string) => s.split('').map((c) => c.charCodeAt(0));

/** Decodes chunks; returns copies of the packets and the errors. */
function decodeAll(chunks: Array<ArrayLike<number> | string>, max = 4096) {
  const packets: Array<Partial<MqttPacket> & { payloadBytes?: number[] }> = [];
  const errors: number[] = [];
  const d = new MqttDecoder(max, (p) => packets.push({ ...p, payloadBytes: p.payload ? bytes(p.payload) : undefined, granted: p.granted ? p.granted.slice() : null }), (e) => errors.push(e));
  for (const c of chunks) d.push(c);
  return { packets, errors, decoder: d };
}

describe('core/mqtt codec', () => {
  describe('encodeConnect', () => {
    it('encodes client id, keepalive and clean session (golden bytes)', () => {
      expect(bytes(encodeConnect({ clientId: 'c1', keepalive: 60, clean: true }))).to.deep.equal([
        0x10, 14, 0, 4, ...ascii('MQTT'), 4, 0x02, 0, 60, 0, 2, ...ascii('c1'),
      ]);
    });
    it('encodes will, user name and password flags and fields in order', () => {
      const p = encodeConnect({ clientId: 'x', keepalive: 10, clean: false, username: 'u', password: 'pw', will: { topic: 'w', payload: 'off', qos: 1, retain: true } });
      expect(bytes(p)).to.deep.equal([
        0x10, 28, 0, 4, ...ascii('MQTT'), 4, 0x80 | 0x40 | 0x20 | 0x08 | 0x04, 0, 10,
        0, 1, ...ascii('x'), 0, 1, ...ascii('w'), 0, 3, ...ascii('off'), 0, 1, ...ascii('u'), 0, 2, ...ascii('pw'),
      ]);
    });
    it('is parsed by mqtt-packet with the same fields', () => {
      const parsed = parseWithMqttPacket(encodeConnect({ clientId: 'dev-é', keepalive: 30, clean: true, username: 'user', password: 'secret', will: { topic: 'aimdb/n/status', payload: 'offline', qos: 1, retain: true } }));
      expect(parsed).to.have.length(1);
      const c = parsed[0] as any;
      expect([c.cmd, c.clientId, c.keepalive, c.clean, c.username, c.password.toString(), c.will.topic, c.will.payload.toString(), c.will.qos, c.will.retain])
        .to.deep.equal(['connect', 'dev-é', 30, true, 'user', 'secret', 'aimdb/n/status', 'offline', 1, true]);
    });
  });

  describe('encodePublish', () => {
    it('encodes QoS 1 retained with a packet id (golden bytes)', () => {
      expect(bytes(encodePublish('a/b', 'hi', 1, true, false, 10))).to.deep.equal([0x33, 9, 0, 3, ...ascii('a/b'), 0, 10, ...ascii('hi')]);
    });
    it('encodes QoS 0 without a packet id', () => {
      expect(bytes(encodePublish('t', [1, 2], 0, false, false, 99))).to.deep.equal([0x30, 5, 0, 1, 0x74, 1, 2]);
    });
    it('uses a two-byte remaining length from 128 bytes and three bytes from 16384', () => {
      const p203 = encodePublish('t', new Uint8Array(200), 0, false, false, 0);
      expect(bytes(p203).slice(0, 3)).to.deep.equal([0x30, 0xcb, 0x01]);
      expect(p203.length).to.equal(206);
      const p16384 = encodePublish('t', new Uint8Array(16381), 0, false, false, 0);
      expect(bytes(p16384).slice(0, 4)).to.deep.equal([0x30, 0x80, 0x80, 0x01]);
    });
    it('rewrites the packet id and sets DUP in place', () => {
      const p = encodePublish('ab', 'x', 1, false, false, 0);
      expect(publishIdOffset(p)).to.equal(6);
      setPacketId(p, 0x1234);
      setDup(p);
      expect(bytes(p)).to.deep.equal([0x3a, 7, 0, 2, ...ascii('ab'), 0x12, 0x34, ...ascii('x')]);
    });
    it('sends a string payload as UTF-8 (core/api.ts Payload rule)', () => {
      expect(bytes(encodePublish('t', 'é', 0, false, false, 0)).slice(5)).to.deep.equal([0xc3, 0xa9]);
    });
  });

  describe('acks and control packets', () => {
    it('encodes PUBACK, PUBREL (flags 0010), PUBCOMP, PINGREQ, DISCONNECT', () => {
      expect(bytes(encodeAck(PUBACK, 5))).to.deep.equal([0x40, 2, 0, 5]);
      expect(bytes(encodeAck(PUBREL, 0x0102))).to.deep.equal([0x62, 2, 1, 2]);
      expect(bytes(encodeAck(PUBCOMP, 7))).to.deep.equal([0x70, 2, 0, 7]);
      expect(bytes(encodePingreq())).to.deep.equal([0xc0, 0]);
      expect(bytes(encodeDisconnect())).to.deep.equal([0xe0, 0]);
    });
    it('encodes SUBSCRIBE and UNSUBSCRIBE with flags 0010', () => {
      expect(bytes(encodeSubscribe(1, ['a/#'], [1]))).to.deep.equal([0x82, 8, 0, 1, 0, 3, ...ascii('a/#'), 1]);
      expect(bytes(encodeUnsubscribe(2, ['a/+']))).to.deep.equal([0xa2, 7, 0, 2, 0, 3, ...ascii('a/+')]);
      const s = parseWithMqttPacket(encodeSubscribe(9, ['x/+', 'y/#'], [0, 2]))[0] as any;
      expect(s.subscriptions.map((x: any) => [x.topic, x.qos])).to.deep.equal([['x/+', 0], ['y/#', 2]]);
    });
  });

  describe('MqttDecoder', () => {
    it('reassembles a packet fed one byte at a time', () => {
      const p = bytes(encodePublish('a/b', 'hello', 1, false, false, 3));
      const { packets, errors } = decodeAll(p.map((b) => [b]));
      expect(errors).to.deep.equal([]);
      expect(packets.map((x) => [x.type, x.topic, x.id, x.qos, x.payloadBytes])).to.deep.equal([[PUBLISH, 'a/b', 3, 1, ascii('hello')]]);
    });
    it('decodes several packets in one chunk, and binary-string chunks (Espruino)', () => {
      const one = [...bytes(encodeAck(PUBACK, 1)), 0x90, 3, 0, 2, 0x80, 0xd0, 0];
      const str = String.fromCharCode(...bytes(encodePublish('t', [0xff, 0], 0, true, false, 0)));
      const { packets, errors } = decodeAll([one, str]);
      expect(errors).to.deep.equal([]);
      expect(packets.map((x) => x.type)).to.deep.equal([PUBACK, SUBACK, 13, PUBLISH]);
      expect(packets[1].granted).to.deep.equal([0x80]);
      expect(packets[3].payloadBytes).to.deep.equal([0xff, 0]);
      expect(packets[3].retain).to.equal(true);
    });
    it('decodes CONNACK with session present and return code', () => {
      const { packets } = decodeAll([[0x20, 2, 1, 5]]);
      expect([packets[0].sessionPresent, packets[0].code]).to.deep.equal([true, 5]);
    });
    const malformed: Array<[string, number[], number, number?]> = [
      ['a fifth remaining-length byte', [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], ERR_BAD_LENGTH],
      ['a packet over maxPacket', [0x30, 11, 0, 1, 0x74, 1, 2, 3, 4, 5, 6, 7, 8], ERR_OVERSIZE, 10],
      ['reserved type 0', [0x00, 0], ERR_UNKNOWN_TYPE],
      ['reserved type 15', [0xf0, 0], ERR_UNKNOWN_TYPE],
      ['a CONNECT (client-to-server only)', [0x10, 0], ERR_UNKNOWN_TYPE],
      ['PUBACK with flags', [0x41, 2, 0, 1], ERR_BAD_FLAGS],
      ['PUBREL without flag 0010', [0x60, 2, 0, 1], ERR_BAD_FLAGS],
      ['PUBLISH QoS 3', [0x36, 5, 0, 1, 0x74, 0, 1], ERR_BAD_FLAGS],
      ['CONNACK of 3 bytes', [0x20, 3, 0, 0, 0], ERR_BAD_BODY],
      ['PUBLISH whose topic overruns it', [0x30, 3, 0, 9, 0x74], ERR_BAD_BODY],
      ['PUBLISH with an empty topic', [0x30, 3, 0, 0, 1], ERR_BAD_BODY],
      ['PUBLISH QoS 1 with packet id 0', [0x32, 5, 0, 1, 0x74, 0, 0], ERR_BAD_BODY],
      ['PINGRESP with a body', [0xd0, 1, 0], ERR_BAD_BODY],
      ['SUBACK without return codes', [0x90, 2, 0, 1], ERR_BAD_BODY],
    ];
    for (const [what, input, code, max] of malformed) {
      it('reports ' + code + ' once and stops on ' + what + ' (never throws)', () => {
        const { packets, errors, decoder } = decodeAll([input, [0x40, 2, 0, 1]], max);
        expect(errors).to.deep.equal([code]);
        expect(packets).to.deep.equal([]);
        expect(decoder.failed).to.equal(true);
        decoder.reset();
        decoder.push([0x40, 2, 0, 1]);
        expect(decoder.failed).to.equal(false);
      });
    }
    it('never throws on random bytes', () => {
      fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 300 }), (input) => {
        const { packets, errors } = decodeAll([input], 256);
        expect(errors.length).to.be.at.most(1);
        expect(packets.length + errors.length).to.be.at.most(input.length);
      }));
    });
  });

  describe('round trips (property)', () => {
    const topicArb = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[+#\u0000]/.test(s) && !/[\ud800-\udfff]/.test(s));
    const publishArb = fc.record({
      topic: topicArb,
      payload: fc.uint8Array({ maxLength: 400 }),
      qos: fc.constantFrom(0, 1, 2),
      retain: fc.boolean(),
      dup: fc.boolean(),
      id: fc.integer({ min: 1, max: 65535 }),
    });
    it('our PUBLISH parses in mqtt-packet with the same fields', () => {
      fc.assert(fc.property(publishArb, (m) => {
        const [p] = parseWithMqttPacket(encodePublish(m.topic, m.payload, m.qos, m.retain, m.dup, m.id)) as any[];
        expect([p.topic, bytes(p.payload), p.qos, p.retain, p.dup, m.qos > 0 ? p.messageId : m.id])
          .to.deep.equal([m.topic, bytes(m.payload), m.qos, m.retain, m.dup, m.id]);
      }), { numRuns: 200 });
    });
    it("mqtt-packet's PUBLISH decodes with ours, split at random points", () => {
      fc.assert(fc.property(publishArb, fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 5 }), (m, cuts) => {
        const buf = mqttPacket.generate({ cmd: 'publish', topic: m.topic, payload: Buffer.from(m.payload), qos: m.qos as 0 | 1 | 2, retain: m.retain, dup: m.dup, messageId: m.id });
        const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let at = 0;
        for (const c of points) {
          chunks.push(buf.subarray(at, c));
          at = c;
        }
        chunks.push(buf.subarray(at));
        const { packets, errors } = decodeAll(chunks, 1024);
        expect(errors).to.deep.equal([]);
        expect(packets.map((p) => [p.topic, p.payloadBytes, p.qos, p.retain, p.dup, p.qos! > 0 ? p.id : m.id]))
          .to.deep.equal([[m.topic, bytes(m.payload), m.qos, m.retain, m.dup, m.id]]);
      }), { numRuns: 200 });
    });
  });
});

function parseWithMqttPacket(buf: ArrayLike<number>): unknown[] {
  const out: unknown[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (p) => out.push(p));
  parser.on('error', (e) => out.push({ error: e.message }));
  parser.parse(Buffer.from(bytes(buf)));
  return out;
}
