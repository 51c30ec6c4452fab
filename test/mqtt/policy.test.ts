import { expect } from 'chai';
import fc from 'fast-check';
import { BUFFER_MAILBOX, BUFFER_SINGLE_LATEST, BUFFER_SPMC_RING, Payload } from '../../core/api.js';
import { utf8Decode } from '../../core/bytes.js';
import { envelopeLength, GapTracker, inboundQos, payloadAfter, policyError, statusTopic, wirePolicy, wrapSeq } from '../../core/mqtt/policy.js';
import { dispatch, InboundLink, OutboundLink, subscriptions, WireTransport } from '../../core/mqtt/links.js';
import { validateMqttLink, parseBrokerUrl } from '../../core/mqtt/connector.js';
import { inRoute, linkUrl, outRoute } from './helpers.js';

/** A transport that records publishes and is writable while `up`. */
function transport() {
  const sent: string[] = [];
  const t: WireTransport & { up: boolean; sent: string[] } = {
    up: true,
    sent,
    writable: () => t.up,
    publish: (topic, _b, payload: Payload, qos, retain) => {
      sent.push(`${topic} ${typeof payload === 'string' ? payload : utf8Decode(payload)} q${qos}${retain ? ' r' : ''}`);
    },
  };
  return t;
}

describe('core/mqtt policy', () => {
  describe('wirePolicy', () => {
    it('derives QoS, retain, queue and envelope from the buffer', () => {
      const pick = (k: 1 | 2 | 3) => {
        const p = wirePolicy(k, linkUrl('mqtt://t'), {});
        return [p.qos, p.retain, p.queue, p.dropOldest, p.seq, p.republish];
      };
      expect(pick(BUFFER_SPMC_RING)).to.deep.equal([0, false, 32, true, true, false]);
      expect(pick(BUFFER_SINGLE_LATEST)).to.deep.equal([1, true, 1, false, false, true]);
      expect(pick(BUFFER_MAILBOX)).to.deep.equal([1, false, 1, false, false, false]);
    });
    it('takes options over the URL query over the default', () => {
      const p = wirePolicy(BUFFER_SPMC_RING, linkUrl('mqtt://t?qos=2&retain=true&queue=5&seq=false'), { qos: 1 });
      expect([p.qos, p.retain, p.queue, p.seq]).to.deep.equal([1, true, 5, false]);
      // SingleLatest and Mailbox keep the latest only, whatever the queue option says.
      expect(wirePolicy(BUFFER_MAILBOX, linkUrl('mqtt://t?queue=9'), { queue: 9 }).queue).to.equal(1);
    });
    it('subscribes rings at QoS 0 and state/commands at QoS 1 unless told', () => {
      expect([BUFFER_SPMC_RING, BUFFER_SINGLE_LATEST, BUFFER_MAILBOX].map((k) => inboundQos(k as 1, linkUrl('mqtt://t'), {}))).to.deep.equal([0, 1, 1]);
      expect(inboundQos(BUFFER_SPMC_RING, linkUrl('mqtt://t?qos=2'), {})).to.equal(2);
    });
  });

  describe('validation', () => {
    it('rejects bad topics, filters, QoS and queue values, and bad broker URLs', () => {
      expect(validateMqttLink(linkUrl('mqtt://a/+/b'), 'in')).to.equal(undefined);
      expect(validateMqttLink(linkUrl('mqtt://a/+/b'), 'out')).to.be.a('string');
      expect(validateMqttLink(linkUrl('mqtt://a/#/b'), 'in')).to.be.a('string');
      expect(validateMqttLink(linkUrl('mqtt://a?qos=3'), 'out')).to.be.a('string');
      expect(policyError(linkUrl('mqtt://a?queue=0'))).to.be.a('string');
      expect(parseBrokerUrl('mqtt://10.0.0.2')).to.deep.equal({ host: '10.0.0.2', port: 1883 });
      expect(() => parseBrokerUrl('http://x')).to.throw(/mqtt:\/\/host/);
    });
    it('names the status topic <prefix>/<nodeId>/status', () => {
      expect(statusTopic('aimdb', 'esp32-1')).to.equal('aimdb/esp32-1/status');
    });
  });

  describe('sequence envelope', () => {
    it('wraps strings as text and bytes as bytes, leaving the payload intact after it', () => {
      expect(wrapSeq(42, '{"a":1}')).to.equal('\u001e42\u001f{"a":1}');
      const b = wrapSeq(7, new Uint8Array([0, 255])) as Uint8Array;
      expect(Array.from(b)).to.deep.equal([0x1e, 0x37, 0x1f, 0, 255]);
    });
    it('round-trips any sequence number and payload (property)', () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 48 }), fc.uint8Array({ maxLength: 64 }), (seq, payload) => {
        const w = wrapSeq(seq, payload) as Uint8Array;
        const out = [0];
        const n = envelopeLength(w, out);
        expect(out[0]).to.equal(seq);
        expect(Array.from(payloadAfter(w, n))).to.deep.equal(Array.from(payload));
      }));
    });
    it('leaves a bare payload alone, even one starting with 0x1E', () => {
      const out = [0];
      expect([envelopeLength([0x7b, 0x7d], out), envelopeLength([0x1e, 0x41, 0x1f, 1], out), envelopeLength([0x1e, 0x1f, 1], out), envelopeLength([0x1e, 0x31], out)])
        .to.deep.equal([0, 0, 0, 0]);
    });
  });

  describe('GapTracker', () => {
    it('counts missed values per topic, restarts on a backwards jump, ignores duplicates', () => {
      const g = new GapTracker();
      expect([g.observe('a', 1), g.observe('a', 2), g.observe('a', 5), g.observe('b', 10), g.observe('a', 5), g.observe('a', 1), g.observe('a', 3)])
        .to.deep.equal([0, 0, 2, 0, 0, 0, 1]);
    });
    it('forgets the oldest topic beyond 16', () => {
      const g = new GapTracker();
      for (let i = 0; i < 17; i++) g.observe('t' + i, 1);
      expect(g.observe('t0', 5)).to.equal(0); // t0 was forgotten: a fresh start, no gap
      expect(g.observe('t16', 5)).to.equal(3);
    });
  });

  describe('OutboundLink', () => {
    it('publishes at once while writable, with the policy flags and the envelope', () => {
      const t = transport();
      const ring = new OutboundLink(outRoute('k', 'mqtt://r', BUFFER_SPMC_RING));
      const latest = new OutboundLink(outRoute('k', 'mqtt://l', BUFFER_SINGLE_LATEST));
      ring.send(t, 'a', 'a', 3);
      latest.send(t, '21', 21, 1);
      expect(t.sent).to.deep.equal(['r \u001e3\u001fa q0', 'l 21 q1 r']);
    });
    it('queues a ring while offline, dropping the oldest beyond the queue, then flushes in order', () => {
      const t = transport();
      const route = outRoute('k', 'mqtt://r?seq=false', BUFFER_SPMC_RING, { queue: 3 });
      const link = new OutboundLink(route);
      t.up = false;
      for (let i = 1; i <= 5; i++) link.send(t, 'v' + i, i, i);
      expect([route.metrics.queued, route.metrics.dropped, route.metrics.sent]).to.deep.equal([3, 2, 0]);
      t.up = true;
      expect(link.flush(t)).to.equal(3);
      expect(t.sent).to.deep.equal(['r v3 q0', 'r v4 q0', 'r v5 q0']);
      expect([route.metrics.queued, route.metrics.sent]).to.deep.equal([0, 3]);
    });
    it('keeps only the latest SingleLatest and Mailbox value while offline', () => {
      const t = transport();
      const routes = [outRoute('a', 'mqtt://l', BUFFER_SINGLE_LATEST), outRoute('b', 'mqtt://m', BUFFER_MAILBOX)];
      const links = routes.map((r) => new OutboundLink(r));
      t.up = false;
      for (const l of links) for (const v of ['1', '2', '3']) l.send(t, v, v, 1);
      expect(routes.map((r) => [r.metrics.queued, r.metrics.dropped])).to.deep.equal([[1, 2], [1, 2]]);
      t.up = true;
      for (const l of links) l.flush(t);
      expect(t.sent).to.deep.equal(['l 3 q1 r', 'm 3 q1']);
    });
    it('re-publishes the last SingleLatest value after a reconnect, and only SingleLatest', () => {
      const t = transport();
      const latest = new OutboundLink(outRoute('a', 'mqtt://l', BUFFER_SINGLE_LATEST));
      const box = new OutboundLink(outRoute('b', 'mqtt://m', BUFFER_MAILBOX));
      latest.send(t, 'x', 'x', 1);
      box.send(t, 'y', 'y', 1);
      t.sent.splice(0);
      latest.resync(t);
      box.resync(t);
      expect(t.sent).to.deep.equal(['l x q1 r']);
    });
    it('publishes to a per-value topic and counts a failing topic provider as an encode error', () => {
      const t = transport();
      const route = outRoute('k', 'mqtt://ignored', BUFFER_MAILBOX, { topic: (v: any) => 'rooms/' + v.room.name });
      const link = new OutboundLink(route);
      link.send(t, 'on', { room: { name: 'hall' } }, 1);
      link.send(t, 'on', { room: null }, 2);
      link.send(t, 'on', { room: { name: '#' } }, 3);
      expect(t.sent).to.deep.equal(['rooms/hall on q1']);
      expect(route.metrics.encodeErrors).to.equal(2);
    });
  });

  describe('InboundLink and dispatch', () => {
    it('routes a message to every matching link and strips the envelope before delivery', () => {
      const a = inRoute('a', 'mqtt://s/+/t', BUFFER_SPMC_RING);
      const b = inRoute('b', 'mqtt://s/x/t', BUFFER_MAILBOX);
      const c = inRoute('c', 'mqtt://other', BUFFER_MAILBOX);
      const links = [a, b, c].map((r) => new InboundLink(r));
      const msg = (s: string) => Buffer.from(s, 'latin1');
      expect(dispatch(links, 's/x/t', msg('\u001e1\u001fhello'))).to.equal(2);
      dispatch(links, 's/x/t', msg('\u001e4\u001fagain'));
      expect([a.got.map((g) => g.text), b.got.map((g) => g.text), c.got.length]).to.deep.equal([['hello', 'again'], ['hello', 'again'], 0]);
      expect([a.metrics.gaps, b.metrics.gaps]).to.deep.equal([2, 0]);
    });
    it('subscribes each distinct filter once, at the highest QoS asked', () => {
      const links = [inRoute('a', 'mqtt://x/#', BUFFER_SPMC_RING), inRoute('b', 'mqtt://x/#', BUFFER_MAILBOX), inRoute('c', 'mqtt://y', BUFFER_SPMC_RING)].map((r) => new InboundLink(r));
      expect(subscriptions(links)).to.deep.equal({ filters: ['x/#', 'y'], qos: [1, 0], once: [false, false] });
      const mailboxes = [inRoute('a', 'mqtt://c', BUFFER_MAILBOX), inRoute('b', 'mqtt://c?once=true', BUFFER_SINGLE_LATEST)].map((r) => new InboundLink(r));
      expect(subscriptions(mailboxes).once).to.deep.equal([true]);
    });
    it('drops a recognised redelivery only on links that asked for at most once (a Mailbox by default)', () => {
      const routes = [
        inRoute('m', 'mqtt://c/+', BUFFER_MAILBOX),
        inRoute('m2', 'mqtt://c/+?once=false', BUFFER_MAILBOX),
        inRoute('l', 'mqtt://c/x', BUFFER_SINGLE_LATEST),
        inRoute('l2', 'mqtt://c/x', BUFFER_SINGLE_LATEST, { atMostOnce: true }),
      ];
      const links = routes.map((r) => new InboundLink(r));
      expect(links.map((l) => l.atMostOnce)).to.deep.equal([true, false, false, true]);
      expect(dispatch(links, 'c/x', Buffer.from('go'))).to.equal(4);
      expect(dispatch(links, 'c/x', Buffer.from('go'), true)).to.equal(4);
      expect(routes.map((r) => r.got.length)).to.deep.equal([1, 2, 2, 1]);
      expect(policyError(linkUrl('mqtt://c?once=maybe'))).to.equal('once must be true or false');
    });
    it('counts a throwing deliver as a decode error instead of throwing', () => {
      const r = inRoute('a', 'mqtt://t', BUFFER_MAILBOX);
      r.deliver = () => {
        throw new Error('boom');
      };
      expect(new InboundLink(r).receive('t', [1])).to.equal(false);
      expect(r.metrics.decodeErrors).to.equal(1);
    });
  });
});
