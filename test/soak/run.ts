/**
 * Soak (`make soak`, about a minute; not part of `make test`): the gateway mirroring two simulated
 * devices under sustained load (~1.6k ring values/s into MQTT) with periodic faults: connection
 * resets, partitions, latency, serial noise, broker kill and restart (aedes). At the end:
 * - heap flat: sampled after a forced GC every 2 s; the least-squares slope over the last two thirds
 *   is printed and must stay under SOAK_MAX_SLOPE_MB_MIN (default 3 MB/min);
 * - counters consistent: per device, every ring value produced is received or counted as a gap
 *   (sums must match exactly);
 * - no handle growth: `process.getActiveResourcesInfo()` counts per type at steady state vs the end.
 * Prints a summary and exits non-zero on any violation.
 *
 *   node --import tsx --expose-gc test/soak/run.ts        (SOAK_SECONDS=60 by default)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builder, key, ring, utf8Decode } from '../../core/index.js';
import { nodeRuntime } from '../../targets/node/index.js';
import { nodeMqttConnector } from '../../bridge/mqtt/index.js';
import { checkConfig } from '../../bridge/gateway/config.js';
import { Gateway } from '../../bridge/gateway/gateway.js';
import { startFaultProxy } from '../faults/proxy.js';
import { deviceDb, noisyLine, sleep, startBroker, waitFor, Pos } from '../faults/rig.js';

const SECONDS = Number(process.env.SOAK_SECONDS) || 60;
const MAX_SLOPE = Number(process.env.SOAK_MAX_SLOPE_MB_MIN) || 3;
const DEVICES = ['pico', 'pico2'];
const PER_TICK = 8; // values per device per 10 ms tick

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('soak: run with --expose-gc');
  process.exit(2);
}

interface Got {
  dev: string;
  mm: number;
}
const RxAll = key<Got>('soak.rx', 'Got');

function resources(): { [type: string]: number } {
  const out: { [type: string]: number } = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<number> {
  const violations: string[] = [];
  const broker = await startBroker('aedes');
  const proxy = await startFaultProxy(broker.port);
  const devs = DEVICES.map((name, i) => ({ name, ...deviceDb(), n: 0, line: null as unknown as ReturnType<typeof noisyLine>, seed: i + 1 }));
  for (const d of devs) d.line = noisyLine(d.db, null, d.seed);
  const gw = new Gateway(
    checkConfig({
      node_id: 'edge-soak',
      broker: { url: proxy.url },
      devices: devs.map((d) => ({ name: d.name, transport: `sim://${d.name}`, reconnect_ms: 50, reconnect_max_ms: 200 })),
      log: { level: 'error' },
      ownership: { enabled: false },
    }),
    { simulators: Object.fromEntries(devs.map((d) => [d.name, d.line.open])), onLog: () => {} },
  );
  await gw.start();
  await gw.ready(5000);

  const got: { [dev: string]: number } = Object.fromEntries(DEVICES.map((d) => [d, 0]));
  const last: { [dev: string]: number } = Object.fromEntries(DEVICES.map((d) => [d, 0]));
  let outOfOrder = 0;
  const disorder: string[] = [];
  let currentFault = 'none';
  const rx = builder(nodeRuntime({ sink: () => {} }))
    .nodeId('soak-rx')
    .withConnector(nodeMqttConnector({ url: broker.url, reconnectMinMs: 100, reconnectMaxMs: 300, status: false }))
    .configure(RxAll, (r) =>
      r
        .buffer(ring(8192))
        .linkFrom('mqtt://aimdb/+/actuator/position')
        .withDeserializer((_c, p, topic) => ({ dev: String(topic).split('/')[1], mm: (JSON.parse(typeof p === 'string' ? p : utf8Decode(p)) as { mm: number }).mm }))
        .finish()
        .tap((_c, c) =>
          void c.each((v) => {
            got[v.dev]++;
            if (v.mm <= last[v.dev]) {
              outOfOrder++;
              if (disorder.length < 10) disorder.push(`${v.dev}: ${v.mm} after ${last[v.dev]} during ${currentFault}`);
            }
            last[v.dev] = v.mm;
          }),
        ),
    )
    .build()
    .start();
  await sleep(500);

  const t0 = Date.now();
  const produce = () => {
    for (const d of devs) for (let i = 0; i < PER_TICK; i++) d.db.set(Pos, { mm: ++d.n });
  };
  // Warm-up: the receiver's gap tracker needs a first value per topic.
  produce();
  await waitFor(() => DEVICES.every((d) => got[d] === PER_TICK), 5000, 'warm-up');

  const heapT: number[] = [];
  const heapY: number[] = [];
  let baseline: { [t: string]: number } | null = null;
  let maxQueue = 0;
  const faults: string[] = [];
  let nextSample = Date.now();
  let phase = -1;
  const prodTimer = setInterval(produce, 10);
  try {
    while (Date.now() - t0 < SECONDS * 1000) {
      const el = (Date.now() - t0) / 1000;
      const p = Math.floor(el / 5) % 6; // a 30 s cycle of faults, one per 5 s slot
      if (Math.floor(el / 5) !== phase) {
        phase = Math.floor(el / 5);
        if (phase === 1) baseline = resources();
        currentFault = ['none', 'reset', 'partition', 'serial noise', 'broker restart', 'latency'][p];
        if (p === 1) (proxy.resetAll(), faults.push('reset'));
        if (p === 2) {
          faults.push('partition 1s');
          proxy.partition();
          setTimeout(() => proxy.heal(), 1000);
        }
        if (p === 3) {
          faults.push('serial noise 0.5s');
          devs[0].line.setNoise({ bitFlip: 0, truncate: 0.05, garbage: 0.1 });
          setTimeout(() => devs[0].line.setNoise(null), 500);
        }
        if (p === 4) {
          faults.push('broker restart 1s');
          await broker.kill();
          setTimeout(() => void broker.start(), 1000);
        }
        if (p === 5) {
          faults.push('latency 50ms 2s');
          proxy.delay(50);
          setTimeout(() => proxy.delay(0), 2000);
        }
      }
      for (const d of devs) maxQueue = Math.max(maxQueue, gw.db!.records().find((r) => r.key === `${d.name}.actuator.position`)!.links.find((l) => l.direction === 'out')!.metrics.queued);
      if (Date.now() >= nextSample) {
        nextSample += 2000;
        gc!();
        heapT.push((Date.now() - t0) / 60000);
        heapY.push(process.memoryUsage().heapUsed / 1048576);
      }
      await sleep(50);
    }
  } finally {
    clearInterval(prodTimer);
  }
  // Recovery and tail: every device's last value must arrive.
  await sleep(1500);
  await gw.ready(20000);
  await sleep(500);
  produce();
  try {
    await waitFor(() => devs.every((d) => last[d.name] === d.n), 20000, 'the tail values');
  } catch (e) {
    violations.push((e as Error).message);
  }
  await sleep(300);
  gc!();
  const end = resources();

  // Sums.
  const rxLink = rx.records()[0].links[0].metrics;
  const rxDropped = rx.records()[0].metrics.dropped;
  let produced = 0;
  let received = 0;
  let twinGaps = 0;
  let twinDecode = 0;
  let twinOverwrite = 0;
  let queueDrops = 0;
  for (const d of devs) {
    produced += d.n;
    received += got[d.name];
    const rec = gw.db!.records().find((r) => r.key === `${d.name}.actuator.position`)!;
    const inM = rec.links.find((l) => l.direction === 'in')!.metrics;
    twinGaps += inM.gaps;
    twinDecode += inM.decodeErrors;
    twinOverwrite += rec.metrics.dropped;
    queueDrops += rec.links.find((l) => l.direction === 'out')!.metrics.dropped;
  }
  const counted = received + rxLink.gaps + rxDropped + twinGaps + twinDecode;
  if (counted !== produced) violations.push(`sums: produced ${produced} ≠ received ${received} + receiver gaps ${rxLink.gaps} + receiver overwrite ${rxDropped} + serial gaps ${twinGaps} + serial bad frames ${twinDecode} = ${counted}`);
  if (outOfOrder) violations.push(`${outOfOrder} ring values out of order (first: ${disorder.join('; ')})`);
  if (maxQueue > 32) violations.push(`offline queue reached ${maxQueue} (> 32)`);

  const tail = Math.floor(heapT.length / 3);
  const s = slope(heapT.slice(tail), heapY.slice(tail));
  if (s > MAX_SLOPE) violations.push(`heap slope ${s.toFixed(2)} MB/min > ${MAX_SLOPE}`);
  const grew: string[] = [];
  for (const [t, c] of Object.entries(end)) {
    const b = baseline?.[t] ?? 0;
    // One extra of a kind is a connection mid-reconnect; more is a leak.
    if (c > b + (t === 'Timeout' ? 4 : 1)) grew.push(`${t} ${b}→${c}`);
  }
  if (grew.length) violations.push('handles grew: ' + grew.join(', '));

  const secs = (Date.now() - t0) / 1000;
  console.log('soak summary');
  console.log(`  duration ${secs.toFixed(1)} s, ${DEVICES.length} devices, ${(produced / SECONDS).toFixed(0)} values/s produced`);
  console.log(`  faults: ${faults.join(', ')}`);
  console.log(`  ring: produced ${produced}, received ${received}, receiver gaps ${rxLink.gaps} (offline-queue drops ${queueDrops}, twin overwrite ${twinOverwrite}), receiver overwrite ${rxDropped}, serial gaps ${twinGaps}, serial bad frames ${twinDecode}`);
  console.log(`  max offline queue ${maxQueue} (limit 32)`);
  console.log(`  heap after GC: first ${heapY[0]?.toFixed(1)} MB, last ${heapY[heapY.length - 1]?.toFixed(1)} MB, slope ${s.toFixed(3)} MB/min over the last ${heapT.length - tail} samples (limit ${MAX_SLOPE})`);
  console.log(`  handles at steady state: ${JSON.stringify(baseline)}`);
  console.log(`  handles at the end:      ${JSON.stringify(end)}`);
  // For docs/GUARANTEES.md (tools/guarantees.mjs reads it when present).
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../artifacts/soak.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({
    recordedAt: new Date().toISOString(), node: process.version, seconds: secs, devices: DEVICES.length, valuesPerSecond: Math.round(produced / SECONDS), faults,
    ring: { produced, received, receiverGaps: rxLink.gaps, offlineQueueDrops: queueDrops, twinOverwrite, receiverOverwrite: rxDropped, serialGaps: twinGaps, serialBadFrames: twinDecode },
    maxOfflineQueue: maxQueue, heapFirstMB: heapY[0], heapLastMB: heapY[heapY.length - 1], heapSlopeMBPerMin: s, handlesSteady: baseline, handlesEnd: end, violations,
  }, null, 2) + '\n');
  console.log(violations.length ? `VIOLATIONS:\n  - ${violations.join('\n  - ')}` : 'OK: no violation');

  rx.stop();
  await gw.stop();
  for (const d of devs) d.db.stop();
  await proxy.close();
  await broker.stop();
  return violations.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error('soak failed:', e);
    process.exit(1);
  },
);
