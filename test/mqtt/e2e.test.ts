import { expect } from 'chai';
import { builder, key, ring, singleLatest, mailbox, utf8Decode, Payload, Database, RuntimeContext } from '../../core/index.js';
import { mqttConnector } from '../../core/mqtt/connector.js';
import { nodeMqttConnector } from '../../bridge/mqtt/connector.js';
import { nodeSockets } from '../../targets/node/net.js';
import { nodeTestAdapter, observer, sleep, startAedes, TestBroker, waitFor } from './helpers.js';

interface Reading {
  zone: string;
  c: number;
}

const toJson = (_ctx: RuntimeContext, v: unknown): Payload => JSON.stringify(v);
const fromJson = (_ctx: RuntimeContext, p: Payload): any => JSON.parse(typeof p === 'string' ? p : utf8Decode(p));

describe('MQTT end to end through two databases (aedes)', function () {
  this.timeout(15000);
  let broker: TestBroker;
  const dbs: Database[] = [];
  const logs: string[] = [];

  before(async () => {
    broker = await startAedes();
  });
  afterEach(() => {
    for (const db of dbs.splice(0)) db.stop();
  });
  after(async () => {
    await broker.stop();
  });

  const fast = { reconnectMinMs: 50, reconnectMaxMs: 200, reconnectJitter: 0 };

  it('carries a ring record from an MCU-style database (core client) to a gateway database (MQTT.js) over a wildcard link', async () => {
    const root = `e2e/${process.pid}/ring`;
    const Temp = key<Reading>('sensor.temp', 'Reading');
    const AllTemps = key<Reading>('gateway.temps', 'Reading');

    const mcu = builder(nodeTestAdapter(logs)).nodeId('mcu-1')
      .withConnector(mqttConnector({ url: broker.url, sockets: nodeSockets(), ...fast }))
      .configure(Temp, (r) => r.buffer(ring(16)).linkTo(`mqtt://${root}/zone-a/temp`).withSerializer(toJson).finish())
      .build();
    const gwConnector = nodeMqttConnector({ url: broker.url, ...fast });
    const got: Array<[number, number]> = [];
    const gw = builder(nodeTestAdapter(logs)).nodeId('gw-1')
      .withConnector(gwConnector)
      .configure(AllTemps, (r) => r.buffer(ring(32))
        .linkFrom(`mqtt://${root}/+/temp`).withDeserializer(fromJson).finish()
        .tap((_ctx, consumer) => {
          consumer.each((v, seq) => got.push([seq, v.c]));
        }))
      .build();
    dbs.push(gw, mcu);
    const status = await observer(broker.url, ['aimdb/mcu-1/status']);
    try {
      gw.start();
      await gwConnector.ready(5000);
      mcu.start();
      await waitFor(() => status.msgs.some((m) => m.text === 'online'), 5000, 'mcu online');
      await sleep(100); // the gateway's SUBACK
      for (let i = 1; i <= 5; i++) mcu.set(Temp, { zone: 'a', c: 20 + i });
      await waitFor(() => got.length >= 5, 5000, () => 'five readings, got ' + JSON.stringify(got));
      expect(got.map((g) => g[1])).to.deep.equal([21, 22, 23, 24, 25]);
      const info = gw.records().find((r) => r.key === 'gateway.temps')!;
      expect(info.links.map((l) => [l.direction, l.metrics.received, l.metrics.gaps, l.metrics.decodeErrors])).to.deep.equal([['in', 5, 0, 0]]);
      const out = mcu.records().find((r) => r.key === 'sensor.temp')!;
      expect(out.links.map((l) => [l.direction, l.metrics.sent, l.metrics.dropped])).to.deep.equal([['out', 5, 0]]);
    } finally {
      await status.end();
    }
  });

  it('counts end to end, as link gaps on the receiver, the values a sender ring overwrote before they went out', async () => {
    const root = `e2e/${process.pid}/gaps`;
    const Sample = key<number>('adc.sample', 'number');
    const mcuConnector = mqttConnector({ url: broker.url, sockets: nodeSockets(), ...fast });
    const mcu = builder(nodeTestAdapter(logs)).nodeId('mcu-3')
      .withConnector(mcuConnector)
      .configure(Sample, (r) => r.buffer(ring(4)).linkTo(`mqtt://${root}/adc`).withSerializer((_c, v) => String(v)).finish())
      .build();
    const gwConnector = nodeMqttConnector({ url: broker.url, ...fast });
    const got: number[] = [];
    const gw = builder(nodeTestAdapter(logs)).nodeId('gw-3')
      .withConnector(gwConnector)
      .configure(Sample, (r) => r.buffer(ring(64))
        .linkFrom(`mqtt://${root}/adc`).withDeserializer((_c, p) => Number(typeof p === 'string' ? p : utf8Decode(p))).finish()
        .tap((_ctx, consumer) => {
          consumer.each((v) => got.push(v));
        }))
      .build();
    dbs.push(gw, mcu);
    gw.start();
    await gwConnector.ready(5000);
    mcu.start();
    await waitFor(() => !!mcuConnector.client && mcuConnector.client.connected, 5000, 'mcu connected');
    await sleep(100);
    mcu.set(Sample, 1);
    await waitFor(() => got.length === 1, 5000, 'first sample');
    // 20 values in one synchronous burst into a ring of 4: the outbound reader lags by 16.
    for (let i = 2; i <= 21; i++) mcu.set(Sample, i);
    await waitFor(() => got.length >= 5, 5000, () => 'burst tail, got ' + JSON.stringify(got));
    await sleep(100);
    expect(got).to.deep.equal([1, 18, 19, 20, 21]);
    const link = gw.records().find((r) => r.key === 'adc.sample')!.links[0];
    expect([link.metrics.received, link.metrics.gaps]).to.deep.equal([5, 16]);
  });

  it('hands a late-starting database the retained SingleLatest value and delivers Mailbox commands once', async () => {
    const root = `e2e/${process.pid}/state`;
    const Setpoint = key<number>('hvac.setpoint', 'number');
    const Command = key<string>('hvac.command', 'string');

    const gw = builder(nodeTestAdapter(logs)).nodeId('gw-2')
      .withConnector(nodeMqttConnector({ url: broker.url, ...fast }))
      .configure(Setpoint, (r) => r.buffer(singleLatest()).linkTo(`mqtt://${root}/setpoint`).withSerializer((_c, v) => String(v)).finish())
      .configure(Command, (r) => r.buffer(mailbox()).linkTo(`mqtt://${root}/command`).withSerializer((_c, v) => v).finish())
      .build();
    dbs.push(gw);
    gw.start();
    gw.set(Setpoint, 21.5);
    await sleep(300);

    const mcuConnector = mqttConnector({ url: broker.url, sockets: nodeSockets(), ...fast });
    const mcu = builder(nodeTestAdapter(logs)).nodeId('mcu-2')
      .withConnector(mcuConnector)
      .configure(Setpoint, (r) => r.buffer(singleLatest()).linkFrom(`mqtt://${root}/setpoint`)
        .withDeserializer((_c, p) => Number(typeof p === 'string' ? p : utf8Decode(p))).finish())
      .configure(Command, (r) => r.buffer(mailbox()).linkFrom(`mqtt://${root}/command`)
        .withDeserializer((_c, p) => (typeof p === 'string' ? p : utf8Decode(p))).finish())
      .build();
    dbs.push(mcu);
    mcu.start();
    await waitFor(() => mcu.peek(Setpoint) === 21.5, 5000, 'retained setpoint');
    await waitFor(() => mcuConnector.client!.connected, 5000, 'mcu connected');
    await sleep(100);
    gw.set(Command, 'defrost');
    await waitFor(() => mcu.peek(Command) === 'defrost', 5000, 'command');
    expect(mcu.tryGet(Command)).to.equal('defrost');
    expect(mcu.tryGet(Command)).to.equal(undefined);
  });
});
