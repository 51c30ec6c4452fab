/**
 * Ownership across nodes: two gateways on one broker producing the same topics. Both detect it, the
 * later one refuses, and it takes over when the owner's claims are released (clean stop or will).
 */
import { expect } from 'chai';
import mqtt from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../bridge/gateway/broker.js';
import { checkConfig } from '../../bridge/gateway/config.js';
import { Gateway } from '../../bridge/gateway/gateway.js';
import { Pos, device, simulatedLine, waitFor } from './support.js';

async function edge(node: string, url: string, dev: ReturnType<typeof device>): Promise<Gateway> {
  const line = simulatedLine(dev.db);
  const gw = new Gateway(checkConfig({ node_id: node, broker: { url }, devices: [{ name: 'pico', transport: 'sim://pico' }], log: { level: 'error' } }), {
    simulators: { pico: line.open },
    onLog: () => {},
  });
  await gw.start();
  await gw.ready();
  return gw;
}

describe('gateway ownership claims', function () {
  this.timeout(20000);
  let broker: EmbeddedBroker;
  const devs: Array<ReturnType<typeof device>> = [];
  const gws: Gateway[] = [];

  beforeEach(async () => {
    broker = await startEmbeddedBroker('127.0.0.1', 0);
  });
  afterEach(async () => {
    for (const g of gws.splice(0)) await g.stop();
    for (const d of devs.splice(0)) d.db.stop();
    await broker.close();
  });

  it('detects a second producer on both nodes and refuses on the later one', async () => {
    devs.push(device(), device());
    gws.push(await edge('edge-a', broker.url, devs[0]));
    await new Promise((r) => setTimeout(r, 20));
    gws.push(await edge('edge-b', broker.url, devs[1]));
    const [a, b] = gws;
    await waitFor(() => a.ownership!.conflicts.length > 0 && b.ownership!.conflicts.length > 0, 5000, 'both to detect the conflict');
    expect(a.ownership!.conflicts.map((c) => `${c.topic} owner=${c.owner}`)).to.include('aimdb/pico/actuator/position owner=edge-a');
    expect(b.ownership!.refusedTopics()).to.include('aimdb/pico/actuator/position');
    expect(a.ownership!.refusedTopics()).to.deep.equal([]);

    // Only the owner's values reach the broker.
    const sub = await mqtt.connectAsync(broker.url, { clientId: 'watcher' });
    const got: string[] = [];
    sub.on('message', (_t, p) => got.push(p.toString('utf8').replace(/^\x1e\d+\x1f/, '')));
    await sub.subscribeAsync('aimdb/pico/actuator/position', { qos: 1 });
    devs[1].db.set(Pos, { mm: 222 });
    devs[0].db.set(Pos, { mm: 111 });
    await waitFor(() => got.length >= 1, 3000, 'owner value');
    await new Promise((r) => setTimeout(r, 300));
    expect(got).to.deep.equal(['{"mm":111}']);
    expect(b.ownership!.refusedValues).to.equal(1);

    // The owner stops cleanly: its claims are released and the other node produces again.
    await a.stop();
    gws.shift();
    await waitFor(() => b.ownership!.refusedTopics().length === 0, 5000, 'takeover after release');
    devs[1].db.set(Pos, { mm: 333 });
    await waitFor(() => got.includes('{"mm":333}'), 3000, 'value from the new owner');
    await sub.endAsync();
  });

  it('releases the claims of a node that dies, through its last will', async () => {
    devs.push(device(), device());
    gws.push(await edge('edge-a', broker.url, devs[0]));
    await new Promise((r) => setTimeout(r, 20));
    gws.push(await edge('edge-b', broker.url, devs[1]));
    const b = gws[1];
    await waitFor(() => b.ownership!.refusedTopics().length > 0, 5000, 'refusal');
    // Kill edge-a's claims connection without a clean disconnect: the broker publishes its will.
    (gws[0].ownership as unknown as { client: mqtt.MqttClient }).client.stream.destroy();
    (gws[0].ownership as unknown as { client: mqtt.MqttClient }).client.options.reconnectPeriod = 0;
    await waitFor(() => b.ownership!.refusedTopics().length === 0, 5000, 'release by the will');
  });

  it('ignores claims dated before 2024 or in the future, and claims made on another node\'s topic', async () => {
    devs.push(device());
    gws.push(await edge('edge-a', broker.url, devs[0]));
    const a = gws[0];
    const m = await mqtt.connectAsync(broker.url, { clientId: 'mallory' });
    const topics = { 'aimdb/pico/actuator/position': 'x', 'aimdb/pico/status': 'x' };
    await m.publishAsync('aimdb/$owners/mallory', JSON.stringify({ node: 'mallory', since: 0, topics, refused: [] }), { retain: true, qos: 1 });
    await m.publishAsync('aimdb/$owners/mallory2', JSON.stringify({ node: 'mallory2', since: Date.now() + 7 * 86400000, topics, refused: [] }), { retain: true, qos: 1 });
    await m.publishAsync('aimdb/$owners/mallory3', JSON.stringify({ node: 'edge-a', since: Date.UTC(2024, 5, 1), topics, refused: [] }), { retain: true, qos: 1 });
    // A well-formed earlier claim by a real node is honoured (the control: without it, the test proves nothing).
    await m.publishAsync('aimdb/$owners/edge-z', JSON.stringify({ node: 'edge-z', since: Date.UTC(2024, 5, 1), topics: { 'aimdb/pico/actuator/state': 'x' }, refused: [] }), { retain: true, qos: 1 });
    await waitFor(() => a.ownership!.refusedTopics().length > 0, 5000, 'the control claim honoured');
    await new Promise((r) => setTimeout(r, 300));
    expect(a.ownership!.refusedTopics()).to.deep.equal(['aimdb/pico/actuator/state']);
    for (const n of ['mallory', 'mallory2', 'mallory3', 'edge-z']) await m.publishAsync('aimdb/$owners/' + n, Buffer.alloc(0), { retain: true, qos: 1 });
    await m.endAsync();
  });
});
