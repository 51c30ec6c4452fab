/**
 * Interoperability of the core MQTT client (core/mqtt/client.ts on Node sockets) with real brokers:
 * aedes in-process and mosquitto as a process, each on a free loopback port. The scenarios are the
 * usual client interoperability checks — basic publish/subscribe, retained messages, will, an empty
 * client id, offline queueing in a kept session, overlapping subscriptions, keepalive, redelivery to
 * the client, a refused subscription, `$` topics, unsubscribe — plus the session faults a device
 * meets: a lost PUBACK, a lost PUBREC, and a clean-session reconnect with messages in flight, made
 * by a proxy that drops or cuts the connection at a chosen packet (packet-proxy.ts).
 *
 * The delivery figures of the fault scenarios are recorded (./guarantee-figures.ts) for
 * docs/GUARANTEES.md; every equality stated there is asserted here.
 */
import { expect } from 'chai';
import { MqttClient, MqttClientOptions } from '../../core/mqtt/client.js';
import { utf8Decode } from '../../core/bytes.js';
import { nodeSockets } from '../../targets/node/net.js';
import { nodeTestAdapter, sleep, startAedes, startMosquitto, TestBroker, testContext, waitFor } from './helpers.js';
import { packetProxy, PacketProxy, SeenPacket } from './packet-proxy.js';
import { recordFigure } from './guarantee-figures.js';

interface Got {
  topic: string;
  text: string;
  qos: number;
  retain: boolean;
  redelivered: boolean;
}

// mosquitto refuses subscriptions through its dynamic-security plugin; aedes through its hook.
const DYNSEC = JSON.stringify({
  defaultACLAccess: { publishClientSend: true, publishClientReceive: true, subscribe: true, unsubscribe: true },
  clients: [],
  groups: [{ groupname: 'anon', roles: [{ rolename: 'r' }], clients: [] }],
  anonymousGroup: 'anon',
  roles: [{ rolename: 'r', acls: [{ acltype: 'subscribePattern', topic: 'nosub/#', priority: 0, allow: false }] }],
});
const BROKERS: Array<[string, () => Promise<TestBroker>]> = [
  ['aedes', async () => {
    const b = await startAedes();
    b.aedes.authorizeSubscribe = (_c, sub, cb) => cb(null, sub.topic.startsWith('nosub/') ? (null as any) : sub);
    return b;
  }],
  ['mosquitto', () => startMosquitto('plugin /usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so\nplugin_opt_config_file {dir}/dynsec.json\n', { 'dynsec.json': DYNSEC })],
];

