/**
 * Gateway benchmarks, all on loopback against one embedded aedes broker in the same run:
 * - throughput record → MQTT: values produced into a record with an MQTT `linkTo` (the gateway's
 *   bridging path), counted at an independent MQTT.js subscriber, as a ratio against raw MQTT.js
 *   publishing the same payloads to the same broker (target ≥ 0.9);
 * - the same end to end from a device: device record → AimX over a simulated serial line → twin →
 *   MQTT → subscriber;
 * - latency device → subscriber at 1,000 msg/s: p50 and p99 (target p99 < 5 ms).
 */
import mqtt from 'mqtt';
import { builder, key, ring, type Database } from '../core/index.js';
import { nodeRuntime } from '../targets/node/index.js';
import { nodeMqttConnector } from '../bridge/mqtt/index.js';
import { startEmbeddedBroker } from '../bridge/gateway/broker.js';
import { checkConfig } from '../bridge/gateway/config.js';
import { Gateway } from '../bridge/gateway/gateway.js';
import { simulatedLine } from '../bridge/sim/line.js';
import type { BenchRow } from './core.js';

const N = 20000;
// Values per event-loop turn, for both contenders: below the scheduler batch (256), so that the
// subject measures bridging, not ring overflow.
const CHUNK = 200;

async function subscriber(url: string, topic: string, onMsg: (payload: Buffer) => void): Promise<mqtt.MqttClient> {
  const c = await mqtt.connectAsync(url, { clientId: `bench-sub-${Math.random().toString(16).slice(2)}` });
  c.on('message', (_t, p) => onMsg(p));
  await c.subscribeAsync(topic, { qos: 0 });
  return c;
}

function waitCount(get: () => number, n: number, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const end = Date.now() + ms;
    const check = () => {
      if (get() >= n) return resolve();
      if (Date.now() > end) return reject(new Error(`only ${get()} of ${n} messages arrived`));
      setTimeout(check, 2);
    };
    check();
  });
}

const tick = () => new Promise((r) => setImmediate(r));

async function rawPublish(url: string, payloads: string[]): Promise<number> {
  let got = 0;
  const sub = await subscriber(url, 'bench/raw', () => got++);
  const pub = await mqtt.connectAsync(url, { clientId: 'bench-raw-pub' });
  const t0 = performance.now();
  for (let i = 0; i < payloads.length; i++) {
    pub.publish('bench/raw', payloads[i], { qos: 0 });
    if (i % CHUNK === CHUNK - 1) await tick();
  }
  await waitCount(() => got, payloads.length, 30000);
  const secs = (performance.now() - t0) / 1000;
  await pub.endAsync();
  await sub.endAsync();
  return payloads.length / secs;
}

async function recordToMqtt(url: string, payloads: string[]): Promise<number> {
  let got = 0;
  const sub = await subscriber(url, 'bench/record', () => got++);
  const K = key<string>('bench.value', 'Text');
  const conn = nodeMqttConnector({ url, clientId: 'bench-aimdb', status: false });
  const db = builder(nodeRuntime({ sink: () => {} }))
    .withConnector(conn)
    .configure(K, (r) =>
      r
        .buffer(ring(4096))
        .linkTo('mqtt://bench/record?seq=false')
        .withSerializer((_c, v) => v)
        .finish(),
    )
    .build()
    .start();
  await conn.ready(5000);
  const p = db.producer(K);
  const t0 = performance.now();
  for (let i = 0; i < payloads.length; i++) {
    p.produce(payloads[i]);
    if (i % CHUNK === CHUNK - 1) await tick();
  }
  await waitCount(() => got, payloads.length, 30000);
  const secs = (performance.now() - t0) / 1000;
  db.stop();
  await sub.endAsync();
  return payloads.length / secs;
}

const Pos = key<{ mm: number }>('actuator.position', 'Position');

/** A device with one ring record, as the MCU would declare it. */
function device(): { db: Database } {
  const db = builder(nodeRuntime({ sink: () => {} })).nodeId('bench-device').configure(Pos, (r) => r.buffer(ring(128))).build();
  db.start();
  return { db };
}

async function deviceEndToEnd(brokerUrl: string): Promise<{ throughput: number; p50: number; p99: number; max: number }> {
  const dev = device();
  const line = simulatedLine(dev.db, 'pico');
  const gw = new Gateway(checkConfig({ node_id: 'bench-edge', broker: { url: brokerUrl }, devices: [{ name: 'pico', transport: 'sim://pico' }], log: { level: 'error' }, ownership: { enabled: false } }), {
    simulators: { pico: line.open },
    onLog: () => {},
  });
  await gw.start();
  await gw.ready();
  let got = 0;
  const lat: number[] = [];
  const sub = await subscriber(brokerUrl, 'aimdb/pico/actuator/position', (p) => {
    got++;
    const text = p.toString('utf8');
    const mm = JSON.parse(text.slice(text.indexOf('{'))).mm as number;
    if (mm > 0) lat.push(performance.now() - mm);
  });
  // Throughput: bursts of 100 (the device ring holds 128), as fast as the line takes them.
  const n = 5000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    dev.db.set(Pos, { mm: -1 });
    if (i % 100 === 99) await tick();
  }
  await waitCount(() => got, n * 0.99, 30000).catch(() => {});
  const throughput = got / ((performance.now() - t0) / 1000);
  // Latency at 1,000 msg/s: one value per millisecond carrying its send time.
  await new Promise((r) => setTimeout(r, 200));
  lat.length = 0;
  const sent = 2000;
  await new Promise<void>((resolve) => {
    let i = 0;
    const start = performance.now();
    const step = () => {
      const due = Math.floor(performance.now() - start);
      while (i < due && i < sent) {
        dev.db.set(Pos, { mm: performance.now() });
        i++;
      }
      if (i >= sent) return resolve();
      setTimeout(step, 1);
    };
    step();
  });
  await new Promise((r) => setTimeout(r, 300));
  lat.sort((a, b) => a - b);
  const q = (f: number) => lat[Math.min(lat.length - 1, Math.floor(f * lat.length))];
  await sub.endAsync();
  await gw.stop();
  dev.db.stop();
  return { throughput, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] };
}

/** Runs the gateway benchmarks. */
export async function runGatewayBenchmarks(): Promise<BenchRow[]> {
  const broker = await startEmbeddedBroker('127.0.0.1', 0);
  try {
    const payloads = Array.from({ length: N }, (_, i) => JSON.stringify({ seq: i, celsius: 20 + (i % 100) / 10 }));
    // Interleave two rounds of each so that broker warm-up favours neither.
    const raw = Math.max(await rawPublish(broker.url, payloads), 0);
    const rec1 = await recordToMqtt(broker.url, payloads);
    const raw2 = await rawPublish(broker.url, payloads);
    const rec2 = await recordToMqtt(broker.url, payloads);
    const e2e = await deviceEndToEnd(broker.url);
    return [
      { name: 'record → MQTT (ring linkTo)', opsPerSec: Math.max(rec1, rec2), baselines: { 'raw MQTT.js publish': Math.max(raw, raw2) } },
      { name: 'device → serial → twin → MQTT', opsPerSec: e2e.throughput, baselines: { 'raw MQTT.js publish': Math.max(raw, raw2) } },
      {
        name: 'latency device → subscriber @1k/s',
        opsPerSec: NaN,
        baselines: {},
        extra: { p50: `${e2e.p50.toFixed(2)} ms`, p99: `${e2e.p99.toFixed(2)} ms`, max: `${e2e.max.toFixed(2)} ms` },
      },
    ];
  } finally {
    await broker.close();
  }
}
