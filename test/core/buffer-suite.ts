/**
 * The buffer contract (CONTRACT §2) as one abstract suite. Every runtime adapter runs it:
 * `bufferSuite('virtual time', () => virtualHarness())`. A harness supplies the adapter and a way to
 * let the scheduler drain.
 */
import { expect } from 'chai';
import {
  builder,
  key,
  mailbox,
  RECV_EMPTY,
  RECV_LAGGED,
  RECV_VALUE,
  ring,
  singleLatest,
  type BufferConfig,
  type Database,
  type RecordKey,
  type RuntimeAdapter,
} from '../../core/index.js';

/** What a suite run needs from an adapter. */
export interface Harness {
  adapter: RuntimeAdapter;
  /** Lets every queued delivery run (virtual: runUntilIdle; real: wait for the event loop). */
  flush(): Promise<void>;
}

interface Reading {
  value: number;
}
const K = key<Reading>('suite.value', 'Reading');

function db1(h: Harness, buf: BufferConfig, k: RecordKey<Reading> = K): Database {
  return builder(h.adapter).configure(k, (r) => r.buffer(buf)).build().start();
}

/** Reads until empty; returns a log like ['v:1', 'lag:3', 'v:4']. */
function drain(r: { tryRecv(): number; value: Reading; missed: number }): string[] {
  const log: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const st = r.tryRecv();
    if (st === RECV_EMPTY) break;
    log.push(st === RECV_VALUE ? 'v:' + r.value.value : st === RECV_LAGGED ? 'lag:' + r.missed : 'st:' + st);
  }
  return log;
}

