/**
 * Databases for the dashboard and metrics tests: every buffer kind, every origin and every edge kind
 * (source, link, transform, transformJoin, tap, linkOut), with a loopback connector whose link
 * counters move.
 */
import { builder, key, mailbox, ring, singleLatest, type Connector, type ConnectorContext, type RuntimeAdapter } from '../../core/index.js';
import type { Database } from '../../core/index.js';

export interface Climate {
  celsius: number;
  rh: number;
}

export const K = {
  temp: key<Climate>('sensor.temp', 'Climate'),
  count: key<number>('sensor.count', 'Count'),
  avg: key<{ avg: number }>('sensor.avg', 'Average'),
  outdoor: key<number>('weather.outdoor', 'Celsius'),
  alarm: key<string>('alarm.state', 'Alarm'),
  setpoint: key<number>('app.setpoint', 'Setpoint'),
};

/**
 * A connector for `mqtt://` links that loops nothing to a network: outbound messages are counted as
 * sent; `deliver(topic, payload)` feeds inbound routes (and `every` ms delivers `outdoor(n)` itself).
 */
export function loopbackConnector(every?: number): Connector & { deliver(payload: string): void } {
  let ctx: ConnectorContext | null = null;
  let n = 0;
  const c = {
    schemes: ['mqtt'],
    start(x: ConnectorContext) {
      ctx = x;
      for (const r of x.outbound) {
        const m = r.metrics;
        r.send = () => {
          m.sent++;
        };
      }
      if (every) x.every(every, () => c.deliver(String(10 + Math.sin(++n / 5) * 4)));
    },
    stop() {
      ctx = null;
    },
    deliver(payload: string) {
      if (ctx) for (const r of ctx.inbound) r.deliver(payload);
    },
  };
  return c;
}

/** Options of {@link dashboardDb}. */
export interface FixtureOptions {
  /** Period of the sources, in ms; 0 = no timers (values only by hand). */
  periodMs?: number;
}

/**
 * Records:
 * - `sensor.temp` ring(16), source {celsius, rh}, one tap, linkTo mqtt://site/temp;
 * - `sensor.count` SingleLatest, source: 1, 2, 3…;
 * - `sensor.avg` SingleLatest, transform of sensor.temp;
 * - `weather.outdoor` ring(8), linkFrom mqtt://weather/outdoor (the deserializer rejects "bad");
 * - `alarm.state` Mailbox, transformJoin of sensor.avg and weather.outdoor;
 * - `app.setpoint` SingleLatest, passive, writable.
 */
export function dashboardDb(rt: RuntimeAdapter, conn: Connector, opts: FixtureOptions = {}): Database {
  const period = opts.periodMs ?? 0;
  let i = 0;
  let c = 0;
  return builder(rt)
    .nodeId('edge-test')
    .withConnector(conn)
    .configure(K.temp, (r) =>
      r
        .buffer(ring(16))
        .source((ctx, p) => {
          if (period > 0) ctx.every(period, () => p.produce({ celsius: Math.round((21 + Math.sin(++i / 4) * 3) * 100) / 100, rh: Math.round((45 + Math.cos(i / 6) * 5) * 10) / 10 }));
        })
        .tap((_ctx, consumer) => {
          consumer.each(() => {});
        })
        .linkTo('mqtt://site/temp')
        .withSerializer((_c, v) => JSON.stringify(v))
        .finish(),
    )
    .configure(K.count, (r) =>
      r.buffer(singleLatest()).source((ctx, p) => {
        if (period > 0) ctx.every(period * 2, () => p.produce(++c));
      }),
    )
    .configure(K.avg, (r) => r.buffer(singleLatest()).transform(K.temp, (t) => t.withState({ n: 0, sum: 0 }).onValue((v, s) => ({ avg: Math.round(((s.sum += v.celsius) / ++s.n) * 100) / 100 }))))
    .configure(K.outdoor, (r) =>
      r
        .buffer(ring(8))
        .linkFrom('mqtt://weather/outdoor')
        .withDeserializer((_c, p) => {
          const n = Number(p);
          if (p === 'bad' || n !== n) throw new Error('not a number');
          return n;
        })
        .finish(),
    )
    .configure(K.alarm, (r) =>
      r.buffer(mailbox()).transformJoin((j) =>
        j
          .input(K.avg)
          .input(K.outdoor)
          .onTriggers((t, p) => {
            if (t.index === 0 && (t.value as { avg: number }).avg > 23) p.produce('hot');
            else if (t.index === 1) p.produce((t.value as number) < 8 ? 'cold-outside' : 'ok');
          }),
      ),
    )
    .configure(K.setpoint, (r) => r.buffer(singleLatest()).remote({ writable: true }))
    .build();
}
