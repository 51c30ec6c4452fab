import { expect } from 'chai';
import { MqttClient, MqttClientOptions } from '../../core/mqtt/client.js';
import { utf8Decode } from '../../core/bytes.js';
import { connack, fakeSockets, virtual } from './fake-broker.js';

function setup(extra: Partial<MqttClientOptions> = {}) {
  const v = virtual();
  const sockets = fakeSockets();
  const events: string[] = [];
  const client = new MqttClient(sockets, v.ctx, {
    host: 'broker', port: 1883, clientId: 'dev1', reconnectJitter: 0, keepalive: 0,
    onConnect: (sp) => events.push('connect ' + sp),
    onClose: (r) => events.push('close ' + r),
    onMessage: (t, p, q, r) => events.push(`msg ${t} ${utf8Decode(p)} q${q}${r ? ' r' : ''}`),
    onWritable: () => events.push('writable'),
    ...extra,
  });
  /** Starts, opens the socket and accepts the CONNECT. */
  function connect() {
    if (sockets.conns.length === 0 || sockets.last().closed) {
      if (sockets.conns.length === 0) client.start();
    }
    const c = sockets.last();
    c.open();
    c.recv(connack());
    return c;
  }
  return { ...v, sockets, client, events, connect };
}

const summary = (ps: any[]) => ps.map((p) => {
  if (p.cmd === 'publish') return `publish ${p.topic} ${p.payload.toString()} q${p.qos} id${p.messageId ?? '-'}${p.dup ? ' dup' : ''}${p.retain ? ' r' : ''}`;
  if (p.cmd === 'subscribe') return `subscribe ${p.subscriptions.map((s: any) => s.topic + ':' + s.qos).join(',')}`;
  if (p.messageId !== undefined) return `${p.cmd} ${p.messageId}`;
  return p.cmd;
});

