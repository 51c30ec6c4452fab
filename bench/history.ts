/**
 * History benchmark: record → MQTT bridging throughput with the history store on versus off, in the
 * same run against one embedded aedes broker. "On" keeps every value of the bridged record in
 * SQLite (bridge/history: a reader on the record, batches written by the writer thread, WAL).
 * Rounds alternate off/on so that warm-up and a busy machine favour neither; the row reports the
 * best round of each, and the median of the per-pair ratios (target: on ≥ 0.9× off). The store
 * must also have committed every value by the end of each "on" round.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { builder, key, ring } from '../core/index.js';
import { nodeRuntime } from '../targets/node/index.js';
import { nodeMqttConnector } from '../bridge/mqtt/index.js';
import { startEmbeddedBroker } from '../bridge/gateway/broker.js';
import { checkHistoryConfig, HistoryStore } from '../bridge/history/index.js';
import type { BenchRow } from './core.js';

const N = 20000;
const CHUNK = 200;
const ROUNDS = 5;

const tick = () => new Promise((r) => setImmediate(r));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

interface Reading {
  seq: number;
  celsius: number;
}

/** One round: N values produced into a linked ring, counted at an independent subscriber. */
async function round(url: string, store: HistoryStore | null, id: number): Promise<number> {
  let got = 0;
  const topic = `bench/history/${id}`;
  const sub = await mqtt.connectAsync(url, { clientId: `bench-hsub-${id}` });
  sub.on('message', () => got++);
  await sub.subscribeAsync(topic, { qos: 0 });
  const K = key<Reading>('bench.reading', 'Reading');
  const conn = nodeMqttConnector({ url, clientId: `bench-h-${id}`, status: false });
  const db = builder(nodeRuntime({ sink: () => {} }))
    .withConnector(conn)
    .configure(K, (r) => r.buffer(ring(4096)).linkTo(`mqtt://${topic}?seq=false`).withSerializer((_c, v) => JSON.stringify(v)).finish())
    .build()
    .start();
  await conn.ready(5000);
  if (store) store.attach(db);
  const storedBefore = store ? store.stats.stored : 0;
  const p = db.producer(K);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    p.produce({ seq: i, celsius: 20 + (i % 100) / 10 });
    if (i % CHUNK === CHUNK - 1) await tick();
  }
  await until(() => got >= N, 30000, `${got} of ${N} messages`);
  const secs = (performance.now() - t0) / 1000;
  if (store) {
    await until(() => store.stats.stored - storedBefore >= N, 30000, 'history stored every value: ' + JSON.stringify(store.stats) + ' before ' + storedBefore);
    store.detach();
  }
  db.stop();
  await sub.endAsync();
  return N / secs;
}

export async function runHistoryBenchmarks(): Promise<BenchRow[]> {
  const broker = await startEmbeddedBroker('127.0.0.1', 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-bench-history-'));
  const cfg = checkHistoryConfig({ path: path.join(dir, 'history.db'), records: ['bench.#'], max_rows: 100_000 }, (p, m) => {
    throw new Error(`${p}: ${m}`);
  })!;
  const store = new HistoryStore(cfg, { log: () => {} });
  await store.start();
  try {
    const off: number[] = [];
    const on: number[] = [];
    let id = 0;
    for (let r = 0; r < ROUNDS; r++) {
      off.push(await round(broker.url, null, id++));
      on.push(await round(broker.url, store, id++));
    }
    const size = fs.statSync(cfg.path).size;
    const ratios = on.map((x, i) => x / off[i]).sort((a, b) => a - b);
    return [
      {
        name: 'record → MQTT, history on',
        opsPerSec: Math.max(...on),
        baselines: { 'history off (same run)': Math.max(...off) },
        extra: { 'median pair ratio': ratios[Math.floor(ratios.length / 2)].toFixed(2), 'rows stored': store.stats.stored, dropped: store.stats.dropped, 'file bytes': size },
      },
    ];
  } finally {
    await store.stop();
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
