/**
 * hello-ring: one producer, two consumers of an SPMC ring. The fast consumer sees every value in
 * order; the slow one polls every 650 ms, falls behind the 4-slot ring and is told how many values it
 * missed (Lagged) before it continues with the oldest value still held.
 */
import { builder, key, ring, RECV_LAGGED, RECV_VALUE, type Database, type RuntimeAdapter } from '../../core/index.js';

/** A sensor reading. */
export interface Reading {
  seq: number;
  celsius: number;
}

/** The record key. */
export const Temperature = key<Reading>('hello.temperature', 'Reading');

/** Builds and starts the example. `print` receives each output line; it produces `count` values. */
export function helloRing(rt: RuntimeAdapter, print: (line: string) => void, count = 10): Database {
  return builder(rt)
    .configure(Temperature, (r) =>
      r
        .buffer(ring(4))
        .source((ctx, producer) => {
          let n = 0;
          const t = ctx.every(100, () => {
            n++;
            producer.produce({ seq: n, celsius: 20 + n / 10 });
            if (n === count) t.cancel();
          });
        })
        .tap((_ctx, consumer) => {
          consumer.each((v) => print(`fast: #${v.seq} ${v.celsius.toFixed(1)} C`));
        })
        .tap((ctx, consumer) => {
          const reader = consumer.subscribe();
          ctx.every(650, () => {
            for (;;) {
              const st = reader.tryRecv();
              if (st === RECV_VALUE) print(`slow: #${reader.value.seq}`);
              else if (st === RECV_LAGGED) print(`slow: lagged, missed ${reader.missed}`);
              else break;
            }
          });
        }),
    )
    .build()
    .start();
}
