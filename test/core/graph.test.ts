import { expect } from 'chai';
import { builder, key, mailbox, manualRuntime, ring, singleLatest, type Connector } from '../../core/index.js';

const mqtt: Connector = { schemes: ['mqtt'], start() {}, stop() {} };
const Temp = key<number>('climate.temp', 'Temp');
const Hum = key<number>('climate.hum', 'Hum');
const Avg = key<number>('climate.avg', 'Temp');
const Alarm = key<string>('climate.alarm', 'Alarm');
const Cmd = key<string>('climate.cmd', 'Cmd');

function db() {
  return builder(manualRuntime())
    .withConnector(mqtt)
    .configure(Alarm, (r) => r.buffer(mailbox()).transformJoin((j) => j.input(Avg).input(Hum).onTriggers(() => {})))
    .configure(Temp, (r) =>
      r
        .buffer(ring(16))
        .source(() => {})
        .tap(() => {})
        .linkTo('mqtt://climate/temp')
        .withSerializer((_c, v) => String(v))
        .finish(),
    )
    .configure(Hum, (r) => r.buffer(ring(8)).linkFrom('mqtt://climate/+/hum').withDeserializer((_c, p) => Number(p)).finish())
    .configure(Avg, (r) => r.buffer(singleLatest()).transform(Temp, (t) => t.map((v) => v)))
    .configure(Cmd, (r) => r.buffer(mailbox()).remote({ writable: true }))
    .build();
}

describe('core/graph', () => {
  it('lists one node per record with origin, buffer, taps and links', () => {
    const g = db().graph();
    expect(g.nodes).to.deep.equal([
      { key: 'climate.alarm', origin: 'transformJoin', inbound: [], bufferType: 'mailbox', bufferCapacity: 1, tapCount: 0, outbound: [] },
      { key: 'climate.temp', origin: 'source', inbound: [], bufferType: 'spmc_ring', bufferCapacity: 16, tapCount: 1, outbound: [{ protocol: 'mqtt', address: 'climate/temp' }] },
      { key: 'climate.hum', origin: 'link', inbound: [{ protocol: 'mqtt', address: 'climate/+/hum' }], bufferType: 'spmc_ring', bufferCapacity: 8, tapCount: 0, outbound: [] },
      { key: 'climate.avg', origin: 'transform', inbound: [], bufferType: 'single_latest', bufferCapacity: 1, tapCount: 0, outbound: [] },
      { key: 'climate.cmd', origin: 'passive', inbound: [], bufferType: 'mailbox', bufferCapacity: 1, tapCount: 0, outbound: [] },
    ]);
  });

  it('lists edges of every kind', () => {
    expect(db().graph().edges).to.deep.equal([
      { from: 'climate.avg', to: 'climate.alarm', kind: 'transformJoin' },
      { from: 'climate.hum', to: 'climate.alarm', kind: 'transformJoin' },
      { from: 'climate.temp', to: 'mqtt://climate/temp', kind: 'linkOut', protocol: 'mqtt' },
      { from: 'source:climate.temp', to: 'climate.temp', kind: 'source' },
      { from: 'climate.temp', to: 'tap:climate.temp#0', kind: 'tap' },
      { from: 'mqtt://climate/+/hum', to: 'climate.hum', kind: 'link', protocol: 'mqtt' },
      { from: 'climate.temp', to: 'climate.avg', kind: 'transform' },
    ]);
  });

  it('orders records topologically: inputs first, otherwise in declaration order', () => {
    expect(db().graph().topoOrder).to.deep.equal(['climate.temp', 'climate.hum', 'climate.avg', 'climate.cmd', 'climate.alarm']);
  });

  it('describes records for remote access, with writability and live counters', () => {
    const d = db();
    d.start();
    d.set(Cmd, 'open');
    const rows = d.records();
    const cmd = rows.find((r) => r.key === 'climate.cmd')!;
    expect(cmd).to.deep.include({ id: 4, type: 'Cmd', bufferType: 'mailbox', origin: 'passive', producerCount: 0, writable: true, hasProducerStage: false });
    expect(cmd.metrics).to.deep.equal({ produced: 1, consumed: 0, dropped: 0, rejected: 0, errors: 0, occupancy: 1, capacity: 1 });
    const temp = rows.find((r) => r.key === 'climate.temp')!;
    expect(temp.writable).to.equal(false);
    expect(temp.consumerCount).to.equal(2); // the transform's reader and the outbound link's (this tap never subscribes)
    expect(temp.links).to.deep.equal([{ direction: 'out', url: 'mqtt://climate/temp', metrics: { sent: 0, received: 0, decodeErrors: 0, encodeErrors: 0, dropped: 0, queued: 0, gaps: 0 } }]);
    expect(() => d.set(Temp, 1)).to.throw("record 'climate.temp' is written by its source");
    expect(d.latest(d.findRecord('climate.cmd'))).to.equal('open');
    expect(d.findRecord('nope')).to.equal(-1);
  });
});

describe('core/builder: configuration is fixed at build()', () => {
  it('refuses configure() and withConnector() after build(), and the database keeps what was built', () => {
    const b = builder(manualRuntime()).configure(Cmd, (r) => r.buffer(mailbox()).remote({ writable: true }));
    const d = b.build().start();
    expect(() => b.configure(Cmd, (r) => r.source(() => {}))).to.throw().with.property('code', 'ALREADY_BUILT');
    expect(() => b.withConnector(mqtt)).to.throw().with.property('code', 'ALREADY_BUILT');
    expect(() => b.build()).to.throw().with.property('code', 'ALREADY_BUILT');
    // What the record is (passive, writable) did not change: set works and every view agrees.
    d.set(Cmd, 'open');
    expect(d.peek(Cmd)).to.equal('open');
    expect(d.records()[0]).to.deep.include({ origin: 'passive', writable: true, hasProducerStage: false });
    expect(d.graph().nodes[0].origin).to.equal('passive');
  });

  it('answers records() and graph() the same before and after start() (stages are dropped at start)', () => {
    const d = db();
    const before = { rows: d.records().map((r) => ({ key: r.key, origin: r.origin, type: r.type, writable: r.writable })), graph: d.graph() };
    d.start();
    const after = { rows: d.records().map((r) => ({ key: r.key, origin: r.origin, type: r.type, writable: r.writable })), graph: d.graph() };
    expect(after).to.deep.equal(before);
    expect(d._p.setup).to.equal(null);
  });
});
