/**
 * The MCU direct API (CONTRACT §8: `set` / `tryGet` / `peek`, nothing blocks) checked against the
 * buffer contract (§2) on virtual time — the same calls an Espruino or JerryScript program makes.
 */
import { expect } from 'chai';
import { builder, key, mailbox, manualRuntime, ring, singleLatest, type BufferConfig, type Database, type ManualRuntime } from '../../core/index.js';

interface Num {
  n: number;
}
const K = key<Num>('direct.k', 'Num');
const Sourced = key<Num>('direct.sourced', 'Num');

function make(rt: ManualRuntime, buf: BufferConfig): Database {
  return builder(rt).configure(K, (r) => r.buffer(buf)).build().start();
}

/** tryGet until undefined; the n of each value. */
function drain(db: Database): number[] {
  const out: number[] = [];
  for (let v = db.tryGet(K); v !== undefined && out.length < 100; v = db.tryGet(K)) out.push(v.n);
  return out;
}

describe('direct API (database.ts)', () => {
  let rt: ManualRuntime;
  let db: Database;
  beforeEach(() => {
    rt = manualRuntime();
  });
  afterEach(() => db.stop());

  describe('tryGet on SpmcRing', () => {
    it('does not replay values produced before the first tryGet (its reader is made then)', () => {
      db = make(rt, ring(4));
      db.set(K, { n: 1 });
      expect(db.tryGet(K)).to.equal(undefined);
      db.set(K, { n: 2 });
      db.set(K, { n: 3 });
      expect(drain(db)).to.deep.equal([2, 3]);
    });

    it('sees every value produced after the first tryGet, in order, once', () => {
      db = make(rt, ring(4));
      expect(db.tryGet(K)).to.equal(undefined);
      const got: number[] = [];
      for (let i = 1; i <= 9; i++) {
        db.set(K, { n: i });
        if (i % 3 === 0) got.push(...drain(db));
      }
      expect(got).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('skips a lag and continues at the oldest retained value; the lag is counted as dropped', () => {
      db = make(rt, ring(4));
      db.tryGet(K);
      for (let i = 1; i <= 10; i++) db.set(K, { n: i });
      expect(drain(db)).to.deep.equal([7, 8, 9, 10]);
      expect(db.metrics(K)).to.deep.equal({ produced: 10, consumed: 4, dropped: 6, rejected: 0, errors: 0, occupancy: 0, capacity: 4 });
    });

    it('keeps its own cursor beside other readers and taps', () => {
      const seen: number[] = [];
      db = builder(rt)
        .configure(K, (r) => r.buffer(ring(8)).tap((_ctx, c) => void c.each((v) => seen.push(v.n))))
        .build()
        .start();
      db.tryGet(K);
      db.set(K, { n: 1 });
      db.set(K, { n: 2 });
      rt.runUntilIdle();
      expect(seen).to.deep.equal([1, 2]);
      expect(drain(db)).to.deep.equal([1, 2]);
    });

    it('has no latest: peek gives undefined', () => {
      db = make(rt, ring(4));
      db.set(K, { n: 1 });
      expect(db.peek(K)).to.equal(undefined);
    });

    it('returns the reader\'s reused object for a compact layout (copy it to keep it)', () => {
      db = make(rt, ring(4, { layout: { n: 'i32' } }));
      db.tryGet(K);
      db.set(K, { n: 1 });
      db.set(K, { n: 2 });
      const a = db.tryGet(K) as Num;
      expect(a.n).to.equal(1);
      const b = db.tryGet(K) as Num;
      expect(b).to.equal(a);
      expect(a.n).to.equal(2);
    });
  });

  describe('tryGet on SingleLatest', () => {
    it('gives the current value once, then each newer value once; bursts collapse', () => {
      db = make(rt, singleLatest());
      expect(db.tryGet(K)).to.equal(undefined);
      db.set(K, { n: 1 });
      expect(drain(db)).to.deep.equal([1]);
      db.set(K, { n: 2 });
      db.set(K, { n: 3 });
      expect(drain(db)).to.deep.equal([3]);
      expect(db.metrics(K)).to.deep.equal({ produced: 3, consumed: 2, dropped: 1, rejected: 0, errors: 0, occupancy: 1, capacity: 1 });
    });

    it('gives a value produced before the first tryGet (the current value)', () => {
      db = make(rt, singleLatest());
      db.set(K, { n: 5 });
      expect(drain(db)).to.deep.equal([5]);
    });

    it('peeks without consuming, before and after a read', () => {
      db = make(rt, singleLatest());
      expect(db.peek(K)).to.equal(undefined);
      db.set(K, { n: 4 });
      expect(db.peek(K)).to.deep.equal({ n: 4 });
      expect(drain(db)).to.deep.equal([4]);
      expect(db.peek(K)).to.deep.equal({ n: 4 });
    });
  });

  describe('tryGet on Mailbox', () => {
    it('takes on read: a value is returned once and then gone (peek too)', () => {
      db = make(rt, mailbox());
      db.set(K, { n: 1 });
      expect(db.peek(K)).to.deep.equal({ n: 1 });
      expect(db.tryGet(K)).to.deep.equal({ n: 1 });
      expect(db.tryGet(K)).to.equal(undefined);
      expect(db.peek(K)).to.equal(undefined);
    });

    it('returns a value produced before the first tryGet (it is pending)', () => {
      db = make(rt, mailbox());
      db.set(K, { n: 9 });
      expect(drain(db)).to.deep.equal([9]);
    });

    it('loses an overwritten value and counts it', () => {
      db = make(rt, mailbox());
      db.set(K, { n: 1 });
      db.set(K, { n: 2 });
      expect(drain(db)).to.deep.equal([2]);
      expect(db.metrics(K)).to.deep.equal({ produced: 2, consumed: 1, dropped: 1, rejected: 0, errors: 0, occupancy: 0, capacity: 1 });
    });

    it('competes with a tap: a value taken by tryGet is not delivered to the tap, and the reverse', () => {
      const seen: number[] = [];
      db = builder(rt)
        .configure(K, (r) => r.buffer(mailbox()).tap((_ctx, c) => void c.each((v) => seen.push(v.n))))
        .build()
        .start();
      db.set(K, { n: 1 });
      expect(db.tryGet(K)).to.deep.equal({ n: 1 });
      rt.runUntilIdle();
      expect(seen).to.deep.equal([]);
      db.set(K, { n: 2 });
      rt.runUntilIdle();
      expect(seen).to.deep.equal([2]);
      expect(db.tryGet(K)).to.equal(undefined);
    });
  });

  describe('set', () => {
    it('refuses a record with its own producer stage (NOT_WRITABLE) and an unknown key (NOT_FOUND)', () => {
      db = builder(rt)
        .configure(K, (r) => r.buffer(ring(2)))
        .configure(Sourced, (r) => r.buffer(singleLatest()).source(() => undefined))
        .build()
        .start();
      expect(() => db.set(Sourced, { n: 1 })).to.throw().with.property('code', 'NOT_WRITABLE');
      expect(() => db.set(key<Num>('direct.none', 'Num'), { n: 1 })).to.throw().with.property('code', 'NOT_FOUND');
      expect(() => db.tryGet(key<Num>('direct.none', 'Num'))).to.throw().with.property('code', 'NOT_FOUND');
    });

    it('never blocks and never fails on a full ring (overwrites the oldest)', () => {
      db = make(rt, ring(2));
      db.tryGet(K);
      for (let i = 1; i <= 1000; i++) db.set(K, { n: i });
      expect(drain(db)).to.deep.equal([999, 1000]);
    });

    it('is seen by a tap on the scheduler, never on the producer stack', () => {
      const seen: number[] = [];
      db = builder(rt)
        .configure(K, (r) => r.buffer(ring(4)).tap((_ctx, c) => void c.each((v) => seen.push(v.n))))
        .build()
        .start();
      db.set(K, { n: 1 });
      expect(seen).to.deep.equal([]);
      rt.runUntilIdle();
      expect(seen).to.deep.equal([1]);
    });
  });

  describe('after stop', () => {
    it('tryGet returns undefined (the direct reader is closed)', () => {
      db = make(rt, singleLatest());
      db.set(K, { n: 1 });
      db.tryGet(K);
      db.stop();
      db.set(K, { n: 2 });
      expect(db.tryGet(K)).to.equal(undefined);
    });
  });
});