describe('core/mqtt MqttClient (virtual time, scripted broker)', () => {
  describe('start', () => {
    it('sends CONNECT with will and credentials when the socket opens, then subscribes', () => {
      const t = setup({ username: 'u', password: 'p', will: { topic: 'st', payload: 'offline', qos: 1, retain: true }, keepalive: 20 });
      t.client.subscribe('a/+', 1);
      t.client.start();
      t.sockets.last().open();
      const [c] = t.sockets.last().fresh();
      expect([c.cmd, c.clientId, c.username, c.password.toString(), c.will.topic, c.will.payload.toString(), c.will.retain, c.keepalive, c.clean])
        .to.deep.equal(['connect', 'dev1', 'u', 'p', 'st', 'offline', true, 20, true]);
      t.sockets.last().recv(connack(0, false));
      expect(summary(t.sockets.last().fresh())).to.deep.equal(['subscribe a/+:1']);
      expect(t.events).to.deep.equal(['connect false', 'writable']);
      expect(t.client.connected).to.equal(true);
    });
    it('drops the connection and backs off when the CONNACK refuses', () => {
      const t = setup();
      t.client.start();
      t.sockets.last().open();
      t.sockets.last().recv(connack(5));
      expect(t.sockets.last().closed).to.equal(true);
      expect(t.client.stats.connectFailures).to.equal(1);
      t.rt.advance(999);
      expect(t.sockets.conns).to.have.length(1);
      t.rt.advance(1);
      expect(t.sockets.conns).to.have.length(2);
    });
    it('gives up on a connection without CONNACK after connectTimeoutMs', () => {
      const t = setup({ connectTimeoutMs: 3000 });
      t.client.start();
      t.sockets.last().open();
      t.rt.advance(3000);
      expect(t.sockets.last().closed).to.equal(true);
      expect(t.client.stats.connectFailures).to.equal(1);
    });
  });

  describe('reconnect', () => {
    it('backs off exponentially up to reconnectMaxMs and resets after a CONNACK', () => {
      const t = setup({ reconnectMinMs: 100, reconnectMaxMs: 1000 });
      t.client.start();
      const at: number[] = [];
      for (let i = 0; i < 7; i++) {
        t.sockets.last().drop('ECONNREFUSED');
        const n = t.sockets.conns.length;
        while (t.sockets.conns.length === n) t.rt.advance(10);
        at.push(t.rt.now());
      }
      const gaps = at.map((x, i) => x - (i ? at[i - 1] : 0));
      expect(gaps).to.deep.equal([100, 200, 400, 800, 1000, 1000, 1000]);
      t.connect();
      t.sockets.last().drop();
      t.rt.advance(100);
      expect(t.sockets.conns).to.have.length(9);
    });
    it('re-sends every subscription and the unacknowledged publishes (DUP) after a reconnect that resumes the session', () => {
      const t = setup();
      t.client.subscribe('cmd/#', 1);
      t.client.subscribe('cfg', 0);
      t.client.start();
      const c1 = t.connect();
      c1.fresh();
      t.client.publish('x', 'one', 1, false);
      c1.drop('reset');
      expect(t.events).to.include('close socket: reset');
      t.rt.advance(1000);
      const c2 = t.sockets.last();
      c2.open();
      c2.recv(connack(0, true));
      expect(summary(c2.fresh())).to.deep.equal(['connect', 'publish x one q1 id3 dup', 'subscribe cmd/#:1', 'subscribe cfg:0']);
      expect(t.client.stats.connects).to.equal(2);
      expect(t.client.stats.disconnects).to.equal(1);
    });
  });

  describe('publish', () => {
    it('retransmits an unacknowledged QoS 1 publish with DUP every retryMs until PUBACK', () => {
      const t = setup({ retryMs: 2000 });
      const c = t.connect();
      c.fresh();
      t.client.publish('t', 'v', 1, false);
      expect(summary(c.fresh())).to.deep.equal(['publish t v q1 id1']);
      t.rt.advance(1999);
      expect(c.fresh()).to.deep.equal([]);
      t.rt.advance(1);
      expect(summary(c.fresh())).to.deep.equal(['publish t v q1 id1 dup']);
      t.rt.advance(2000);
      expect(summary(c.fresh())).to.deep.equal(['publish t v q1 id1 dup']);
      c.recv({ cmd: 'puback', messageId: 1 });
      t.rt.advance(10000);
      expect(c.fresh()).to.deep.equal([]);
      expect([t.client.inflight, t.client.stats.retransmits]).to.deep.equal([0, 2]);
    });
    it('bounds the in-flight window and sends the queued publish when an ack frees a slot', () => {
      const t = setup({ inflight: 2 });
      const c = t.connect();
      c.fresh();
      for (const v of ['a', 'b', 'c']) t.client.publish('t', v, 1, false);
      expect(summary(c.fresh())).to.deep.equal(['publish t a q1 id1', 'publish t b q1 id2']);
      expect([t.client.inflight, t.client.queued, t.client.writable(1), t.client.writable(0)]).to.deep.equal([2, 1, false, true]);
      c.recv({ cmd: 'puback', messageId: 1 });
      expect(summary(c.fresh())).to.deep.equal(['publish t c q1 id3']);
    });
    it('keeps at most `queue` messages while offline, dropping the oldest', () => {
      const t = setup({ queue: 2 });
      t.client.start();
      for (const v of ['1', '2', '3']) expect(t.client.publish('t', v, 0, false)).to.equal(true);
      expect([t.client.queued, t.client.stats.queueDrops]).to.deep.equal([2, 1]);
      const c = t.connect();
      expect(summary(c.fresh())).to.deep.equal(['connect', 'publish t 2 q0 id-', 'publish t 3 q0 id-']);
    });
    it('refuses instead of queueing when queue is 0', () => {
      const t = setup({ queue: 0 });
      t.client.start();
      expect(t.client.publish('t', 'x', 0, false)).to.equal(false);
    });
    it('completes an outbound QoS 2 exchange: PUBREC -> PUBREL -> PUBCOMP', () => {
      const t = setup();
      const c = t.connect();
      c.fresh();
      t.client.publish('t', 'v', 2, true);
      c.recv({ cmd: 'pubrec', messageId: 1 });
      expect(summary(c.fresh())).to.deep.equal(['publish t v q2 id1 r', 'pubrel 1']);
      expect(t.client.inflight).to.equal(1);
      c.recv({ cmd: 'pubcomp', messageId: 1 });
      expect(t.client.inflight).to.equal(0);
    });
  });

  describe('inbound', () => {
    it('acknowledges QoS 1 and delivers', () => {
      const t = setup();
      const c = t.connect();
      c.fresh();
      c.recv({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 1, messageId: 9, retain: true, dup: false });
      expect(summary(c.fresh())).to.deep.equal(['puback 9']);
      expect(t.events.slice(-1)).to.deep.equal(['msg a/b hi q1 r']);
    });
    it('handles QoS 2 with PUBREC/PUBCOMP and does not deliver a DUP twice before PUBREL', () => {
      const t = setup();
      const c = t.connect();
      c.fresh();
      const p = { cmd: 'publish', topic: 'q2', payload: Buffer.from('x'), qos: 2, messageId: 7, retain: false, dup: false } as const;
      c.recv(p);
      c.recv({ ...p, dup: true });
      c.recv({ cmd: 'pubrel', messageId: 7 });
      c.recv({ ...p, messageId: 7 });
      expect(summary(c.fresh())).to.deep.equal(['pubrec 7', 'pubrec 7', 'pubcomp 7', 'pubrec 7']);
      expect(t.events.filter((e) => e.startsWith('msg'))).to.deep.equal(['msg q2 x q2', 'msg q2 x q2']);
    });
  });

  describe('keepalive', () => {
    it('pings after a keepalive period of silence and reconnects when no PINGRESP comes', () => {
      const t = setup({ keepalive: 10, pingTimeoutMs: 3000 });
      const c = t.connect();
      c.fresh();
      t.rt.advance(10000);
      expect(summary(c.fresh())).to.deep.equal(['pingreq']);
      c.recv({ cmd: 'pingresp' });
      t.rt.advance(10000);
      expect(summary(c.fresh())).to.deep.equal(['pingreq']);
      t.rt.advance(3000);
      expect(c.closed).to.equal(true);
      expect(t.client.stats.pingTimeouts).to.equal(1);
      expect(t.events).to.include('close ping timeout');
    });
  });

  describe('malformed input', () => {
    it('closes the connection, counts it, and reconnects', () => {
      const t = setup({ maxPacket: 16 });
      const c = t.connect();
      c.recv({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(64), qos: 0, retain: false, dup: false } as any);
      expect(c.closed).to.equal(true);
      expect(t.client.stats.malformed).to.equal(1);
      expect(t.logs.some((l) => l.includes('oversize packet'))).to.equal(true);
      t.rt.advance(1000);
      expect(t.sockets.conns).to.have.length(2);
    });
  });

  describe('malformed input on every connection', () => {
    it('spaces reconnects exponentially (an oversize retained message must not cause a 1 s loop)', () => {
      const t = setup({ maxPacket: 16, reconnectMinMs: 100, reconnectMaxMs: 10000 });
      t.client.start();
      const at: number[] = [];
      for (let i = 0; i < 5; i++) {
        const c = t.sockets.last();
        c.open();
        c.recv(connack());
        c.recv({ cmd: 'publish', topic: 'retained/big', payload: Buffer.alloc(64), qos: 0, retain: true, dup: false } as any);
        const n = t.sockets.conns.length;
        const from = t.rt.now();
        while (t.sockets.conns.length === n) t.rt.advance(10);
        at.push(t.rt.now() - from);
      }
      expect(at).to.deep.equal([100, 200, 400, 800, 1600]);
      expect(t.client.stats.malformed).to.equal(5);
    });
  });

  describe('stop', () => {
    it('sends DISCONNECT, closes, and never reconnects', () => {
      const t = setup();
      const c = t.connect();
      c.fresh();
      t.client.stop();
      expect(summary(c.fresh())).to.deep.equal(['disconnect']);
      expect(c.closed).to.equal(true);
      t.rt.advance(60000);
      expect(t.sockets.conns).to.have.length(1);
      expect(t.rt.pending()).to.equal(0);
    });
  });

  describe('MQTT 3.1.1 conformance', () => {
    it('delivers a QoS 1 redelivery (DUP, same id) to an ordinary subscription, and drops it for an at-most-once one', () => {
      const t = setup();
      t.client.subscribe('ring/#', 1);
      t.client.subscribe('cmd/#', 1, true);
      const c = t.connect();
      const m = (topic: string, dup: boolean) => ({ cmd: 'publish', topic, payload: Buffer.from('v'), qos: 1, messageId: 1, retain: false, dup } as const);
      c.recv(m('ring/a', false));
      c.recv(m('ring/a', true));
      c.recv({ ...m('cmd/a', false), messageId: 2 });
      c.recv({ ...m('cmd/a', true), messageId: 2 });
      expect(summary(c.fresh()).filter((x) => x.startsWith('puback'))).to.deep.equal(['puback 1', 'puback 1', 'puback 2', 'puback 2']);
      expect(t.events.filter((e) => e.startsWith('msg'))).to.deep.equal(['msg ring/a v q1', 'msg ring/a v q1', 'msg cmd/a v q1']);
      expect([t.client.stats.redeliveries, t.client.stats.duplicates]).to.deep.equal([2, 1]);
    });
    it('without an at-most-once subscription it keeps no redelivery memory at all', () => {
      const t = setup();
      t.client.subscribe('a', 1);
      expect(t.client._dups).to.equal(null);
    });
    it('refuses an empty client id without a clean session at creation', () => {
      expect(() => setup({ clientId: '', clean: false })).to.throw(/empty client id needs a clean session/);
      expect(() => setup({ clientId: '', clean: true })).to.not.throw();
    });
    it('on a new session (session present 0) sends in-flight QoS 1/2 publishes as new messages and forgets PUBRELs', () => {
      for (const clean of [true, false]) {
        const t = setup({ clean });
        const c1 = t.connect();
        t.client.publish('x', 'one', 1, false);
        t.client.publish('y', 'two', 2, false);
        c1.recv({ cmd: 'pubrec', messageId: 2 });
        t.client.publish('z', 'three', 2, false);
        expect(summary(c1.fresh())).to.deep.equal(['connect', 'publish x one q1 id1', 'publish y two q2 id2', 'pubrel 2', 'publish z three q2 id3']);
        c1.drop('reset');
        t.rt.advance(1000);
        const c2 = t.connect();
        expect(summary(c2.fresh()), 'clean ' + clean).to.deep.equal(['connect', 'publish x one q1 id4', 'publish z three q2 id5']);
        expect([t.client.stats.renewed, t.client.stats.retransmits, t.client.inflight]).to.deep.equal([2, 0, 2]);
      }
    });
    it('drops and counts in-flight publishes on a new session when resendOnNewSession is false', () => {
      const t = setup({ resendOnNewSession: false });
      const c1 = t.connect();
      t.client.publish('x', 'one', 1, false);
      c1.drop('reset');
      t.rt.advance(1000);
      const c2 = t.connect();
      expect(summary(c2.fresh())).to.deep.equal(['connect']);
      expect([t.client.stats.lost, t.client.inflight]).to.deep.equal([1, 0]);
    });
    it('sends PINGREQ before the keepalive period runs out', () => {
      const t = setup({ keepalive: 4 });
      const c = t.connect();
      c.fresh();
      t.rt.advance(2999);
      expect(c.fresh()).to.deep.equal([]);
      t.rt.advance(1);
      expect(summary(c.fresh())).to.deep.equal(['pingreq']);
      c.recv({ cmd: 'pingresp' });
      t.rt.advance(3000);
      expect(summary(c.fresh())).to.deep.equal(['pingreq']);
    });
    it('rejects invalid topics, filters and QoS at the call and sends nothing', () => {
      const t = setup();
      const c = t.connect();
      c.fresh();
      const bad: Array<[() => unknown, RegExp]> = [
        [() => t.client.publish('bad/+', 'x', 1, false), /wildcard/],
        [() => t.client.publish('bad/#', 'x', 0, false), /wildcard/],
        [() => t.client.publish('', 'x', 0, false), /empty/],
        [() => t.client.publish('a\u0000b', 'x', 0, false), /NUL/],
        [() => t.client.publish('bad/\ud800', 'x', 0, false), /lone surrogate/],
        [() => t.client.publish('bad/\udc00x', 'x', 0, false), /lone surrogate/],
        [() => t.client.publish('a'.repeat(65536), 'x', 0, false), /65535 bytes/],
        [() => t.client.publish('\u00e9'.repeat(32768), 'x', 0, false), /65535 bytes/],
        [() => t.client.publish(Uint8Array.from([97, 43]), 'x', 0, false), /wildcard/],
        [() => t.client.publish('ok', 'x', 3, false), /qos must be 0, 1 or 2/],
        [() => t.client.subscribe('bad/#/x', 1), /'#' must be the last level/],
        [() => t.client.subscribe('bad+', 1), /whole level/],
        [() => t.client.subscribe('ok/#', 3), /qos must be 0, 1 or 2/],
        [() => t.client.subscribe('x/\ud83d', 0), /lone surrogate/],
        [() => t.client.unsubscribe('a/#/b'), /'#'/],
      ];
      for (const [call, why] of bad) {
        let err: any;
        try {
          call();
        } catch (e) {
          err = e;
        }
        expect(err && err.code, String(call)).to.equal('INVALID_ARGUMENT');
        expect(err.message).to.match(why);
      }
      expect(c.fresh()).to.deep.equal([]);
      expect([t.client.inflight, t.client.queued, t.client.granted('bad/#/x')]).to.deep.equal([0, 0, undefined]);
      // A valid topic with a surrogate pair and one of exactly 65,535 bytes go out.
      t.client.publish('ok/\ud83d\ude00', 'x', 0, false);
      t.client.publish('a'.repeat(65535), 'x', 0, false);
      expect(c.fresh().map((p) => p.topic.length)).to.deep.equal([5, 65535]);
    });
    it('checks every option once, at creation', () => {
      const cases: Array<[Partial<MqttClientOptions>, RegExp]> = [
        [{ keepalive: 70000 }, /keepalive must be an integer in 0..65535/],
        [{ keepalive: -1 }, /keepalive/],
        [{ port: 0 }, /port/],
        [{ port: undefined }, /port is required/],
        [{ will: { topic: 'w', payload: '\u00e9'.repeat(40000) } }, /will payload longer than 65535 bytes/],
        [{ host: '' }, /host/],
        [{ clientId: 'x\ud800' }, /lone surrogate in client id/],
        [{ will: { topic: 'w/+', payload: 'x' } }, /will: wildcard/],
        [{ will: { topic: 'w', payload: 'x', qos: 3 as any } }, /will qos/],
        [{ inflight: 0 }, /inflight/],
        [{ reconnectJitter: 1 }, /reconnectJitter/],
        [{ reconnectMinMs: 5000, reconnectMaxMs: 100 }, /reconnectMaxMs/],
        [{ password: 'p' }, /password needs a username/],
        [{ maxPacket: 1.5 }, /maxPacket/],
      ];
      for (const [o, why] of cases) expect(() => setup(o), JSON.stringify(o)).to.throw(why);
    });
    it('takes retryMs 0: no timed retransmission, only on a resumed session', () => {
      const t = setup({ retryMs: 0 });
      const c = t.connect();
      c.fresh();
      t.client.publish('t', 'v', 1, false);
      t.rt.advance(60000);
      expect(summary(c.fresh())).to.deep.equal(['publish t v q1 id1']);
      c.drop();
      t.rt.advance(1000);
      const c2 = t.sockets.last();
      c2.open();
      c2.recv(connack(0, true));
      expect(summary(c2.fresh())).to.deep.equal(['connect', 'publish t v q1 id1 dup']);
    });
    it('does not keep the options object', () => {
      const o: MqttClientOptions = { host: 'h', port: 1, clientId: 'c', keepalive: 10 };
      const t = setup(o);
      o.keepalive = 99;
      expect(Object.values(t.client).includes(o as any)).to.equal(false);
      expect(t.client._keepMs).to.equal(10000);
    });
  });
});
