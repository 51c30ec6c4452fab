import { expect } from 'chai';
import { builder, key, mailbox, manualRuntime, ring, singleLatest, type Connector, type ConnectorContext, type InboundRoute, type ManualRuntime, type Producer, type Trigger } from '../../core/index.js';

interface Num {
  n: number;
}
interface Txt {
  s: string;
}
const A = key<Num>('in.a', 'Num');
const B = key<Txt>('in.b', 'Txt');
const OUT = key<Txt>('out', 'Txt');
const SUM = key<Num>('sum', 'Num');

describe('core stages', () => {
  let rt: ManualRuntime;
  beforeEach(() => {
    rt = manualRuntime();
  });

  describe('source()', () => {
    it('runs after every tap subscribed, and its stop function runs on db.stop()', () => {
      const log: string[] = [];
      const db = builder(rt)
        .configure(A, (r) =>
          r
            .buffer(ring(4))
            .source((ctx, p) => {
              log.push('source');
              const t = ctx.every(10, () => p.produce({ n: ctx.now() }));
              return () => {
                t.cancel();
                log.push('source stopped');
              };
            })
            .tap((_ctx, c) => {
              log.push('tap');
              c.each((v) => log.push('v' + v.n));
            }),
        )
        .build()
        .start();
      rt.advance(35);
      db.stop();
      rt.advance(100);
      expect(log).to.deep.equal(['tap', 'source', 'v10', 'v20', 'v30', 'source stopped']);
    });
  });

  describe('transform()', () => {
    it('maps each input value in order and skips undefined', () => {
      const out: string[] = [];
      const db = builder(rt)
        .configure(A, (r) => r.buffer(ring(8)))
        .configure(OUT, (r) =>
          r
            .buffer(ring(8))
            .transform(A, (t) => t.map((v) => (v.n % 2 === 0 ? { s: 'even ' + v.n } : undefined)))
            .tap((_c, c) => void c.each((v) => out.push(v.s))),
        )
        .build()
        .start();
      for (let i = 1; i <= 6; i++) db.set(A, { n: i });
      rt.runUntilIdle();
      expect(out).to.deep.equal(['even 2', 'even 4', 'even 6']);
    });

    it('carries user state between values (stateful form)', () => {
      const sums: number[] = [];
      const db = builder(rt)
        .configure(A, (r) => r.buffer(ring(8)))
        .configure(SUM, (r) =>
          r
            .buffer(singleLatest())
            .transform(A, (t) => t.withState(() => ({ total: 0 })).onValue((v, st) => ({ n: (st.total += v.n) })))
            .tap((_c, c) => void c.each((v) => sums.push(v.n))),
        )
        .build()
        .start();
      for (let i = 1; i <= 4; i++) {
        db.set(A, { n: i });
        rt.runUntilIdle();
      }
      expect(sums).to.deep.equal([1, 3, 6, 10]);
    });

    it('skips over a lagging input instead of failing', () => {
      const out: number[] = [];
      const db = builder(rt)
        .scheduler({ batch: 1000, turn: 1000 })
        .configure(A, (r) => r.buffer(ring(2)))
        .configure(SUM, (r) =>
          r
            .buffer(ring(8))
            .transform(A, (t) => t.map((v) => v))
            .tap((_c, c) => void c.each((v) => out.push(v.n))),
        )
        .build()
        .start();
      for (let i = 1; i <= 5; i++) db.set(A, { n: i });
      rt.runUntilIdle();
      db.set(A, { n: 6 });
      rt.runUntilIdle();
      expect(out).to.deep.equal([4, 5, 6]);
      expect(db.metrics(A).dropped).to.equal(3);
    });

    it('logs and counts a throwing transform under its output record and keeps going', () => {
      const logs: string[] = [];
      const rt2 = manualRuntime({ log: (l, s, m) => logs.push(`${l} ${s}: ${m}`) });
      const out: number[] = [];
      const db = builder(rt2)
        .configure(A, (r) => r.buffer(ring(8)))
        .configure(SUM, (r) =>
          r
            .buffer(ring(8))
            .transform(A, (t) =>
              t.map((v) => {
                if (v.n === 2) throw new Error('bad value');
                return v;
              }),
            )
            .tap((_c, c) => void c.each((v) => out.push(v.n))),
        )
        .build()
        .start();
      for (let i = 1; i <= 3; i++) db.set(A, { n: i });
      rt2.runUntilIdle();
      expect(out).to.deep.equal([1, 3]);
      expect(logs).to.deep.equal(['error sum: transform threw: Error: bad value']);
      expect(db.metrics(SUM).errors).to.equal(1);
      expect(db.metrics(A).errors).to.equal(0);
    });

    it('logs and counts a throwing join handler under its output record', () => {
      const logs: string[] = [];
      const rt2 = manualRuntime({ log: (l, s, m) => logs.push(`${l} ${s}: ${m}`) });
      const db = builder(rt2)
        .configure(A, (r) => r.buffer(ring(8)))
        .configure(SUM, (r) =>
          r.buffer(ring(8)).transformJoin((j) =>
            j.input(A).onTriggers((t, p) => {
              if (t.as(A)!.n === 2) throw new Error('bad trigger');
              p.produce(t.as(A)!);
            }),
          ),
        )
        .build()
        .start();
      for (let i = 1; i <= 3; i++) db.set(A, { n: i });
      rt2.runUntilIdle();
      expect(logs).to.deep.equal(['error sum: join handler threw: Error: bad trigger']);
      expect([db.metrics(SUM).produced, db.metrics(SUM).errors, db.metrics(A).errors]).to.deep.equal([2, 1, 0]);
    });
  });

  describe('transformJoin()', () => {
    function joinDb(queue: number, handler: (t: Trigger, p: Producer<Txt>, done: () => void) => void, inputCap = 64) {
      const out: string[] = [];
      const db = builder(rt)
        .scheduler({ batch: 64, turn: 8 })
        .configure(A, (r) => r.buffer(ring(inputCap)))
        .configure(B, (r) => r.buffer(ring(inputCap)))
        .configure(OUT, (r) =>
          r
            .buffer(ring(256))
            .transformJoin((j) => j.input(A).input(B).queue(queue).onTriggersAsync((t, p, done) => handler(t, p, done)))
            .tap((_c, c) => void c.each((v) => out.push(v.s))),
        )
        .build()
        .start();
      return { db, out };
    }

    it('hands triggers over in arrival order with their input index, key and typed value', () => {
      const out: string[] = [];
      const db = builder(rt)
        .configure(A, (r) => r.buffer(ring(8)))
        .configure(B, (r) => r.buffer(ring(8)))
        .configure(OUT, (r) =>
          r
            .buffer(ring(16))
            .transformJoin((j) =>
              j
                .input(A)
                .input(B)
                .withState(() => ({ count: 0 }))
                .onTriggers((t, p, _ctx, st: { count: number }) => {
                  st.count++;
                  const a = t.as(A);
                  const b = t.as(B);
                  p.produce({ s: `${st.count}:${t.index}:${t.key}:${a ? a.n : b!.s}` });
                }),
            )
            .tap((_c, c) => void c.each((v) => out.push(v.s))),
        )
        .build()
        .start();
      db.set(A, { n: 1 });
      rt.runUntilIdle();
      db.set(B, { s: 'x' });
      rt.runUntilIdle();
      db.set(A, { n: 2 });
      rt.runUntilIdle();
      expect(out).to.deep.equal(['1:0:in.a:1', '2:1:in.b:x', '3:0:in.a:2']);
    });

    it('applies backpressure with a slow handler: bounded queue, no deadlock, no loss while inputs keep up', () => {
      // The handler finishes one trigger every 10 virtual ms; 40 values arrive at once on two inputs.
      const pending: Array<() => void> = [];
      const { db, out } = joinDb(4, (t, p, done) => {
        p.produce({ s: t.key + '=' + (t.as(A)?.n ?? t.as(B)?.s) });
        pending.push(done);
      });
      const tick = () => {
        const d = pending.shift();
        if (d) d();
      };
      const t = setIntervalVirtual(rt, 10, tick);
      for (let i = 0; i < 20; i++) {
        db.set(A, { n: i });
        db.set(B, { s: 's' + i });
      }
      rt.advance(1000);
      t.stop();
      expect(out).to.have.length(40);
      expect(out.filter((s) => s.startsWith('in.a')).map((s) => s.slice(5))).to.deep.equal([...Array(20).keys()].map(String));
      const stats = db.joinStats()[0];
      expect(stats.handled).to.equal(40);
      expect(stats.stalls).to.be.greaterThan(0);
      expect(db.metrics(A).dropped + db.metrics(B).dropped).to.equal(0);
    });

    it('lets an input ring lag (counted) when the handler is slower than its capacity allows', () => {
      const pending: Array<() => void> = [];
      const { db, out } = joinDb(
        2,
        (t, p, done) => {
          p.produce({ s: String(t.as(A)?.n) });
          pending.push(done);
        },
        4,
      );
      for (let i = 0; i < 20; i++) db.set(A, { n: i });
      for (let k = 0; k < 30; k++) {
        rt.runUntilIdle();
        const d = pending.shift();
        if (d) d();
      }
      rt.runUntilIdle();
      // Delivered + missed accounts for every value: nothing unbounded, nothing silently lost.
      expect(out.length + db.metrics(A).dropped).to.equal(20);
      expect(out[out.length - 1]).to.equal('19');
    });

    it('uses the runtime default queue (16 on the host adapter)', () => {
      expect(manualRuntime().joinQueueCapacity).to.equal(16);
    });
  });

  describe('linkFrom()', () => {
    it('counts a payload the record refuses as a decode error, never throwing out of deliver', () => {
      // A ring with a numeric layout refuses what has no fields (null, a number): the inbound route
      // must neither throw nor count it as produced.
      let routes: InboundRoute[] = [];
      const capture: Connector = {
        schemes: ['sim'],
        validate: () => undefined,
        start(ctx: ConnectorContext) {
          routes = ctx.inbound;
        },
        stop() {},
      };
      const db = builder(rt)
        .withConnector(capture)
        .configure(A, (r) =>
          r
            .buffer(ring(4, { layout: { n: 'f64' } }))
            .linkFrom('sim://a')
            .withDeserializer((_c, p) => JSON.parse(String(p)))
            .finish(),
        )
        .build()
        .start();
      expect(routes).to.have.length(1);
      const results = ['null', '5', '{"n":1}'].map((p) => routes[0].deliver(p));
      expect(results).to.deep.equal([false, false, true]);
      expect(routes[0].metrics.decodeErrors).to.equal(2);
      expect([db.metrics(A).produced, db.metrics(A).rejected]).to.deep.equal([1, 2]);
      db.stop();
    });
  });

  describe('setById() (the AimX record.set path)', () => {
    it('reports a refused value to the caller as INVALID_ARGUMENT and counts it', () => {
      const db = builder(rt).configure(A, (r) => r.buffer(ring(4, { layout: { n: 'f64' } }))).build().start();
      const id = db.findRecord(A.name);
      expect(() => db.setById(id, null)).to.throw().with.property('code', 'INVALID_ARGUMENT');
      db.setById(id, { n: 1 });
      expect([db.metrics(A).produced, db.metrics(A).rejected]).to.deep.equal([1, 1]);
      db.stop();
    });
  });

  describe('mailbox commands', () => {
    it('delivers a command to exactly one of two taps', () => {
      const got: string[] = [];
      const db = builder(rt)
        .configure(OUT, (r) =>
          r
            .buffer(mailbox())
            .tap((_c, c) => void c.each((v) => got.push('t1 ' + v.s)))
            .tap((_c, c) => void c.each((v) => got.push('t2 ' + v.s))),
        )
        .build()
        .start();
      db.set(OUT, { s: 'open' });
      rt.runUntilIdle();
      expect(got).to.deep.equal(['t1 open']);
    });
  });
});

function setIntervalVirtual(rt: ManualRuntime, ms: number, fn: () => void) {
  let live = true;
  const arm = () =>
    rt.setTimer(() => {
      if (!live) return;
      fn();
      arm();
    }, ms);
  arm();
  return { stop: () => void (live = false) };
}

describe('Reader.cancelRecv()', () => {
  it('withdraws a pending recv so that a Mailbox value goes to a reader still waiting', () => {
    const rt = manualRuntime();
    const db = builder(rt).configure(OUT, (r) => r.buffer(mailbox())).build().start();
    const a = db.subscribe(OUT);
    const b = db.subscribe(OUT);
    const got: string[] = [];
    a.recv((_st, v) => got.push('a ' + (v as Txt).s));
    b.recv((_st, v) => got.push('b ' + (v as Txt).s));
    expect(a.cancelRecv()).to.equal(true);
    expect(a.cancelRecv()).to.equal(false);
    db.set(OUT, { s: 'cmd' });
    rt.runUntilIdle();
    expect(got).to.deep.equal(['b cmd']);
  });
});
