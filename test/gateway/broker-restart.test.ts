/**
 * The upstream broker restarted mid-stream (a real aedes on 127.0.0.1, stopped and started again on
 * the same port): SingleLatest converges, every ring value is either received or counted as a gap,
 * and subscriptions come back.
 */
import { expect } from 'chai';
import { builder, key, ring, singleLatest, utf8Decode, type Database } from '../../core/index.js';
import { nodeRuntime } from '../../targets/node/index.js';
import { nodeMqttConnector } from '../../bridge/mqtt/index.js';
import mqtt from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../bridge/gateway/broker.js';
import { checkConfig } from '../../bridge/gateway/config.js';
import { Gateway } from '../../bridge/gateway/gateway.js';
import { Pos, St, device, simulatedLine, waitFor, type Position, type State } from './support.js';

const RxPos = key<Position>('rx.position', 'Position');
const RxState = key<State>('rx.state', 'State');

/** An independent AimDB node that mirrors the gateway's topics and counts what it receives. */
function receiver(url: string) {
  const got: number[] = [];
  const db = builder(nodeRuntime({ sink: () => {} }))
    .nodeId('receiver')
    .withConnector(nodeMqttConnector({ url, reconnectMinMs: 100, reconnectMaxMs: 300 }))
    .configure(RxPos, (r) =>
      r
        .buffer(ring(256))
        .linkFrom('mqtt://aimdb/pico/actuator/position')
        .withDeserializer((_c, p) => JSON.parse(typeof p === 'string' ? p : utf8Decode(p)) as Position)
        .finish()
        .tap((_c, c) => void c.each((v) => got.push(v.mm))),
    )
    .configure(RxState, (r) =>
      r
        .buffer(singleLatest())
        .linkFrom('mqtt://aimdb/pico/actuator/state')
        .withDeserializer((_c, p) => JSON.parse(typeof p === 'string' ? p : utf8Decode(p)) as State)
        .finish(),
    )
    .build()
    .start();
  const inLink = () => db.records().find((r) => r.key === 'rx.position')!.links[0].metrics;
  return { db, got, inLink };
}

describe('gateway: broker restarted mid-stream', function () {
  this.timeout(40000);
  let broker: EmbeddedBroker;
  let gw: Gateway;
  let dev: ReturnType<typeof device>;
  let rx: ReturnType<typeof receiver>;

  before(async () => {
    broker = await startEmbeddedBroker('127.0.0.1', 0);
    dev = device();
    const line = simulatedLine(dev.db);
    gw = new Gateway(checkConfig({ node_id: 'edge-r', broker: { url: broker.url }, devices: [{ name: 'pico', transport: 'sim://pico' }], log: { level: 'error' } }), {
      simulators: { pico: line.open },
      onLog: () => {},
    });
    await gw.start();
    await gw.ready();
    rx = receiver(broker.url);
  });

  after(async () => {
    rx?.db.stop();
    await gw?.stop();
    dev?.db.stop();
    await broker?.close();
  });

  it('converges, counts every lost ring value, and resubscribes', async () => {
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 1; i <= 10; i++) dev.db.set(Pos, { mm: i });
    await waitFor(() => rx.got.length === 10, 5000, 'first 10 values');

    const port = broker.port;
    await broker.close();
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 11; i <= 60; i++) dev.db.set(Pos, { mm: i });
    dev.db.set(St, { open: true });
    await new Promise((r) => setTimeout(r, 300));
    broker = await startEmbeddedBroker('127.0.0.1', port);
    await gw.ready(15000);
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 61; i <= 70; i++) dev.db.set(Pos, { mm: i });
    await waitFor(() => rx.got[rx.got.length - 1] === 70, 15000, 'value 70 after the restart');

    // Every value 1..70 is either received or counted as a gap by the receiving link.
    const m = rx.inLink();
    expect(rx.got.length + m.gaps).to.equal(70);
    expect(rx.got).to.deep.equal([...rx.got].sort((a, b) => a - b));
    // What the gateway's offline queue dropped is visible on its outbound link.
    const out = gw.db!.records().find((r) => r.key === 'pico.actuator.position')!.links.find((l) => l.direction === 'out')!.metrics;
    expect(out.dropped).to.be.greaterThan(0);
    expect(m.gaps).to.be.at.least(out.dropped);

    // SingleLatest converged: the state changed during the outage is there after it.
    await waitFor(() => (rx.db.peek(RxState) as State | undefined)?.open === true, 5000, 'state to converge');

    // Subscriptions came back: a command published now reaches the device.
    const op = await mqtt.connectAsync(broker.url, { clientId: 'operator' });
    await op.publishAsync('aimdb/pico/actuator/cmd/set', JSON.stringify({ open: false }), { qos: 1 });
    await waitFor(() => dev.commands.length === 1, 8000, 'command after restart');
    await op.endAsync();
    expect(dev.db.peek(St)).to.deep.equal({ open: false });
  });
});
