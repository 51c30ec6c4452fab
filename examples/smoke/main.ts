/**
 * smoke: the self-test every board bundle carries (flash it with `make flash APP=smoke BOARD=…`).
 * The three buffers, a transform and a join on virtual or real time; every line goes to `print`, so
 * the output on a device, on duktape/mujs and on Node can be compared line by line
 * (test/targets/engines.test.ts). Integer values only: f32 rounding would differ between engines
 * with and without typed arrays.
 */
import { builder, key, mailbox, ring, singleLatest, RECV_LAGGED, RECV_VALUE } from '../../core/index.js';
import type { Database, RecordKey, RuntimeAdapter } from '../../core/index.js';

/** A reading in the compact ring: `t` ms, `v` tenths of a degree. */
export interface Reading {
  t: number;
  v: number;
}
/** Configuration (SingleLatest). */
export interface Config {
  threshold: number;
}
/** A command (Mailbox). */
export interface Command {
  id: number;
  action: string;
}
/** Running average (transform output). */
export interface Average {
  n: number;
  avg: number;
}
/** Alert (join output). */
export interface Alert {
  t: number;
  v: number;
  threshold: number;
}

export const Keys = {
  reading: key<Reading>('smoke.reading', 'Reading'),
  config: key<Config>('smoke.config', 'Config'),
  command: key<Command>('smoke.command', 'Command'),
  average: key<Average>('smoke.average', 'Average'),
  alert: key<Alert>('smoke.alert', 'Alert'),
};

/** What the smoke app needs from a platform. */
export interface SmokePlatform {
  runtime: RuntimeAdapter;
  print(line: string): void;
}

/** Readings produced by the source (one every 100 ms). */
export const READINGS = 12;

/**
 * Builds and starts the scenario; it prints `done` after 2 s of (virtual) time and stops itself.
 *
 * @example
 * main({ runtime: manualRuntime(), print: console.log });
 */
export function main(platform: SmokePlatform): { stop(): void; db: Database } {
  const print = platform.print;
  const rt = platform.runtime;
  const k = Keys;
  const db = builder(rt)
    .nodeId('smoke')
    .configure(k.reading, (r) =>
      r
        .buffer(ring(4, { layout: { t: 'u32', v: 'i16' } }))
        .source((ctx, producer) => {
          let n = 0;
          const timer = ctx.every(100, () => {
            n++;
            producer.produce({ t: n * 100, v: 200 + ((n * 37) % 50) });
            if (n === READINGS) timer.cancel();
          });
        })
        .tap((_ctx, consumer) => {
          consumer.each((v, seq) => print('reading #' + seq + ' t=' + v.t + ' v=' + v.v));
        })
        .tap((ctx, consumer) => {
          // A slow poller: the 4-slot ring overflows between polls, so it sees Lagged(n).
          const reader = consumer.subscribe();
          ctx.every(550, () => {
            for (;;) {
              const st = reader.tryRecv();
              if (st === RECV_VALUE) print('slow #' + reader.seq + ' v=' + reader.value.v);
              else if (st === RECV_LAGGED) print('slow lagged ' + reader.missed);
              else break;
            }
          });
        }),
    )
    .configure(k.config, (r) =>
      r.buffer(singleLatest()).tap((_ctx, consumer) => {
        consumer.each((c) => print('config threshold=' + c.threshold));
      }),
    )
    .configure(k.command, (r) =>
      r.buffer(mailbox()).tap((_ctx, consumer) => {
        consumer.each((c) => print('command #' + c.id + ' ' + c.action));
      }),
    )
    .configure(k.average, (r) =>
      r
        .buffer(singleLatest())
        .transform(k.reading, (t) =>
          t
            .withState(() => ({ n: 0, sum: 0 }))
            .onValue((v, s) => {
              s.n++;
              s.sum += v.v;
              return { n: s.n, avg: Math.round(s.sum / s.n) };
            }),
        )
        .tap((_ctx, consumer) => {
          consumer.each((a) => print('average n=' + a.n + ' avg=' + a.avg));
        }),
    )
    .configure(k.alert, (r) =>
      r
        .buffer(mailbox())
        .transformJoin((j) =>
          j
            .input(k.reading)
            .input(k.config)
            .withState(() => ({ threshold: 1000 }))
            .onTriggers((trigger, producer, _ctx, state: { threshold: number }) => {
              const c = trigger.as(k.config);
              if (c) {
                state.threshold = c.threshold;
                return;
              }
              const v = trigger.as(k.reading);
              if (v && v.v > state.threshold) producer.produce({ t: v.t, v: v.v, threshold: state.threshold });
            }),
        )
        .tap((_ctx, consumer) => {
          consumer.each((a) => print('alert t=' + a.t + ' v=' + a.v + ' over ' + a.threshold));
        }),
    )
    .build();
  db.set(k.config, { threshold: 230 });
  db.start();
  const ctx = db.context('smoke');
  ctx.after(350, () => db.set(k.command, { id: 1, action: 'open' }));
  ctx.after(650, () => {
    db.set(k.config, { threshold: 240 });
    db.set(k.command, { id: 2, action: 'close' });
    db.set(k.command, { id: 3, action: 'hold' });
  });
  ctx.after(2000, () => {
    const all: Array<RecordKey<any>> = [k.reading, k.config, k.command, k.average, k.alert];
    for (let i = 0; i < all.length; i++) {
      const m = db.metrics(all[i]);
      print('metrics ' + all[i].name + ' produced=' + m.produced + ' consumed=' + m.consumed + ' dropped=' + m.dropped);
    }
    print('peek config=' + (db.peek(k.config) as Config).threshold);
    db.stop();
    print('done');
  });
  return {
    stop: function () {
      db.stop();
    },
    db: db,
  };
}
