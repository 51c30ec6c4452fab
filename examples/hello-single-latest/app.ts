/**
 * hello-single-latest: a configuration record. Values written in a burst collapse to the latest; a
 * reader that joins late still gets the current value once; peek() reads it without consuming.
 */
import { builder, key, singleLatest, type Database, type RuntimeAdapter } from '../../core/index.js';

/** Device configuration. */
export interface Config {
  sampleMs: number;
  label: string;
}

/** The record key. */
export const DeviceConfig = key<Config>('hello.config', 'Config');

/** Builds and starts the example; returns the database. */
export function helloSingleLatest(rt: RuntimeAdapter, print: (line: string) => void): Database {
  const db = builder(rt)
    .configure(DeviceConfig, (r) =>
      r.buffer(singleLatest()).tap((_ctx, consumer) => {
        consumer.each((c) => print(`watcher: sampleMs=${c.sampleMs} label=${c.label}`));
      }),
    )
    .build()
    .start();
  const ctx = db.context('hello');
  ctx.after(10, () => {
    // A burst: the watcher sees only the last of these three.
    db.set(DeviceConfig, { sampleMs: 1000, label: 'a' });
    db.set(DeviceConfig, { sampleMs: 500, label: 'b' });
    db.set(DeviceConfig, { sampleMs: 250, label: 'c' });
  });
  ctx.after(100, () => {
    const late = db.subscribe(DeviceConfig);
    late.each((c) => print(`late reader: sampleMs=${c.sampleMs}`));
    print(`peek: label=${db.peek(DeviceConfig)?.label}`);
  });
  ctx.after(200, () => db.set(DeviceConfig, { sampleMs: 100, label: 'd' }));
  return db;
}
