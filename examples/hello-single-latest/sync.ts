/**
 * hello-single-latest, the blocking way: a burst of configuration values collapses to the latest; a
 * consumer made late still gets the current value once; a consumer that has seen the current value
 * blocks until a newer one (here: times out, GET_TIMEOUT).
 *
 * Run: `node --import tsx examples/hello-single-latest/sync.ts`.
 */
import { isMainThread } from 'node:worker_threads';
import { singleLatest, type Builder } from '../../core/index.js';
import { attach } from '../../bridge/sync/index.js';
import { DeviceConfig } from './app.js';

/** Loaded in the engine thread by `attach()`. */
export function configure(b: Builder): void {
  b.configure(DeviceConfig, (r) => r.buffer(singleLatest()));
}

function main(): void {
  const h = attach({ module: new URL(import.meta.url) });
  const watcher = h.consumer(DeviceConfig);
  const p = h.producer(DeviceConfig);
  p.set({ sampleMs: 1000, label: 'a' });
  p.set({ sampleMs: 500, label: 'b' });
  p.set({ sampleMs: 250, label: 'c' });
  let c = watcher.get();
  console.log(`watcher: sampleMs=${c.sampleMs} label=${c.label}`);
  const late = h.consumer(DeviceConfig);
  console.log(`late reader: sampleMs=${late.get().sampleMs}`);
  try {
    watcher.getWithTimeout(100);
  } catch (e) {
    console.log(`watcher: ${(e as { code: string }).code} (nothing newer)`);
  }
  p.set({ sampleMs: 100, label: 'd' });
  c = watcher.get();
  console.log(`watcher: sampleMs=${c.sampleMs} label=${c.label}`);
  console.log(`late reader: sampleMs=${late.get().sampleMs}`);
  h.detach();
}

if (isMainThread) main();
