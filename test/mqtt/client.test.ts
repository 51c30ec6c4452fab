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
    it('re-sends every subscription and the unacknowledged publishes (DUP) after a reconnect', () => {
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
      const c2 = t.connect();
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
});
