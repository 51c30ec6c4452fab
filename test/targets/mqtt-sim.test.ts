/**
 * climate-sensor's real ESP32 bundle on the simulated board, talking MQTT to a real broker on
 * loopback (aedes in-process): readings go out, a command and a retained configuration come in, and
 * the configuration is persisted to Storage.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { bootBundle } from '../../bridge/sim/espruino-sim.js';
import { startAedes } from '../mqtt/helpers.js';
import { ensureBuilt, ROOT } from './helpers.js';

describe('climate-sensor bundle over MQTT (simulated ESP32, loopback broker)', function () {
  this.timeout(60_000);
  before(() => ensureBuilt());

  it('publishes readings and takes a command and a retained configuration', async () => {
    const broker = await startAedes(0);
    const seen: Array<[string, string]> = [];
    const client = mqtt.connect(broker.url);
    await new Promise<void>((r) => client.on('connect', () => r()));
    await client.subscribeAsync(['climate/#', 'aimdb/#']);
    client.on('message', (topic, payload) => seen.push([topic, payload.toString()]));
    await client.publishAsync('climate/zone-a/config', JSON.stringify({ intervalMs: 2000, tempOffset: 1 }), { retain: true, qos: 1 });

    const sim = bootBundle(readFileSync(join(ROOT, 'dist/climate-sensor.esp32.js'), 'utf8'), {
      jsVars: 16383,
      // The app's settings name the site broker; the simulation routes it to the loopback broker.
      netRoute: (host, port) => (host === '192.168.1.10' && port === 1883 ? { host: '127.0.0.1', port: broker.port } : null),
    });
    try {
      // Virtual time outruns the real sockets: 1 ms steps (one event-loop turn each) at first.
      await sim.runFor(1000, 1);
      await sim.runFor(3000, 20);
      await client.publishAsync('climate/zone-a/cmd', JSON.stringify({ action: 'report' }), { qos: 1 });
      await sim.runFor(18000, 20);
      // Let the broker deliver what the device wrote in the last virtual seconds.
      await new Promise((r) => setTimeout(r, 300));
      // Ring values carry their record sequence number on the wire (CONTRACT §9): \x1E<seq>\x1F<json>.
      const temps = seen.filter(([t]) => t === 'climate/zone-a/temp').map(([, p]) => JSON.parse(p.replace(/^\x1E\d+\x1F/, '')));
      expect(Object.keys(temps[0])).to.deep.equal(['t', 'v']);
      // The first sample is at 1 s. Each sample schedules the next with the interval known then:
      // 10 s (default) until the retained configuration (2 s) has arrived over the real socket —
      // usually after the first sample, as virtual time outruns the broker — then 2 s.
      const ts = temps.map((r) => r.t);
      const gaps = ts.slice(1).map((t, i) => t - ts[i]);
      expect(ts[0]).to.equal(1000);
      expect(gaps.slice(-3)).to.deep.equal([2000, 2000, 2000]);
      expect(gaps.every((g) => g === 2000 || g === 10000), String(gaps)).to.equal(true);
      expect(seen.filter(([t]) => t === 'climate/zone-a/hum').length).to.equal(temps.length);
      expect(seen.some(([t, p]) => t === 'aimdb/climate-esp32-a/status' && p === 'online')).to.equal(true);
      expect(sim.lines).to.include('cmd report');
      expect(sim.storageContents()).to.deep.equal({ 'aimdb.latest': '{"climate.config":{"intervalMs":2000,"tempOffset":1}}' });
    } finally {
      sim.kill();
      sim.dispose();
      await client.endAsync();
      await broker.stop();
    }
  });
});
