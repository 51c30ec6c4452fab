/**
 * The ONE abstract MQTT connector suite (STYLE principle 8): every MQTT connector (the core one over
 * Node sockets, the MQTT.js one) runs these same specifications against real brokers.
 */
import { expect } from 'chai';
import mqtt from 'mqtt';
import * as net from 'node:net';
import { BUFFER_MAILBOX, BUFFER_SINGLE_LATEST, BUFFER_SPMC_RING, Connector, InboundRoute, OutboundRoute } from '../../core/api.js';
import { TimerSet } from '../../core/runtime/context.js';
import {
  connectorContext, inRoute, nodeTestAdapter, observer, outRoute, sleep, startProxy, TestBroker, waitFor,
} from './helpers.js';
import { packetProxy } from './packet-proxy.js';
import { recordFigure } from './guarantee-figures.js';

/** Makes a connector for a broker URL with fast reconnect settings (min ~50 ms, max ~200 ms). */
export type ConnectorFactory = (brokerUrl: string, clientId: string) => Connector;

const RS = '\u001e';
const US = '\u001f';

export function connectorSuite(name: string, factory: ConnectorFactory, startBroker: () => Promise<TestBroker>): void {
  describe(name, function () {
    this.timeout(15000);
    let broker: TestBroker;
    const running: Array<{ connector: Connector; timers: TimerSet }> = [];
    const observers: Array<{ end(): Promise<void> }> = [];
    const proxies: Array<{ close(): Promise<void> }> = [];
    let n = 0;
    let topicSeq = 0;
    /** A topic root no other test (or earlier run on the same broker) used. */
    const root = () => 'suite/' + process.pid + '/' + ++topicSeq;

    before(async () => {
      broker = await startBroker();
    });
    afterEach(async () => {
      for (const r of running.splice(0)) {
        r.connector.stop();
        r.timers.cancelAll();
      }
      for (const o of observers.splice(0)) await o.end();
      for (const p of proxies.splice(0)) await p.close();
    });
    after(async () => {
      await broker.stop();
    });

    /**
     * Starts a connector on fresh routes, connected through a TCP proxy (so a test can cut its
     * connection alone); resolves once its status topic says online.
     */
    async function start(outbound: OutboundRoute[], inbound: InboundRoute[], opts: { waitOnline?: boolean } = {}) {
      const nodeId = 'node' + ++n + '-' + process.pid;
      const proxy = await startProxy(broker.port);
      proxies.push(proxy);
      const connector = factory(proxy.url, 'aimdb-' + nodeId);
      const { ctx, timers } = connectorContext(nodeTestAdapter(), nodeId, outbound, inbound);
      const watch = await watcher(['aimdb/' + nodeId + '/status']);
      connector.start(ctx);
      running.push({ connector, timers });
      if (opts.waitOnline !== false) await waitFor(() => watch.msgs.some((m) => m.text === 'online'), 5000, 'online status');
      return { connector, nodeId, status: watch, proxy };
    }
    async function watcher(filters: string[]) {
      const o = await observer(broker.url, filters);
      observers.push(o);
      return o;
    }
    async function publishRaw(topic: string, payload: string | Buffer, opts: mqtt.IClientPublishOptions = {}) {
      const o = await watcher([]);
      await o.client.publishAsync(topic, payload, opts);
    }

    describe('outbound', () => {
      it('publishes SingleLatest retained at QoS 1, Mailbox at QoS 1 not retained, rings with a sequence envelope', async () => {
        const base = root();
        const latest = outRoute('k.latest', `mqtt://${base}/latest`, BUFFER_SINGLE_LATEST);
        const box = outRoute('k.box', `mqtt://${base}/box`, BUFFER_MAILBOX);
        const ring = outRoute('k.ring', `mqtt://${base}/ring`, BUFFER_SPMC_RING);
        const o = await watcher([base + '/#']);
        const qos: { [t: string]: number } = {};
        o.client.on('packetreceive', (p: any) => {
          if (p.cmd === 'publish') qos[p.topic] = p.qos;
        });
        await start([latest, box, ring], []);
        latest.send!('{"c":21}', { c: 21 }, 1);
        box.send!('open', 'open', 1);
        ring.send!('r7', 'r7', 7);
        await waitFor(() => o.msgs.length >= 3, 5000, () => 'three messages: ' + JSON.stringify(o.msgs.map((m) => m.topic)));
        const byTopic = Object.fromEntries(o.msgs.map((m) => [m.topic.split('/').pop(), m]));
        expect(byTopic.latest.text).to.equal('{"c":21}');
        expect(byTopic.box.text).to.equal('open');
        expect(byTopic.ring.text).to.equal(RS + '7' + US + 'r7');
        expect([qos[base + '/latest'], qos[base + '/box'], qos[base + '/ring']]).to.deep.equal([1, 1, 0]);
        // A late subscriber gets the retained SingleLatest value and nothing else.
        const late = await watcher([base + '/#']);
        await waitFor(() => late.msgs.length >= 1, 5000, 'retained value');
        await sleep(100);
        expect(late.msgs.map((m) => [m.topic.split('/').pop(), m.text, m.retain])).to.deep.equal([['latest', '{"c":21}', true]]);
        expect([latest.metrics.sent, box.metrics.sent, ring.metrics.sent]).to.deep.equal([1, 1, 1]);
      });

      it('honours per-link qos/retain from the URL query and a per-value topic function', async () => {
        const base = root();
        const route = outRoute('k.t', 'mqtt://unused?qos=1&retain=true', BUFFER_SPMC_RING, { topic: (v: any) => base + '/' + v.room, seq: false });
        const o = await watcher([base + '/#']);
        const flags: string[] = [];
        o.client.on('packetreceive', (p: any) => {
          if (p.cmd === 'publish') flags.push(p.topic + ' q' + p.qos);
        });
        await start([route], []);
        route.send!('a', { room: 'kitchen' }, 1);
        route.send!('b', { room: 'hall' }, 2);
        route.send!('c', { room: '+' }, 3); // not a valid topic name: counted, not sent
        await waitFor(() => o.msgs.length >= 2, 5000, 'two messages');
        await sleep(100);
        expect(o.msgs.map((m) => [m.topic, m.text, m.retain])).to.deep.equal([[base + '/kitchen', 'a', false], [base + '/hall', 'b', false]]);
        expect(flags).to.deep.equal([base + '/kitchen q1', base + '/hall q1']);
        expect(route.metrics.encodeErrors).to.equal(1);
        // Retained: a new subscriber sees both.
        const late = await watcher([base + '/#']);
        await waitFor(() => late.msgs.length >= 2, 5000, 'retained');
      });
    });

    describe('inbound', () => {
      it('routes wildcard and exact filters to every matching link, strips envelopes and counts ring gaps', async () => {
        const base = root();
        const plus = inRoute('k.plus', `mqtt://${base}/+/temp`, BUFFER_SPMC_RING);
        const hash = inRoute('k.hash', `mqtt://${base}/#`, BUFFER_SINGLE_LATEST);
        const exact = inRoute('k.exact', `mqtt://${base}/a/temp`, BUFFER_MAILBOX);
        await start([], [plus, hash, exact]);
        await sleep(100); // SUBACK
        await publishRaw(`${base}/a/temp`, RS + '1' + US + 'a1', { qos: 1 });
        await publishRaw(`${base}/a/temp`, RS + '2' + US + 'a2', { qos: 1 });
        await publishRaw(`${base}/a/temp`, RS + '5' + US + 'a5', { qos: 1 });
        await publishRaw(`${base}/b/temp`, RS + '1' + US + 'b1', { qos: 1 });
        await publishRaw(`${base}/b/hum`, 'h', { qos: 1 });
        await waitFor(() => hash.got.length >= 5, 5000, 'five messages on #');
        expect(plus.got.map((g) => g.topic + ' ' + g.text)).to.deep.equal([`${base}/a/temp a1`, `${base}/a/temp a2`, `${base}/a/temp a5`, `${base}/b/temp b1`]);
        expect(exact.got.map((g) => g.text)).to.deep.equal(['a1', 'a2', 'a5']);
        expect(hash.got.map((g) => g.text)).to.deep.equal(['a1', 'a2', 'a5', 'b1', 'h']);
        expect([plus.metrics.gaps, hash.metrics.gaps, exact.metrics.gaps]).to.deep.equal([2, 0, 0]);
        expect(plus.metrics.received).to.equal(4);
      });

      it('counts a payload that fails to decode and keeps going', async () => {
        const topic = root();
        const route = inRoute('k.in', 'mqtt://' + topic, BUFFER_MAILBOX);
        await start([], [route]);
        await sleep(100);
        await publishRaw(topic, 'bad', { qos: 1 });
        await publishRaw(topic, 'good', { qos: 1 });
        await waitFor(() => route.got.length >= 1, 5000, 'good message');
        expect([route.metrics.received, route.metrics.decodeErrors, route.got.map((g) => g.text)]).to.deep.equal([2, 1, ['good']]);
      });
    });

    describe('QoS 1 redelivery', () => {
      it('reaches an at-least-once (SingleLatest) link again and an at-most-once (Mailbox) link once', async () => {
        const base = root();
        const nodeId = 'redeliver' + ++n + '-' + process.pid;
        const px = await packetProxy(broker.port);
        proxies.push(px);
        // The connector's first PUBACK (for the first inbound message) is lost with its connection.
        px.rule = (p) => (p.conn === 1 && p.dir === 'up' && p.cmd === 'puback' ? 'cut' : 'pass');
        const box = inRoute('k.box', `mqtt://${base}/cmd`, BUFFER_MAILBOX);
        const latest = inRoute('k.latest', `mqtt://${base}/cmd`, BUFFER_SINGLE_LATEST);
        const connector = factory(px.url, 'aimdb-' + nodeId);
        const { ctx, timers } = connectorContext(nodeTestAdapter(), nodeId, [], [box, latest]);
        connector.start(ctx);
        running.push({ connector, timers });
        await waitFor(() => px.seen('suback', 'down').length >= 1, 5000, 'SUBACK');
        await publishRaw(base + '/cmd', 'go', { qos: 1 });
        await waitFor(() => px.seen('puback', 'up').some((p) => p.conn === 2), 8000, 'redelivery acknowledged on the new connection');
        await sleep(100);
        const down = px.seen('publish', 'down').filter((p) => p.packet.topic === base + '/cmd');
        expect(down.map((p) => p.conn)).to.deep.equal([1, 2]);
        expect([box.got.map((g) => g.text), latest.got.map((g) => g.text)]).to.deep.equal([['go'], ['go', 'go']]);
        recordFigure('connector-redelivery', name, { mailboxDelivered: box.got.length, singleLatestDelivered: latest.got.length });
      });
    });

    describe('status and last will', () => {
      it('keeps <prefix>/<nodeId>/status retained online, and offline after a clean stop', async () => {
        const { connector, nodeId, status } = await start([], []);
        expect(status.msgs.map((m) => m.text)).to.deep.equal(['online']);
        connector.stop();
        await waitFor(() => status.msgs.length >= 2, 5000, 'offline');
        expect(status.msgs.map((m) => m.text)).to.deep.equal(['online', 'offline']);
        const late = await watcher(['aimdb/' + nodeId + '/status']);
        await waitFor(() => late.msgs.length >= 1, 5000, 'retained status');
        expect([late.msgs[0].text, late.msgs[0].retain]).to.deep.equal(['offline', true]);
      });
    });

    describe('reconnect', () => {
      it('queues by the buffer rule while the broker is down, then flushes, re-publishes and resubscribes', async () => {
        const base = root();
        const ring = outRoute('k.ring', `mqtt://${base}/ring`, BUFFER_SPMC_RING, { queue: 4 });
        const latest = outRoute('k.latest', `mqtt://${base}/latest`, BUFFER_SINGLE_LATEST);
        const box = outRoute('k.box', `mqtt://${base}/box`, BUFFER_MAILBOX);
        const cmd = inRoute('k.cmd', `mqtt://${base}/cmd/#`, BUFFER_MAILBOX);
        const { status } = await start([ring, latest, box], [cmd]);
        latest.send!('L0', 'L0', 1);
        await sleep(100);
        for (const o of observers.splice(0)) await o.end();
        void status;

        await broker.stop();
        await sleep(150);
        for (let i = 1; i <= 6; i++) ring.send!('v' + i, i, i);
        box.send!('b1', 'b1', 1);
        box.send!('b2', 'b2', 2);
        expect([ring.metrics.queued, ring.metrics.dropped, box.metrics.queued, box.metrics.dropped]).to.deep.equal([4, 2, 1, 1]);

        // A fresh broker: no retained message, no session. The connector must restore both.
        await broker.restart();
        const o = await watcher([base + '/#']);
        await waitFor(() => o.msgs.length >= 6, 8000, 'flushed queue and resync');
        const got = o.msgs.map((m) => m.topic.split('/').pop() + ' ' + m.text.replace(RS, '#').replace(US, ':'));
        expect(got.filter((g) => g.startsWith('ring'))).to.deep.equal(['ring #3:v3', 'ring #4:v4', 'ring #5:v5', 'ring #6:v6']);
        expect(got.filter((g) => g.startsWith('box'))).to.deep.equal(['box b2']);
        expect(got.filter((g) => g.startsWith('latest'))).to.deep.equal(['latest L0']);
        expect([ring.metrics.queued, box.metrics.queued]).to.deep.equal([0, 0]);

        // Resubscribed on the new broker: a command reaches the inbound link.
        await waitFor(() => {
          void o.client.publish(base + '/cmd/x', 'go', { qos: 1 });
          return cmd.got.length > 0;
        }, 8000, 'command after restart');
        expect(cmd.got[0]).to.deep.equal({ topic: base + '/cmd/x', text: 'go' });
      });
    });

    describe('network partition', () => {
      it('receives a QoS 1 command published while it was cut off (persistent session), and delivers it once', async () => {
        const topic = root() + '/cmd';
        const cmd = inRoute('k.cmd', 'mqtt://' + topic, BUFFER_MAILBOX);
        const { proxy } = await start([], [cmd]);
        await sleep(100); // SUBACK
        proxy.block(true);
        proxy.killAll();
        await sleep(100); // the broker has seen the connection go
        await publishRaw(topic, 'open', { qos: 1 });
        await sleep(200);
        expect(cmd.got).to.deep.equal([]);
        proxy.block(false);
        await waitFor(() => cmd.got.length > 0, 8000, 'command after the partition');
        await sleep(200);
        expect(cmd.got).to.deep.equal([{ topic, text: 'open' }]);
      });
    });

    describe('backoff', () => {
      it('retries with exponential backoff, not at a fixed period, while connections fail', async () => {
        // A server that accepts and drops every connection at once: each attempt is counted.
        let attempts = 0;
        const server = net.createServer((s) => {
          attempts++;
          s.destroy();
        });
        await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
        try {
          const port = (server.address() as net.AddressInfo).port;
          const connector = factory('mqtt://127.0.0.1:' + port, 'aimdb-backoff-' + process.pid);
          const { ctx, timers } = connectorContext(nodeTestAdapter(), 'backoff', [], []);
          connector.start(ctx);
          running.push({ connector, timers });
          await sleep(1000);
          // Delays 50, 100, 200, 200, ... ms (factory settings): about 6 attempts in one second,
          // where a fixed 50 ms period would make about 20.
          expect(attempts).to.be.within(4, 9);
        } finally {
          await new Promise<void>((res) => server.close(() => res()));
        }
      });
    });

    describe('last will', () => {
      it('is published by the broker as retained offline when the connection dies', async () => {
        const { nodeId, status, proxy } = await start([], []);
        // Cut the connector's TCP connection: no DISCONNECT was sent, so the broker fires the will.
        proxy.killAll();
        const o = await watcher(['aimdb/' + nodeId + '/status']);
        await waitFor(() => o.msgs.length >= 1, 5000, 'status');
        // Either the will (offline) or, after the connector reconnected, online again; the will must
        // have been seen by a subscriber in between.
        await waitFor(() => status.msgs.some((m) => m.text === 'offline'), 5000, 'will');
        await waitFor(() => o.msgs.some((m) => m.text === 'online'), 5000, 'online again');
      });
    });
  });
}

