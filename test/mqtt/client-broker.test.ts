import { expect } from 'chai';
import * as net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { MqttClient, MqttClientOptions } from '../../core/mqtt/client.js';
import { utf8Decode } from '../../core/bytes.js';
import { nodeSockets } from '../../targets/node/net.js';
import { TimerSet } from '../../core/runtime/context.js';
import { nodeTestAdapter, observer, sleep, startAedes, startMosquitto, startProxy, TestBroker, testContext, waitFor } from './helpers.js';

/** A proxy that forwards both ways but swallows the first `n` PUBACKs going to the client. */
async function pubackDropper(targetPort: number, n: number): Promise<{ url: string; dropped: () => number; close(): Promise<void> }> {
  let dropped = 0;
  const socks = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const up = net.createConnection({ host: '127.0.0.1', port: targetPort });
    socks.add(client).add(up);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p) => {
      if (p.cmd === 'puback' && dropped < n) dropped++;
      else client.write(mqttPacket.generate(p));
    });
    up.on('data', (d) => parser.parse(d));
    client.pipe(up);
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  return {
    url: 'mqtt://127.0.0.1:' + (server.address() as net.AddressInfo).port,
    dropped: () => dropped,
    async close() {
      for (const s of socks) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

for (const [brokerName, startBroker] of [['aedes', () => startAedes()], ['mosquitto', startMosquitto]] as const) {
  describe(`core/mqtt MqttClient on Node sockets against ${brokerName}`, function () {
    this.timeout(15000);
    let broker: TestBroker;
    const cleanups: Array<() => unknown> = [];
    let n = 0;

    before(async () => {
      broker = await startBroker();
    });
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });
    after(async () => {
      await broker.stop();
    });

    function client(url: string, extra: Partial<MqttClientOptions> = {}) {
      const m = /:(\d+)$/.exec(url)!;
      const { ctx, timers } = testContext(nodeTestAdapter());
      const got: string[] = [];
      const c = new MqttClient(nodeSockets(), ctx, {
        host: '127.0.0.1', port: Number(m[1]), clientId: `core-${process.pid}-${++n}`,
        reconnectMinMs: 50, reconnectMaxMs: 200, reconnectJitter: 0, keepalive: 5,
        onMessage: (t, p, q) => got.push(`${t} ${utf8Decode(p)} q${q}`),
        ...extra,
      });
      cleanups.push(() => {
        c.stop();
        (timers as TimerSet).cancelAll();
      });
      return { c, got };
    }
    async function watch(filters: string[]) {
      const o = await observer(broker.url, filters, 2);
      cleanups.push(() => o.end());
      return o;
    }

    describe('publish and subscribe', () => {
      it('round-trips QoS 0, 1 and 2 through the broker and routes wildcard subscriptions', async () => {
        const root = `cb/${process.pid}/${++n}`;
        const { c, got } = client(broker.url);
        c.subscribe(root + '/+/x', 2);
        c.subscribe(root + '/b/#', 0);
        c.start();
        await waitFor(() => c.connected && c.granted(root + '/+/x') === 2, 5000, 'SUBACK');
        c.publish(root + '/a/x', 'q0', 0, false);
        c.publish(root + '/a/x', 'q1', 1, false);
        c.publish(root + '/a/x', 'q2', 2, false);
        c.publish(root + '/b', 'other', 1, false);
        await waitFor(() => got.length >= 4 && c.inflight === 0, 5000, () => 'messages: ' + got.join(', '));
        await sleep(100);
        expect(got.slice().sort()).to.deep.equal([root + '/a/x q0 q0', root + '/a/x q1 q1', root + '/a/x q2 q2', root + '/b other q0']);
        expect(c.stats.malformed).to.equal(0);
      });

      it('keeps the connection alive with PINGREQ (keepalive 1 s) without timeouts', async () => {
        const { c } = client(broker.url, { keepalive: 1, pingTimeoutMs: 500 });
        c.start();
        await waitFor(() => c.connected, 5000, 'connect');
        await sleep(2600);
        expect([c.connected, c.stats.pingTimeouts, c.stats.connects]).to.deep.equal([true, 0, 1]);
      });
    });

    describe('last will', () => {
      it('is seen by another client when the connection dies without DISCONNECT', async () => {
        const topic = `cb/${process.pid}/will${++n}`;
        const proxy = await startProxy(broker.port);
        cleanups.push(() => proxy.close());
        const o = await watch([topic]);
        const { c } = client(proxy.url, { will: { topic, payload: 'offline', qos: 1, retain: true }, reconnectMinMs: 5000, reconnectMaxMs: 5000 });
        c.start();
        await waitFor(() => c.connected, 5000, 'connect');
        proxy.killAll();
        await waitFor(() => o.msgs.length > 0, 5000, 'will');
        expect(o.msgs.map((m) => m.text)).to.deep.equal(['offline']);
      });
    });

    describe('reconnect', () => {
      it('reconnects after a broker restart and subscribes again', async () => {
        const topic = `cb/${process.pid}/cmd${++n}`;
        const { c, got } = client(broker.url);
        c.subscribe(topic + '/#', 1);
        c.start();
        await waitFor(() => c.connected, 5000, 'connect');
        await broker.restart();
        await waitFor(() => c.stats.connects === 2 && c.granted(topic + '/#') === 1, 8000, 'reconnect and SUBACK');
        const o = await watch([]);
        await o.client.publishAsync(topic + '/go', 'now', { qos: 1 });
        await waitFor(() => got.length > 0, 5000, 'message after restart');
        expect(got).to.deep.equal([topic + '/go now q1']);
        expect(c.stats.disconnects).to.equal(1);
      });
    });

    describe('QoS 1 retransmission', () => {
      it('re-sends with DUP when the PUBACK is lost, until acknowledged', async () => {
        const topic = `cb/${process.pid}/rt${++n}`;
        const proxy = await pubackDropper(broker.port, 1);
        cleanups.push(() => proxy.close());
        const o = await watch([topic]);
        const { c } = client(proxy.url, { retryMs: 200 });
        c.start();
        await waitFor(() => c.connected, 5000, 'connect');
        c.publish(topic, 'once', 1, false);
        await waitFor(() => c.inflight === 0, 5000, 'acknowledged');
        expect([proxy.dropped(), c.stats.retransmits]).to.deep.equal([1, 1]);
        await waitFor(() => o.msgs.length >= 1, 5000, 'delivered');
        // At least once: the broker may forward the DUP as a second copy.
        expect(o.msgs.every((m) => m.text === 'once')).to.equal(true);
      });
    });
  });
}
