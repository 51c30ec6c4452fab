/**
 * A small real database for AimX tests (built with the core builder), and a recording session link.
 */
import { builder, key, mailbox, ring, singleLatest, manualRuntime, RuntimeAdapter } from '../../core/index.js';
import type { Database } from '../../core/index.js';

export interface Temperature {
  celsius: number;
}

export const Keys = {
  temp: key<Temperature>('sensor.temp', 'Temperature'),
  avg: key<{ avg: number }>('sensor.avg', 'Average'),
  hum: key<number>('sensor.hum', 'Humidity'),
  setpoint: key<number>('app.setpoint', 'Setpoint'),
  mode: key<string>('app.mode', 'Mode'),
  cmd: key<string>('app.cmd', 'Command'),
  log: key<string>('log.events', 'Event'),
};

/**
 * Records:
 * - `sensor.temp` ring(4), source: every 100 ms (only when `tick` is true) produces {celsius: n};
 * - `sensor.avg` SingleLatest, transform of sensor.temp;
 * - `sensor.hum` SingleLatest, passive, not writable;
 * - `app.setpoint` SingleLatest, passive, writable;  `app.mode` SingleLatest, passive, not writable;
 * - `app.cmd` Mailbox, passive, writable;  `log.events` ring(3), passive, writable.
 */
export function makeDb(adapter?: RuntimeAdapter, opts?: { tick?: boolean; periodMs?: number }): Database {
  const rt = adapter || manualRuntime();
  const tick = !opts || opts.tick !== false;
  const period = (opts && opts.periodMs) || 100;
  let n = 0;
  return builder(rt)
    .nodeId('test-node')
    .configure(Keys.temp, (r) =>
      r
        .buffer(ring(4))
        .source((ctx, p) => {
          if (tick) ctx.every(period, () => p.produce({ celsius: ++n }));
        })
        .remote(),
    )
    .configure(Keys.avg, (r) => r.buffer(singleLatest()).transform(Keys.temp, (t) => t.map((v) => ({ avg: v.celsius * 10 }))))
    .configure(Keys.hum, (r) => r.buffer(singleLatest()).remote())
    .configure(Keys.setpoint, (r) => r.buffer(singleLatest()).remote({ writable: true }))
    .configure(Keys.mode, (r) => r.buffer(singleLatest()).remote())
    .configure(Keys.cmd, (r) => r.buffer(mailbox()).remote({ writable: true }))
    .configure(Keys.log, (r) => r.buffer(ring(3)).remote({ writable: true }))
    .build();
}

/** A session link that records every frame sent, parsed. */
export function recorder(): { frames: any[]; texts: string[]; closed: number; send(t: string): void; close(): void; canSend?: () => boolean } {
  const rec = {
    frames: [] as any[],
    texts: [] as string[],
    closed: 0,
    send(t: string) {
      rec.texts.push(t);
      rec.frames.push(JSON.parse(t));
    },
    close() {
      rec.closed++;
    },
  };
  return rec;
}