/** Runs the whole buffer contract against one harness. */
export function bufferSuite(name: string, make: () => Harness): void {
  describe('buffer contract on ' + name, () => {
    let h: Harness;
    let db: Database | undefined;
    beforeEach(() => {
      h = make();
      db = undefined;
    });
    afterEach(() => {
      if (db) db.stop();
    });

    describe('SpmcRing', () => {
      it('delivers every value in order to a reader that keeps up', () => {
        db = db1(h, ring(4));
        const r = db.subscribe(K);
        const log: string[] = [];
        for (let i = 1; i <= 10; i++) {
          db.set(K, { value: i });
          log.push(...drain(r));
        }
        expect(log).to.deep.equal(['v:1', 'v:2', 'v:3', 'v:4', 'v:5', 'v:6', 'v:7', 'v:8', 'v:9', 'v:10']);
      });

      it('gives a fresh reader only values produced after it subscribed', () => {
        db = db1(h, ring(8));
        db.set(K, { value: 1 });
        db.set(K, { value: 2 });
        const r = db.subscribe(K);
        expect(r.tryRecv()).to.equal(RECV_EMPTY);
        db.set(K, { value: 3 });
        expect(drain(r)).to.deep.equal(['v:3']);
      });

      it('drops the oldest on overflow and reports Lagged(n) once, then resumes at the oldest retained value', () => {
        db = db1(h, ring(4));
        const r = db.subscribe(K);
        for (let i = 1; i <= 10; i++) db.set(K, { value: i });
        expect(drain(r)).to.deep.equal(['lag:6', 'v:7', 'v:8', 'v:9', 'v:10']);
        db.set(K, { value: 11 });
        expect(drain(r)).to.deep.equal(['v:11']);
      });

      it('keeps an independent cursor per reader', () => {
        db = db1(h, ring(4));
        const a = db.subscribe(K);
        const b = db.subscribe(K);
        db.set(K, { value: 1 });
        db.set(K, { value: 2 });
        expect(drain(a)).to.deep.equal(['v:1', 'v:2']);
        db.set(K, { value: 3 });
        expect(drain(b)).to.deep.equal(['v:1', 'v:2', 'v:3']);
        expect(drain(a)).to.deep.equal(['v:3']);
      });

      it('has no latest: peek gives nothing', () => {
        db = db1(h, ring(4));
        db.set(K, { value: 1 });
        expect(db.subscribe(K).peek()).to.equal(undefined);
        expect(db.peek(K)).to.equal(undefined);
      });

      it('counts produced, consumed, dropped (values a reader missed) and occupancy (slowest backlog)', () => {
        db = db1(h, ring(4));
        const fast = db.subscribe(K);
        const slow = db.subscribe(K);
        for (let i = 1; i <= 6; i++) {
          db.set(K, { value: i });
          drain(fast);
        }
        expect(db.metrics(K)).to.deep.equal({ produced: 6, consumed: 6, dropped: 0, rejected: 0, errors: 0, occupancy: 4, capacity: 4 });
        drain(slow);
        expect(db.metrics(K)).to.deep.equal({ produced: 6, consumed: 10, dropped: 2, rejected: 0, errors: 0, occupancy: 0, capacity: 4 });
        db.resetMetrics();
        expect(db.metrics(K)).to.deep.equal({ produced: 0, consumed: 0, dropped: 0, rejected: 0, errors: 0, occupancy: 0, capacity: 4 });
      });

      it('keeps the same contract with a compact numeric layout', () => {
        db = db1(h, ring(4, { layout: { value: 'f64' } }));
        const r = db.subscribe(K);
        for (let i = 1; i <= 6; i++) db.set(K, { value: i + 0.5 });
        expect(drain(r)).to.deep.equal(['lag:2', 'v:3.5', 'v:4.5', 'v:5.5', 'v:6.5']);
      });

      // A compact ring copies values into numbers: a reader gets its own reused object with the layout's
      // fields only. Without typed arrays (mujs, JerryScript ES5.1) the ring keeps the producer's objects
      // instead, so this and the next test are the known differences there (README, "The three buffers").
      it('hands a compact ring reader its own reused object holding the layout fields only', () => {
        db = db1(h, ring(4, { layout: { value: 'f64' } }));
        const r = db.subscribe(K);
        const sent = { value: 1, extra: 'x' } as Reading;
        db.set(K, sent);
        db.set(K, { value: 2 });
        expect(r.tryRecv()).to.equal(RECV_VALUE);
        const first = r.value;
        expect(first).not.to.equal(sent);
        expect(first).to.deep.equal({ value: 1 });
        expect(r.tryRecv()).to.equal(RECV_VALUE);
        expect(r.value).to.equal(first);
        expect(first.value).to.equal(2);
      });

      it('stores a compact layout field in its typed array kind', () => {
        db = db1(h, ring(2, { layout: { value: 'u8' } }));
        const r = db.subscribe(K);
        db.set(K, { value: 257 });
        expect(drain(r)).to.deep.equal(['v:1']);
      });
    });

    describe('SingleLatest', () => {
      it('gives a fresh reader the current value once, then each newer value once', () => {
        db = db1(h, singleLatest());
        db.set(K, { value: 1 });
        const r = db.subscribe(K);
        expect(drain(r)).to.deep.equal(['v:1']);
        expect(drain(r)).to.deep.equal([]);
        db.set(K, { value: 2 });
        expect(drain(r)).to.deep.equal(['v:2']);
      });

      it('collapses intermediate values and counts them as dropped', () => {
        db = db1(h, singleLatest());
        const r = db.subscribe(K);
        db.set(K, { value: 1 });
        expect(drain(r)).to.deep.equal(['v:1']);
        db.set(K, { value: 2 });
        db.set(K, { value: 3 });
        db.set(K, { value: 4 });
        expect(drain(r)).to.deep.equal(['v:4']);
        expect(db.metrics(K)).to.deep.equal({ produced: 4, consumed: 2, dropped: 2, rejected: 0, errors: 0, occupancy: 1, capacity: 1 });
      });

      it('says Empty before anything is produced and recv waits for the first value', async () => {
        db = db1(h, singleLatest());
        const r = db.subscribe(K);
        expect(r.tryRecv()).to.equal(RECV_EMPTY);
        const got: number[] = [];
        r.recv((st, v) => got.push(st === RECV_VALUE ? (v as Reading).value : -st));
        await h.flush();
        expect(got).to.deep.equal([]);
        db.set(K, { value: 7 });
        await h.flush();
        expect(got).to.deep.equal([7]);
      });

      it('peeks the current value without consuming it', () => {
        db = db1(h, singleLatest());
        db.set(K, { value: 5 });
        const r = db.subscribe(K);
        expect((r.peek() as Reading).value).to.equal(5);
        expect(db.peek(K)).to.deep.equal({ value: 5 });
        expect(drain(r)).to.deep.equal(['v:5']);
      });
    });

    describe('Mailbox', () => {
      it('takes on read: a value goes to one reader only', () => {
        db = db1(h, mailbox());
        const a = db.subscribe(K);
        const b = db.subscribe(K);
        db.set(K, { value: 1 });
        expect(drain(a)).to.deep.equal(['v:1']);
        expect(drain(b)).to.deep.equal([]);
      });

      it('loses an unread value when overwritten, and counts it', () => {
        db = db1(h, mailbox());
        const a = db.subscribe(K);
        db.set(K, { value: 1 });
        db.set(K, { value: 2 });
        expect(drain(a)).to.deep.equal(['v:2']);
        expect(db.metrics(K)).to.deep.equal({ produced: 2, consumed: 1, dropped: 1, rejected: 0, errors: 0, occupancy: 0, capacity: 1 });
      });

      it('peeks the pending value without taking it', () => {
        db = db1(h, mailbox());
        db.set(K, { value: 3 });
        expect(db.peek(K)).to.deep.equal({ value: 3 });
        expect(db.metrics(K).occupancy).to.equal(1);
        const a = db.subscribe(K);
        expect(drain(a)).to.deep.equal(['v:3']);
        expect(db.peek(K)).to.equal(undefined);
      });

      it('shares values competitively between listening readers (no fan-out)', async () => {
        db = db1(h, mailbox());
        const seen: string[] = [];
        db.subscribe(K).each((v) => seen.push('a' + v.value));
        db.subscribe(K).each((v) => seen.push('b' + v.value));
        for (let i = 1; i <= 6; i++) {
          db.set(K, { value: i });
          await h.flush();
        }
        expect(seen).to.have.length(6);
        expect(seen.map((s) => s.slice(1))).to.deep.equal(['1', '2', '3', '4', '5', '6']);
        expect(seen.filter((s) => s[0] === 'a')).to.have.length(3);
      });
    });

    describe('bad values: producers never throw, the record refuses and counts', () => {
      // One case per buffer kind. `undefined` means "no value" everywhere, so every kind refuses it;
      // a ring with a numeric layout also refuses what has no fields to read (null, a number).
      const kinds: Array<[string, () => BufferConfig, unknown[]]> = [
        ['SpmcRing', () => ring(4), [undefined]],
        ['SpmcRing with a numeric layout', () => ring(4, { layout: { value: 'f64' } }), [undefined, null, 5, 'x']],
        ['SingleLatest', () => singleLatest(), [undefined]],
        ['Mailbox', () => mailbox(), [undefined]],
      ];
      for (const [label, buf, bad] of kinds) {
        it(`${label}: refuses ${bad.map(String).join(', ')} without throwing and keeps the counters consistent`, async () => {
          db = db1(h, buf());
          const r = db.subscribe(K);
          const got: number[] = [];
          r.each((v) => got.push(v.value));
          const p = db.producer(K) as { produce(v: unknown): void };
          p.produce({ value: 1 });
          for (const v of bad) expect(() => p.produce(v)).not.to.throw();
          p.produce({ value: 2 });
          await h.flush();
          expect(got).to.deep.equal(label === 'Mailbox' || label === 'SingleLatest' ? [2] : [1, 2]);
          const m = db.metrics(K);
          expect(m.produced).to.equal(2);
          expect(m.rejected).to.equal(bad.length);
          expect(m.consumed).to.equal(got.length);
          expect(m.errors).to.equal(0);
          db.resetMetrics();
          expect(db.metrics(K).rejected).to.equal(0);
        });
      }

      it('counts a throwing subscriber in the record errors', async () => {
        db = db1(h, ring(4));
        db.subscribe(K).each(() => {
          throw new Error('boom');
        });
        db.set(K, { value: 1 });
        db.set(K, { value: 2 });
        await h.flush();
        const m = db.metrics(K);
        expect([m.consumed, m.errors]).to.deep.equal([2, 2]);
      });
    });

    describe('delivery', () => {
      for (const [label, buf] of [
        ['ring', ring(4)],
        ['singleLatest', singleLatest()],
        ['mailbox', mailbox()],
      ] as Array<[string, BufferConfig]>) {
        it(`never misses the first value for a tap subscribed in configure (${label})`, async () => {
          const seen: number[] = [];
          db = builder(h.adapter)
            .configure(K, (r) =>
              r
                .buffer(buf)
                .source((_ctx, p) => p.produce({ value: 42 }))
                .tap((_ctx, c) => {
                  c.each((v) => seen.push(v.value));
                }),
            )
            .build()
            .start();
          await h.flush();
          expect(seen).to.deep.equal([42]);
        });
      }

      it('never runs subscribers on the producer stack', async () => {
        db = db1(h, ring(4));
        let producing = false;
        const calls: boolean[] = [];
        db.subscribe(K).each(() => calls.push(producing));
        producing = true;
        db.set(K, { value: 1 });
        producing = false;
        expect(calls).to.deep.equal([]);
        await h.flush();
        expect(calls).to.deep.equal([false]);
      });

      it('runs every tap even when one throws', async () => {
        const seen: string[] = [];
        const logs: string[] = [];
        const adapter = { ...h.adapter, log: (lvl: string, src: string, msg: string) => logs.push(lvl + ' ' + src + ' ' + msg) };
        db = builder(adapter as RuntimeAdapter)
          .configure(K, (r) =>
            r
              .buffer(ring(4))
              .tap((_c, c) => {
                c.each(() => {
                  throw new Error('boom');
                });
              })
              .tap((_c, c) => {
                c.each((v) => seen.push('second ' + v.value));
              }),
          )
          .build()
          .start();
        db.set(K, { value: 1 });
        db.set(K, { value: 2 });
        await h.flush();
        expect(seen).to.deep.equal(['second 1', 'second 2']);
        expect(logs.filter((l) => l.indexOf('boom') >= 0)).to.have.length(2);
      });

      it('reports a lag to an each() listener once and keeps delivering', async () => {
        db = builder(h.adapter).scheduler({ batch: 1000, turn: 1000 }).configure(K, (r) => r.buffer(ring(3))).build().start();
        const log: string[] = [];
        db.subscribe(K).each(
          (v) => log.push('v:' + v.value),
          (n) => log.push('lag:' + n),
        );
        for (let i = 1; i <= 5; i++) db.set(K, { value: i });
        await h.flush();
        expect(log).to.deep.equal(['lag:2', 'v:3', 'v:4', 'v:5']);
      });
    });
  });
}
