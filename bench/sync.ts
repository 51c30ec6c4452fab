/**
 * Sync API benchmarks (CONTRACT §8): what the blocking handle costs against the async API, measured
 * in the same run on the same records.
 *
 * - round trip: `set(v)` then `get()` of the same value. Sync: caller here, engine in a worker
 *   (postMessage + Atomics.wait each way). Async: `db.set(v)` then `await recvAsync(reader)` on the
 *   Node runtime in this thread (one setImmediate turn). Latency p50/p99 per round trip.
 * - pipelined: 256 values with `trySet` (falling back to `set` when the channel is full), then 256
 *   `get()`. Async: 256 `db.set`, then a tap's `each` counts them (one scheduler drain).
 * - set only: blocking `set` (one round trip each) against `db.set` (a plain call).
 *
 * Run alone: `node --import tsx bench/sync.ts`; `bench/run.ts` calls {@link runSyncBenchmarks}.
 * This file is also the configuration module the benchmark's engine loads (`configure`).
 */
import { isMainThread } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { builder, key, ring, type Builder } from '../core/index.js';
import { nodeRuntime } from '../targets/node/runtime.js';
import { recvAsync } from '../targets/node/async.js';
import { attach } from '../bridge/sync/index.js';
import type { BenchRow } from './core.js';

interface Msg {
  v: number;
}
const K = key<Msg>('bench.sync', 'Msg');
const BURST = 256;

/** The engine's configuration (and the async side's): one ring big enough for a burst. */
export function configure(b: Builder): void {
  b.configure(K, (r) => r.buffer(ring(1024)));
}

/** Runs `fn` (sync or async) for about `ms`; returns calls per second. */
async function rate(fn: () => void | Promise<void>, ms: number): Promise<number> {
  for (let i = 0; i < 200; i++) await fn();
  let calls = 0;
  const t0 = performance.now();
  let now = t0;
  while (now - t0 < ms) {
    await fn();
    calls++;
    if ((calls & 15) === 0) now = performance.now();
  }
  return calls / ((performance.now() - t0) / 1000);
}

/** Latency percentiles (µs) over `n` calls. */
async function latency(fn: () => void | Promise<void>, n: number): Promise<{ p50: number; p99: number }> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    xs.push((performance.now() - t0) * 1000);
  }
  xs.sort((a, b) => a - b);
  return { p50: xs[Math.floor(n * 0.5)], p99: xs[Math.floor(n * 0.99)] };
}

/** Best of `rounds` interleaved measurements of each contender. */
async function compare(contenders: Array<() => void | Promise<void>>, rounds = 3, ms = 300): Promise<number[]> {
  const best = contenders.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (let c = 0; c < contenders.length; c++) best[c] = Math.max(best[c], await rate(contenders[c], ms));
  }
  return best;
}

/**
 * Measures the sync handle against the async API. Rows: ops/s of the sync path, with the async
 * path as the baseline (so the printed ratio is sync ÷ async), and latency percentiles in `extra`.
 */
export async function runSyncBenchmarks(): Promise<BenchRow[]> {
  const h = attach({ module: new URL(import.meta.url), logLevel: 'warn' });
  const b = builder(nodeRuntime({ level: 'warn' }));
  configure(b);
  const db = b.build().start();
  try {
    const sp = h.producer(K);
    const sc = h.consumer(K);
    const reader = db.subscribe(K);
    let n = 0;
    const syncTrip = (): void => {
      sp.set({ v: ++n });
      sc.get();
    };
    const asyncTrip = async (): Promise<void> => {
      db.set(K, { v: ++n });
      await recvAsync(reader);
    };
    const [syncRt, asyncRt] = await compare([syncTrip, asyncTrip]);
    const syncLat = await latency(syncTrip, 5000);
    const asyncLat = await latency(asyncTrip, 5000);

    const syncBurst = (): void => {
      for (let i = 0; i < BURST; i++) if (!sp.trySet({ v: i })) sp.set({ v: i });
      for (let i = 0; i < BURST; i++) sc.get();
    };
    let counted = 0;
    let wake: (() => void) | null = null;
    db.subscribe(K).each(() => {
      if (++counted === BURST && wake) wake();
    });
    const asyncBurst = (): Promise<void> =>
      new Promise<void>((resolve) => {
        counted = 0;
        wake = resolve;
        for (let i = 0; i < BURST; i++) db.set(K, { v: i });
      });
    // The async ring reader used for round trips would lag during bursts: close it first.
    reader.close();
    const [syncB, asyncB] = await compare([syncBurst, asyncBurst]);

    const syncSet = (): void => sp.set({ v: ++n });
    const asyncSet = (): void => db.set(K, { v: ++n });
    const [syncS, asyncS] = await compare([syncSet, asyncSet]);

    const us = (x: number): string => x.toFixed(1) + ' µs';
    return [
      {
        name: 'round trip set→get (1 value)',
        opsPerSec: syncRt,
        baselines: { 'async set→recvAsync': asyncRt },
        extra: { 'sync p50': us(syncLat.p50), 'sync p99': us(syncLat.p99), 'async p50': us(asyncLat.p50), 'async p99': us(asyncLat.p99) },
      },
      { name: 'pipelined trySet×256 then get×256', opsPerSec: syncB * BURST, baselines: { 'async set×256 → tap': asyncB * BURST } },
      { name: 'blocking set (engine accepted)', opsPerSec: syncS, baselines: { 'async db.set': asyncS } },
    ];
  } finally {
    h.detach();
    db.stop();
  }
}

async function main(): Promise<void> {
  const rows = await runSyncBenchmarks();
  for (const r of rows) {
    const ratios = Object.entries(r.baselines)
      .map(([k, v]) => `${(r.opsPerSec / v).toFixed(3)}× ${k} (${Math.round(v)} /s)`)
      .join(', ');
    const extra = r.extra ? '; ' + Object.entries(r.extra).map(([k, v]) => `${k} ${v}`).join(', ') : '';
    console.log(`${r.name.padEnd(36)} ${Math.round(r.opsPerSec).toString().padStart(9)} /s  ${ratios}${extra}`);
  }
}

if (isMainThread && process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