for (const [brokerName, startBroker] of BROKERS) {
  describe(`core MQTT client interoperability with ${brokerName}`, function () {
    this.timeout(20000);
    let broker: TestBroker;
    const cleanups: Array<() => unknown> = [];
    let n = 0;
    const root = () => `interop/${process.pid}/${++n}`;

    before(async () => {
      broker = await startBroker();
    });
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });
    after(async () => {
      await broker.stop();
    });

    /** A core client on `port` (the broker's by default); stopped after the test. */
    function client(extra: Partial<MqttClientOptions> = {}, port = broker.port) {
      const { ctx, timers } = testContext(nodeTestAdapter());
      const got: Got[] = [];
      const c = new MqttClient(nodeSockets(), ctx, {
        host: '127.0.0.1', port, clientId: `interop-${process.pid}-${++n}`,
        reconnectMinMs: 50, reconnectMaxMs: 200, reconnectJitter: 0, keepalive: 10,
        onMessage: (topic, p, qos, retain, redelivered) => got.push({ topic, text: utf8Decode(p), qos, retain, redelivered }),
        ...extra,
      });
      cleanups.push(() => {
        c.stop();
        timers.cancelAll();
      });
      return { c, got };
    }
    async function connected(c: MqttClient, filters: string[] = []) {
      c.start();
      await waitFor(() => c.connected && filters.every((f) => (c.granted(f) ?? -1) >= 0), 5000, 'connect and SUBACK');
    }
    async function proxy(): Promise<PacketProxy> {
      const p = await packetProxy(broker.port);
      cleanups.push(() => p.close());
      return p;
    }

    it('basic: publishes and receives at QoS 0, 1 and 2', async () => {
      const t = root();
      const { c, got } = client();
      c.subscribe(t + '/#', 2);
      await connected(c, [t + '/#']);
      expect(c.granted(t + '/#')).to.equal(2);
      for (const q of [0, 1, 2]) c.publish(t + '/q' + q, 'm' + q, q, false);
      await waitFor(() => got.length === 3 && c.inflight === 0, 5000, 'three messages');
      expect(got.map((g) => [g.topic, g.text, g.qos]).sort()).to.deep.equal([[t + '/q0', 'm0', 0], [t + '/q1', 'm1', 1], [t + '/q2', 'm2', 2]]);
    });

    it('retained: a new subscription gets the retained messages, and an empty retained payload clears them', async () => {
      const t = root();
      const a = client();
      await connected(a.c);
      for (const q of [0, 1, 2]) a.c.publish(t + '/r' + q, 'kept' + q, q, true);
      await waitFor(() => a.c.inflight === 0, 5000, 'acknowledged');
      await sleep(50); // a QoS 0 publish has no acknowledgement to wait for
      const b = client();
      b.c.subscribe(t + '/#', 2);
      await connected(b.c, [t + '/#']);
      await waitFor(() => b.got.length === 3, 5000, 'retained messages');
      expect(b.got.map((g) => [g.topic, g.text, g.retain]).sort()).to.deep.equal([0, 1, 2].map((q) => [t + '/r' + q, 'kept' + q, true]));
      for (const q of [0, 1, 2]) a.c.publish(t + '/r' + q, '', q, true);
      await waitFor(() => a.c.inflight === 0 && b.got.length === 6, 5000, 'clearing messages');
      const c = client();
      c.c.subscribe(t + '/#', 2);
      await connected(c.c, [t + '/#']);
      c.c.publish(t + '/marker', 'end', 1, false);
      await waitFor(() => c.got.length > 0, 5000, 'marker');
      expect(c.got.map((g) => g.text)).to.deep.equal(['end']);
    });

    it('will: published when the connection dies, not after a clean stop', async () => {
      const t = root();
      const watcher = client();
      watcher.c.subscribe(t + '/#', 1);
      await connected(watcher.c, [t + '/#']);
      const px = await proxy();
      const dying = client({ will: { topic: t + '/will', payload: 'gone', qos: 1, retain: false }, reconnectMinMs: 10000, reconnectMaxMs: 10000 }, px.port);
      await connected(dying.c);
      const polite = client({ will: { topic: t + '/will2', payload: 'never', qos: 1, retain: false } });
      await connected(polite.c);
      polite.c.stop();
      px.rule = () => 'cut';
      dying.c.publish(t + '/last', 'x', 0, false); // the packet the proxy cuts at
      await waitFor(() => watcher.got.some((g) => g.topic === t + '/will'), 5000, 'will');
      watcher.c.publish(t + '/marker', 'end', 1, false);
      await waitFor(() => watcher.got.some((g) => g.text === 'end'), 5000, 'marker');
      expect(watcher.got.map((g) => g.topic + ' ' + g.text)).to.deep.equal([t + '/will gone', t + '/marker end']);
    });

    it('zero-length client id: accepted with a clean session, refused at creation without one', async () => {
      const t = root();
      const { c, got } = client({ clientId: '' });
      c.subscribe(t, 1);
      await connected(c, [t]);
      c.publish(t, 'anonymous', 1, false);
      await waitFor(() => got.length === 1, 5000, 'echo');
      expect(() => client({ clientId: '', clean: false })).to.throw(/empty client id needs a clean session/);
    });

    it('offline queueing: a kept session receives the QoS 1 and 2 messages published while it was away', async () => {
      const t = root();
      const id = `interop-offline-${process.pid}-${n}`;
      const a = client({ clientId: id, clean: false });
      a.c.subscribe(t + '/#', 2);
      await connected(a.c, [t + '/#']);
      a.c.stop();
      const b = client();
      await connected(b.c);
      for (const q of [0, 1, 2]) b.c.publish(t + '/q' + q, 'while away ' + q, q, false);
      await waitFor(() => b.c.inflight === 0, 5000, 'acknowledged');
      const events: boolean[] = [];
      const again = client({ clientId: id, clean: false, onConnect: (sp) => events.push(sp) });
      again.c.subscribe(t + '/#', 2);
      await connected(again.c, [t + '/#']);
      await waitFor(() => again.got.filter((g) => g.qos > 0).length === 2, 5000, () => 'queued messages: ' + JSON.stringify(again.got));
      expect(events).to.deep.equal([true]);
      // QoS 0 messages are not queued for an offline client by either broker's defaults.
      expect(again.got.map((g) => g.text).sort()).to.deep.equal(['while away 1', 'while away 2']);
    });

    it('overlapping subscriptions: one or two copies, at most the larger granted QoS', async () => {
      const t = root();
      const { c, got } = client();
      c.subscribe(t + '/#', 2);
      c.subscribe(t + '/+', 1);
      await connected(c, [t + '/#', t + '/+']);
      c.publish(t + '/x', 'both', 2, false);
      await waitFor(() => got.length >= 1 && c.inflight === 0, 5000, 'delivery');
      await sleep(100); // a second copy, if the broker sends one, follows at once
      // MQTT 3.1.1 §3.3.5 lets the broker send one copy or one per subscription; the client takes what comes.
      recordFigure('overlapping', brokerName, { copies: got.length, qos: got.map((g) => g.qos).join('+') });
      expect(got.length).to.be.within(1, 2);
      expect(got.every((g) => g.text === 'both' && g.topic === t + '/x' && g.qos >= 1 && g.qos <= 2)).to.equal(true);
    });

    it('keepalive: with 2 s, the client sends a packet within every 2 s and the broker keeps the connection', async () => {
      const px = await proxy();
      const { c } = client({ keepalive: 2, pingTimeoutMs: 1500 }, px.port);
      await connected(c);
      await sleep(4500);
      const up = px.log.filter((p) => p.dir === 'up');
      const gaps = up.slice(1).map((p, i) => p.at - up[i].at);
      recordFigure('keepalive', brokerName, { keepaliveMs: 2000, pings: px.seen('pingreq', 'up').length, maxGapMs: Math.max(...gaps) });
      expect(px.seen('pingreq', 'up').length).to.be.at.least(2);
      // Every PINGREQ is answered (the last answer may still be on its way).
      expect(px.seen('pingresp', 'down').length).to.be.at.least(px.seen('pingreq', 'up').length - 1);
      expect(Math.max(...gaps)).to.be.below(2000);
      expect([c.connected, c.stats.connects, c.stats.pingTimeouts, px.connections()]).to.deep.equal([true, 1, 0, 1]);
    });

    it('redelivery to the client: a QoS 1 message whose PUBACK was lost comes again and is delivered again', async () => {
      const t = root();
      const px = await proxy();
      const { c, got } = client({ clientId: `interop-redeliver-${process.pid}-${n}`, clean: false }, px.port);
      c.subscribe(t, 1);
      await connected(c, [t]);
      px.rule = (p) => (p.conn === 1 && p.dir === 'up' && p.cmd === 'puback' ? 'cut' : 'pass');
      const sender = client();
      await connected(sender.c);
      sender.c.publish(t, 'again', 1, false);
      await waitFor(() => c.stats.connects === 2 && got.length === 2, 8000, () => 'redelivery: ' + JSON.stringify(got));
      const down = px.seen('publish', 'down');
      expect(down.map((p) => p.packet.messageId)).to.deep.equal([down[0].packet.messageId, down[0].packet.messageId]);
      expect(down.map((p) => p.conn)).to.deep.equal([1, 2]);
      expect(got.map((g) => g.text)).to.deep.equal(['again', 'again']);
      expect(c.stats.redeliveries).to.equal(0); // no at-most-once subscription: no memory kept at all
      recordFigure('redelivery', brokerName, { delivered: got.length, dupFlag: !!down[1].packet.dup, atMostOnce: false });
    });

    it('redelivery with an at-most-once subscription: acknowledged again, delivered once', async () => {
      const t = root();
      const px = await proxy();
      const { c, got } = client({ clientId: `interop-once-${process.pid}-${n}`, clean: false }, px.port);
      c.subscribe(t, 1, true);
      await connected(c, [t]);
      px.rule = (p) => (p.conn === 1 && p.dir === 'up' && p.cmd === 'puback' ? 'cut' : 'pass');
      const sender = client();
      await connected(sender.c);
      sender.c.publish(t, 'once', 1, false);
      await waitFor(() => c.stats.connects === 2 && c.stats.duplicates === 1, 8000, 'redelivery dropped');
      await waitFor(() => px.seen('puback', 'up').some((p) => p.conn === 2), 5000, 'second PUBACK');
      expect(got.map((g) => g.text)).to.deep.equal(['once']);
      expect([c.stats.redeliveries, c.stats.duplicates]).to.deep.equal([1, 1]);
      recordFigure('redelivery-once', brokerName, { delivered: got.length, duplicatesDropped: c.stats.duplicates });
    });

    it('QoS 2 redelivery after a lost PUBREC is delivered exactly once', async () => {
      const t = root();
      const px = await proxy();
      const { c, got } = client({ clientId: `interop-q2in-${process.pid}-${n}`, clean: false }, px.port);
      c.subscribe(t, 2);
      await connected(c, [t]);
      px.rule = (p) => (p.conn === 1 && p.dir === 'up' && p.cmd === 'pubrec' ? 'cut' : 'pass');
      const sender = client();
      await connected(sender.c);
      sender.c.publish(t, 'exactly', 2, false);
      await waitFor(() => c.stats.connects === 2, 8000, 'reconnect');
      await waitFor(() => px.seen('pubcomp', 'up').length === 1, 5000, 'PUBCOMP');
      expect(px.seen('publish', 'down').map((p) => p.conn)).to.deep.equal([1, 2]);
      expect(got.map((g) => g.text)).to.deep.equal(['exactly']);
      recordFigure('redelivery-qos2', brokerName, { delivered: got.length });
    });

    it('subscribe failure: a refused filter is reported as 0x80, the others work', async () => {
      const t = root();
      const { c, got } = client();
      c.subscribe('nosub/' + t, 1);
      c.subscribe(t, 1);
      await connected(c, [t]);
      await waitFor(() => c.granted('nosub/' + t) !== -1, 5000, 'SUBACK');
      expect([c.granted('nosub/' + t), c.granted(t), c.stats.subackFailures]).to.deep.equal([128, 1, 1]);
      c.publish(t, 'ok', 1, false);
      await waitFor(() => got.length === 1, 5000, 'message');
      expect(c.connected).to.equal(true);
    });

    it('$ topics: not matched by filters starting with a wildcard, matched by a $ filter', async () => {
      const t = root();
      const wild = client();
      wild.c.subscribe('#', 0);
      wild.c.subscribe('+/' + t.split('/').slice(1).join('/'), 0);
      await connected(wild.c, ['#']);
      const dollar = client();
      dollar.c.subscribe('$aim/' + t, 1);
      await connected(dollar.c, ['$aim/' + t]);
      dollar.c.publish('$aim/' + t, 'dollar', 1, false);
      dollar.c.publish(t, 'plain', 1, false);
      await waitFor(() => dollar.got.length === 1 && wild.got.some((g) => g.topic === t), 5000, 'messages');
      await sleep(100);
      expect(dollar.got.map((g) => g.topic)).to.deep.equal(['$aim/' + t]);
      expect(wild.got.filter((g) => g.topic.startsWith('$'))).to.deep.equal([]);
    });

    it('unsubscribe: UNSUBACK comes back and nothing more arrives on the filter', async () => {
      const t = root();
      const px = await proxy();
      const { c, got } = client({}, px.port);
      c.subscribe(t + '/a', 1);
      c.subscribe(t + '/b', 1);
      await connected(c, [t + '/a', t + '/b']);
      c.unsubscribe(t + '/a');
      await waitFor(() => px.seen('unsuback', 'down').length === 1, 5000, 'UNSUBACK');
      c.publish(t + '/a', 'gone', 1, false);
      c.publish(t + '/b', 'kept', 1, false);
      await waitFor(() => got.length >= 1 && c.inflight === 0, 5000, 'message');
      await sleep(100);
      expect(got.map((g) => g.text)).to.deep.equal(['kept']);
      expect(c.granted(t + '/a')).to.equal(undefined);
    });

    it('invalid input: refused at the call with INVALID_ARGUMENT, never on the wire, the session unharmed', async () => {
      const t = root();
      const px = await proxy();
      const { c, got } = client({}, px.port);
      c.subscribe(t, 1);
      await connected(c, [t]);
      const before = px.log.length;
      const calls: Array<() => unknown> = [
        () => c.publish('bad/+', 'x', 1, false),
        () => c.publish(t + '/#', 'x', 1, false),
        () => c.publish(t + '/\ud800', 'x', 1, false),
        () => c.publish('a'.repeat(65536), 'x', 1, false),
        () => c.publish(t, 'x', 3, false),
        () => c.subscribe('bad/#/x', 1),
        () => c.subscribe(t + '/+', 3),
      ];
      const codes = calls.map((f) => {
        try {
          f();
          return 'accepted';
        } catch (e: any) {
          return e.code;
        }
      });
      expect(codes).to.deep.equal(calls.map(() => 'INVALID_ARGUMENT'));
      expect(px.log.slice(before)).to.deep.equal([]);
      expect(() => client({ keepalive: 70000 })).to.throw(/keepalive/);
      c.publish(t, 'still fine', 1, false);
      await waitFor(() => got.length === 1 && c.inflight === 0, 5000, 'message');
      await sleep(200);
      expect([c.connected, c.stats.connects, c.stats.disconnects, px.connections()]).to.deep.equal([true, 1, 0, 1]);
    });

    /** The publishes the client sent, per connection: [conn, id, dup]. */
    const sent = (px: PacketProxy, topic: string) => px.log.filter((p: SeenPacket) => p.dir === 'up' && p.cmd === 'publish' && p.packet.topic === topic)
      .map((p) => [p.conn, p.packet.messageId, !!p.packet.dup]);

    for (const [qos, ack] of [[1, 'puback'], [2, 'pubrec']] as const) {
      it(`lost ${ack.toUpperCase()}, session kept: QoS ${qos} goes again with DUP and the same id; ${qos === 1 ? 'received at least once' : 'received exactly once'}`, async () => {
        const t = root();
        const px = await proxy();
        const watcher = client();
        watcher.c.subscribe(t, 2);
        await connected(watcher.c, [t]);
        const flags: boolean[] = [];
        const { c } = client({ clientId: `interop-lost${ack}-${process.pid}-${n}`, clean: false, retryMs: 0, onConnect: (sp) => flags.push(sp) }, px.port);
        // aedes reports a kept session only for a client with subscriptions: give it one.
        c.subscribe(t + '/self', 1);
        await connected(c, [t + '/self']);
        px.rule = (p) => (p.conn === 1 && p.dir === 'down' && p.cmd === ack ? 'cut' : 'pass');
        c.publish(t, 'important', qos, false);
        await waitFor(() => c.stats.connects === 2, 8000, 'reconnect');
        await waitFor(() => c.inflight === 0 && watcher.got.length >= 1, 5000, 'acknowledged');
        await sleep(150);
        const s = sent(px, t);
        expect(s).to.deep.equal([[1, s[0][1], false], [2, s[0][1], true]]);
        expect([flags, c.stats.retransmits]).to.deep.equal([[false, true], 1]);
        expect(px.seen('pubrel', 'up').map((p) => [p.conn, p.packet.messageId])).to.deep.equal(qos === 2 ? [[2, s[0][1]]] : []);
        // QoS 1: the broker forwarded the first copy before its PUBACK was lost; it may forward the DUP too.
        if (qos === 1) expect(watcher.got.length).to.be.within(1, 2);
        else expect(watcher.got.map((g) => g.text)).to.deep.equal(['important']);
        recordFigure('lost-' + ack, brokerName, { published: 1, resentWithDup: c.stats.retransmits, received: watcher.got.length });
      });
    }

    for (const clean of [true, false]) {
      it(`new session on reconnect (${clean ? 'clean session' : 'session lost by the broker'}): in-flight messages go as new publishes, never resumed`, async () => {
        const t = root();
        const watcher = client();
        watcher.c.subscribe(t, 2);
        await connected(watcher.c, [t]);
        const px = await proxy();
        const sessionFlags: boolean[] = [];
        const { c } = client({ clientId: `interop-clean-${process.pid}-${n}`, clean, retryMs: 0, onConnect: (sp) => sessionFlags.push(sp) }, px.port);
        await connected(c);
        // The QoS 1 publish loses its PUBACK; the QoS 2 publish gets its PUBREC, then the connection
        // is cut at the PUBCOMP. Without a clean session the broker kept the session; the proxy makes
        // the next CONNACK say it did not (a broker restarted without persistence).
        px.rule = (p) => {
          if (p.conn === 1 && p.dir === 'down' && p.cmd === 'puback') return 'drop';
          if (p.conn === 1 && p.dir === 'down' && p.cmd === 'pubcomp') return 'cut';
          if (!clean && p.conn === 2 && p.cmd === 'connack') p.raw[2] = 0;
          return 'pass';
        };
        c.publish(t, 'q1', 1, false);
        c.publish(t, 'q2', 2, false);
        await waitFor(() => c.stats.connects === 2 && c.inflight === 0, 8000, 'reconnect and acknowledgements');
        await sleep(150);
        const s = sent(px, t);
        const ids1 = s.filter((x) => x[0] === 1).map((x) => x[1]);
        const again = s.filter((x) => x[0] === 2);
        // Only the QoS 1 publish (waiting for PUBACK) goes again: new id, no DUP. The QoS 2 one was past PUBREC.
        expect(again.length).to.equal(1);
        expect(again[0][2]).to.equal(false);
        expect(ids1).to.not.include(again[0][1]);
        expect(px.seen('pubrel', 'up').filter((p) => p.conn === 2)).to.deep.equal([]);
        expect(sessionFlags).to.deep.equal([false, false]);
        expect([c.stats.renewed, c.stats.retransmits, c.stats.lost]).to.deep.equal([1, 0, 0]);
        const q1 = watcher.got.filter((g) => g.text === 'q1').length;
        const q2 = watcher.got.filter((g) => g.text === 'q2').length;
        expect(q1).to.be.within(1, 2);
        expect(q2).to.equal(1);
        recordFigure(clean ? 'clean-reconnect' : 'lost-session', brokerName, { q1Received: q1, q2Received: q2, renewed: c.stats.renewed });
      });
    }
  });
}
