/**
 * Power cycle of a simulated ESP32 running the real climate-sensor bundle (bridge/sim, Storage
 * backed by a file), over MQTT through the fault proxy to aedes: the SingleLatest configuration is
 * restored from flash at boot (before any network, and although the broker's retained copy is gone),
 * and ring readings queued in RAM when power is cut are lost without a count (the sequence restarts).
 * Skipped when dist/ has no climate-sensor bundle (`make build`).
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { bootBundle, type EspruinoSim } from '../../bridge/sim/espruino-sim.js';
import { startFaultProxy, type FaultProxy } from './proxy.js';
import { recordScenario } from './results.js';
import { sleep, startBroker, type BrokerCtl, cleanupStack } from './rig.js';

const BUNDLE = resolve(fileURLToPath(import.meta.url), '../../../dist/climate-sensor.esp32.js');

describe('faults: simulated ESP32 (real climate-sensor bundle) power-cycled', function () {
  this.timeout(40000);
  const stops = cleanupStack();

  it('restores its SingleLatest config from Storage at boot; readings in RAM at the cut are lost uncounted', async function () {
    if (!existsSync(BUNDLE)) this.skip();
    const t0 = Date.now();
    const code = readFileSync(BUNDLE, 'utf8');
    const broker: BrokerCtl = await startBroker('aedes');
    stops.push(() => broker.stop());
    const proxy: FaultProxy = await startFaultProxy(broker.port);
    stops.push(() => proxy.close());
    const dir = mkdtempSync(join(tmpdir(), 'aimdb-sim-flash-'));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    const storageFile = join(dir, 'storage.json');
    const seen: Array<{ seq: number; t: number; board: number }> = [];
    let board = 1;
    const obs = await mqtt.connectAsync(broker.url, { clientId: 'sim-obs' });
    stops.push(() => obs.endAsync(true));
    obs.on('message', (_t, p) => {
      const m = /^\x1e(\d+)\x1f(.*)$/s.exec(p.toString());
      if (m) seen.push({ seq: Number(m[1]), t: (JSON.parse(m[2]) as { t: number }).t, board });
    });
    await obs.subscribeAsync('climate/zone-a/temp', { qos: 0 });
    const boot = (): EspruinoSim => {
      const sim = bootBundle(code, { jsVars: 16383, storageFile, wifi: { connectMs: 20 }, netRoute: (h, p) => (h === '192.168.1.10' && p === 1883 ? { host: '127.0.0.1', port: proxy.port } : null) });
      stops.push(() => sim.dispose());
      return sim;
    };

    // Life 1: the operator sets the config (retained); the board applies and persists it.
    await obs.publishAsync('climate/zone-a/config', JSON.stringify({ intervalMs: 1000, tempOffset: 2 }), { retain: true, qos: 1 });
    let sim = boot();
    await sim.runFor(1000, 1);
    await sim.runFor(9000, 20);
    await sleep(200);
    expect(JSON.parse(String(sim.storageContents()['aimdb.latest']))['climate.config']).to.deep.equal({ intervalMs: 1000, tempOffset: 2 });
    const life1Received = seen.length;
    // The broker loses its retained copy; the link goes dark; the board keeps sampling into its queue.
    await obs.publishAsync('climate/zone-a/config', '', { retain: true, qos: 1 });
    proxy.partition();
    await sim.runFor(4000, 20);
    // Power cut: no kill event (no flush), sockets gone.
    sim.dispose();
    proxy.heal();
    const life1MaxSeq = Math.max(...seen.map((s) => s.seq));

    // Life 2: boots from flash.
    board = 2;
    sim = boot();
    await sim.runFor(1000, 1);
    await sim.runFor(5000, 20);
    await sleep(300);
    const life2 = seen.filter((s) => s.board === 2);
    const spacing = life2.length >= 2 ? life2[1].t - life2[0].t : -1;
    expect(life2.length, 'readings after the reboot').to.be.at.least(2);
    // The restored config (1 s), not the default (10 s), drives sampling from the first reading on.
    expect(spacing).to.equal(1000);
    expect(life2[0].seq, 'the ring sequence restarts at boot').to.equal(1);
    // Life 1 sampled every second for ~4 s after the link went dark: those readings are gone, and no
    // gap count can show it (the receiver sees the sequence restart).
    const producedDark = 4; // 4 s dark at the restored 1 s interval
    expect(seen.filter((s) => s.board === 1).length, 'nothing from the dark period arrived').to.equal(life1Received);
    recordScenario('sim-esp32-power-cycle', {
      title: 'Simulated ESP32 (climate-sensor bundle) power-cycled', fault: 'power-cycle', path: 'board↔broker', broker: 'aedes',
      figures: {
        configRestoredFromStorage: true, samplingIntervalAfterBootMs: spacing, retainedCopyOnBroker: false,
        life1Received, life1MaxSeq, readingsWhileDarkLostUncounted: producedDark, life2FirstSeq: life2[0].seq,
        simulatedBoard: 'bridge/sim EspruinoSim, dist/climate-sensor.esp32.js, Storage in a file',
      },
      notes: ['The config is restored from Storage at boot, before the network is up and although the broker no longer had the retained copy: the first reading after boot already uses it (samplingIntervalAfterBootMs, asserted).'],
      passed: true, durationMs: Date.now() - t0,
    });
  });
});
