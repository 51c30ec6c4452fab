/**
 * A slow subscriber: an AimX client of the gateway (TCP remote endpoint) behind a proxy that reads
 * at 64 KB/s while the device streams ~5 MB/s into the twin. The gateway must not buffer without
 * bound: past the send high-water mark (1 MiB) events are dropped, counted, and visible to the client
 * as `seq` gaps, so the client's received + gaps equals what the twin produced while it listened.
 */
import { expect } from 'chai';
import * as net from 'node:net';
import { connectAimx, SEND_HIGH_WATER } from '../../bridge/aimx/index.js';
import { checkConfig } from '../../bridge/gateway/config.js';
import { Gateway } from '../../bridge/gateway/gateway.js';
import { recordScenario, ringResult } from './results.js';
import { startFaultProxy, type FaultProxy } from './proxy.js';
import { deviceDb, noisyLine, sleep, startBroker, waitFor, Pos, type BrokerCtl, cleanupStack } from './rig.js';

describe('faults: slow subscriber', function () {
  this.timeout(30000);
  const stops = cleanupStack();


  it('an AimX client reading at 64 KB/s: gateway send buffer bounded, every value received or counted', async () => {
    const t0 = Date.now();
    const broker: BrokerCtl = await startBroker('aedes');
    stops.push(() => broker.stop());
    const dev = deviceDb();
    stops.push(() => dev.db.stop());
    const line = noisyLine(dev.db, null);
    const gw = new Gateway(
      checkConfig({ node_id: 'edge-s', broker: { url: broker.url }, devices: [{ name: 'pico', transport: 'sim://pico' }], remote: { tcp: '127.0.0.1:0' }, log: { level: 'error' }, ownership: { enabled: false } }),
      { simulators: { pico: line.open }, onLog: () => {} },
    );
    stops.push(() => gw.stop());
    await gw.start();
    const tcpPort = Number(gw.endpoints().aimx[0].split(':').pop());
    const proxy: FaultProxy = await startFaultProxy(tcpPort);
    stops.push(() => proxy.close());
    proxy.throttle(64 * 1024);
    const client = await connectAimx(`tcp://127.0.0.1:${proxy.port}`, { timeoutMs: 5000 });
    stops.push(() => client.close());
    let received = 0;
    let gaps = 0;
    let lastMm = 0;
    let lastSeq = 0;
    const sub = client.subscribe('pico.actuator.position', (u) => {
      received++;
      gaps += u.skipped;
      lastSeq = u.seq;
      lastMm = (u.value as { mm: number }).mm;
    });
    stops.push(() => sub.close());
    await sleep(300);
    const twin = () => gw.db!.records().find((r) => r.key === 'pico.actuator.position')!;
    const producedAtStart = twin().metrics.produced;

    // The gateway's end of the client's connection: its send backlog is what must stay bounded.
    const serverSockets = () =>
      ((process as any)._getActiveHandles() as unknown[]).filter((h): h is net.Socket => h instanceof net.Socket && h.localPort === tcpPort);
    let maxBacklog = 0;
    const pad = 'x'.repeat(6000);
    let n = 0;
    const tf = Date.now();
    while (Date.now() - tf < 2500) {
      for (let i = 0; i < 8; i++) dev.db.set(Pos, { mm: ++n, pad } as any);
      for (const s of serverSockets()) maxBacklog = Math.max(maxBacklog, s.writableLength);
      await sleep(10);
    }
    proxy.throttle(0);
    // Sentinels until one gets through (one sent while the backlog is still over the mark is dropped).
    const te = Date.now();
    while (lastMm !== n) {
      if (Date.now() - te > 15000) throw new Error('the last value never reached the slow client');
      dev.db.set(Pos, { mm: ++n, pad } as any);
      await sleep(100);
    }
    await sleep(100);
    const producedWhileListening = twin().metrics.produced - producedAtStart;
    const ring = ringResult(producedWhileListening, received, { ringOverwrite: 0, offlineQueueDrop: 0, inTransit: 0, sendBufferFull: gaps });
    recordScenario('slow-subscriber-aimx', {
      title: 'Slow AimX subscriber on the gateway (64 KB/s reader, ~5 MB/s stream)', fault: 'slow-subscriber', path: 'gateway→AimX client (TCP)', broker: 'none', faultMs: 2500,
      spmc_ring: ring,
      memory: { maxSendBacklogBytes: maxBacklog, sendHighWaterBytes: SEND_HIGH_WATER },
      figures: { clientGaps: gaps, lastSeq, producedByDevice: n },
      notes: ['Gaps here are events the gateway dropped at its send high-water mark (or a lagging subscription reader): counted in the session stats and seen by the client as seq jumps.'],
      passed: true, durationMs: Date.now() - t0,
    });
    expect(gaps, 'events were dropped under backpressure').to.be.greaterThan(0);
    expect(ring.accounted, `received ${received} + gaps ${gaps} = produced ${producedWhileListening}`).to.equal(true);
    expect(lastSeq).to.equal(received + gaps);
    expect(maxBacklog, 'send backlog bounded by the high-water mark plus one burst').to.be.at.most(SEND_HIGH_WATER + 64 * 1024);
  });
});
