/**
 * The gateway end to end on loopback: a device database serving AimX over a simulated serial line
 * (COBS frames on an in-memory stream pair), the gateway with its embedded aedes broker, and an
 * independent MQTT.js client.
 */
import { expect } from 'chai';
import mqtt from 'mqtt';
import { envelopeLength } from '../../core/mqtt/index.js';
import { connectAimx } from '../../bridge/aimx/index.js';
import { checkConfig } from '../../bridge/gateway/config.js';
import { Gateway } from '../../bridge/gateway/gateway.js';
import { Pos, St, device, simulatedLine, waitFor } from './support.js';

function strip(payload: Buffer): string {
  const n = envelopeLength(payload, [0]);
  return payload.subarray(n).toString('utf8');
}

describe('gateway', function () {
  this.timeout(20000);
  let dev: ReturnType<typeof device>;
  let gw: Gateway;
  let sub: mqtt.MqttClient | undefined;

  beforeEach(async () => {
    dev = device();
    const line = simulatedLine(dev.db);
    const config = checkConfig({
      node_id: 'edge-test',
      embedded_broker: { port: 0 },
      devices: [{ name: 'pico', transport: 'sim://pico' }],
      remote: { tcp: '127.0.0.1:0' },
      log: { level: 'warn' },
    });
    gw = new Gateway(config, { simulators: { pico: line.open }, onLog: () => {} });
    await gw.start();
    await gw.ready();
  });

  afterEach(async () => {
    await sub?.endAsync();
    sub = undefined;
    await gw.stop();
    dev.db.stop();
  });

  it('discovers the device records and builds twins without per-record code', () => {
    expect(gw.plan.map((t) => `${t.key} ${t.role} ${t.from.join(',')} -> ${t.to ?? ''}`)).to.deep.equal([
      'pico.$status status device://pico/$status -> mqtt://aimdb/pico/status',
      'pico.actuator.position state device://pico/actuator.position -> mqtt://aimdb/pico/actuator/position',
      'pico.actuator.state state device://pico/actuator.state -> mqtt://aimdb/pico/actuator/state',
      'pico.actuator.cmd.set command mqtt://aimdb/pico/actuator/cmd/set -> device://pico/actuator.cmd',
    ]);
    expect(gw.db!.records().find((r) => r.key === 'pico.actuator.cmd.set')!.writable).to.equal(true);
  });

  it('bridges device values to MQTT for an independent subscriber, with the wire policy', async () => {
    sub = await mqtt.connectAsync(gw.endpoints().mqtt, { clientId: 'independent' });
    const got: Array<{ topic: string; payload: string; retain: boolean; qos: number }> = [];
    sub.on('message', (topic, payload, packet) => got.push({ topic, payload: strip(payload), retain: packet.retain, qos: packet.qos }));
    await sub.subscribeAsync('aimdb/pico/#', { qos: 1 });
    for (let i = 1; i <= 5; i++) dev.db.set(Pos, { mm: i * 10 });
    dev.db.set(St, { open: false });
    await waitFor(() => got.filter((g) => g.topic === 'aimdb/pico/actuator/position').length === 5 && got.some((g) => g.topic === 'aimdb/pico/actuator/state'), 5000, 'mqtt messages');
    expect(got.filter((g) => g.topic === 'aimdb/pico/actuator/position').map((g) => g.payload)).to.deep.equal(['{"mm":10}', '{"mm":20}', '{"mm":30}', '{"mm":40}', '{"mm":50}']);
    const status = got.find((g) => g.topic === 'aimdb/pico/status');
    expect(status && JSON.parse(status.payload)).to.deep.include({ device: 'pico', state: 'online', records: 3 });
  });

  it('publishes SingleLatest state retained, so a late subscriber gets the current value', async () => {
    dev.db.set(St, { open: true });
    await waitFor(() => gw.db!.records().find((r) => r.key === 'pico.actuator.state')!.links.some((l) => l.direction === 'out' && l.metrics.sent > 0), 5000, 'state published');
    sub = await mqtt.connectAsync(gw.endpoints().mqtt, { clientId: 'late' });
    const got: Array<{ payload: string; retain: boolean }> = [];
    sub.on('message', (_t, payload, packet) => got.push({ payload: strip(payload), retain: packet.retain }));
    await sub.subscribeAsync('aimdb/pico/actuator/state');
    await waitFor(() => got.length > 0, 3000, 'retained state');
    expect(got[0]).to.deep.equal({ payload: '{"open":true}', retain: true });
  });

  it('routes a command from MQTT to the device Mailbox, once', async () => {
    sub = await mqtt.connectAsync(gw.endpoints().mqtt, { clientId: 'operator' });
    await sub.publishAsync('aimdb/pico/actuator/cmd/set', JSON.stringify({ open: true }), { qos: 1 });
    await waitFor(() => dev.commands.length === 1, 5000, 'command at the device');
    await new Promise((r) => setTimeout(r, 200));
    expect(dev.commands).to.deep.equal([{ open: true }]);
    expect(dev.db.peek(St)).to.deep.equal({ open: true });
  });

  it('counts a malformed command payload and keeps running', async () => {
    sub = await mqtt.connectAsync(gw.endpoints().mqtt, { clientId: 'bad' });
    await sub.publishAsync('aimdb/pico/actuator/cmd/set', '{not json', { qos: 1 });
    await sub.publishAsync('aimdb/pico/actuator/cmd/set', JSON.stringify({ open: false }), { qos: 1 });
    await waitFor(() => dev.commands.length === 1, 5000, 'the good command');
    const link = gw.db!.records().find((r) => r.key === 'pico.actuator.cmd.set')!.links.find((l) => l.direction === 'in')!;
    expect(link.metrics.decodeErrors).to.equal(1);
    expect(dev.commands).to.deep.equal([{ open: false }]);
  });

  it('serves the twins over AimX TCP, where a remote write reaches the device', async () => {
    const conn = await connectAimx(gw.endpoints().aimx[0]);
    const rows = await conn.listRecords();
    expect(rows.map((r: { record_key: string }) => r.record_key)).to.include.members(['pico.actuator.position', 'pico.actuator.cmd.set']);
    await conn.setRecord('pico.actuator.cmd.set', { open: true });
    await waitFor(() => dev.commands.length === 1, 5000, 'remote write at the device');
    await conn.close();
  });
});
