/**
 * The three buffers through the blocking handle (CONTRACT §2 and §8): the same semantics as a core
 * reader, one reader in the engine per `consumer(key)`.
 */
import { expect } from 'chai';
import type { SyncHandle } from '../../bridge/sync/index.js';
import { Box, Latest, Ring } from './fixtures/app.js';
import { attachFixture } from './helpers.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('bridge/sync buffers through the handle', function () {
  this.timeout(20000);
  let h: SyncHandle;
  before(() => {
    h = attachFixture({ ticks: false, ringCapacity: 4 });
  });
  after(() => h.detach());

  describe('SpmcRing', () => {
    it('get returns each value once, in order', () => {
      const c = h.consumer(Ring);
      const p = h.producer(Ring);
      p.set({ n: 1 });
      p.set({ n: 2 });
      p.set({ n: 3 });
      expect([c.get().n, c.get().n, c.get().n]).to.deep.equal([1, 2, 3]);
      expect(c.tryGet()).to.equal(undefined);
      c.close();
    });

    it('gives a fresh consumer only values produced after consumer() returned', () => {
      const p = h.producer(Ring);
      p.set({ n: 10 });
      const c = h.consumer(Ring);
      expect(c.tryGet()).to.equal(undefined);
      p.set({ n: 11 });
      expect(c.get()).to.deep.equal({ n: 11 });
      c.close();
    });

    it('keeps an independent cursor per consumer (fan-out)', () => {
      const a = h.consumer(Ring);
      const b = h.consumer(Ring);
      h.producer(Ring).set({ n: 1 });
      expect(a.get().n).to.equal(1);
      expect(b.get().n).to.equal(1);
      a.close();
      b.close();
    });

    it('skips a lag: get returns the oldest retained value, getResult and missed tell how many were lost', () => {
      const c = h.consumer(Ring);
      const p = h.producer(Ring);
      const base = h.metrics(Ring).produced;
      for (let i = 1; i <= 10; i++) p.set({ n: i });
      expect(c.getResult()).to.deep.equal({ value: { n: 7 }, seq: base + 7, missed: 6 });
      expect(c.missed).to.equal(6);
      expect([c.get().n, c.get().n, c.get().n]).to.deep.equal([8, 9, 10]);
      c.close();
    });

    it('getLatest drains the backlog and returns the newest', () => {
      const c = h.consumer(Ring);
      const p = h.producer(Ring);
      p.set({ n: 1 });
      p.set({ n: 2 });
      p.set({ n: 3 });
      expect(c.getLatest()).to.deep.equal({ n: 3 });
      expect(c.getLatest()).to.equal(undefined);
      expect(c.tryGet()).to.equal(undefined);
      c.close();
    });

    it('getWithTimeout blocks about the timeout when nothing comes, then GET_TIMEOUT', () => {
      const c = h.consumer(Ring);
      const t0 = performance.now();
      expect(codeOf(() => c.getWithTimeout(120))).to.equal('GET_TIMEOUT');
      const ms = performance.now() - t0;
      expect(ms).to.be.within(115, 1000);
      // The timed-out get left nothing pending: the next value goes to the next get.
      h.producer(Ring).set({ n: 5 });
      expect(c.getWithTimeout(1000)).to.deep.equal({ n: 5 });
      c.close();
    });
  });

  describe('SingleLatest', () => {
    it('returns the current value once, then blocks for a newer one', () => {
      const p = h.producer(Latest);
      p.set({ n: 1 });
      const c = h.consumer(Latest);
      expect(c.get()).to.deep.equal({ n: 1 });
      expect(codeOf(() => c.getWithTimeout(80))).to.equal('GET_TIMEOUT');
      p.set({ n: 2 });
      expect(c.get()).to.deep.equal({ n: 2 });
      c.close();
    });

    it('collapses values set between two reads', () => {
      const c = h.consumer(Latest);
      const p = h.producer(Latest);
      c.tryGet();
      p.set({ n: 3 });
      p.set({ n: 4 });
      p.set({ n: 5 });
      expect(c.get()).to.deep.equal({ n: 5 });
      expect(c.tryGet()).to.equal(undefined);
      c.close();
    });

    it('getLatest returns the current value to a fresh consumer, then nothing until a newer one', () => {
      const p = h.producer(Latest);
      p.set({ n: 6 });
      const c = h.consumer(Latest);
      expect(c.getLatest()).to.deep.equal({ n: 6 });
      expect(c.getLatest()).to.equal(undefined);
      c.close();
    });
  });

  describe('Mailbox', () => {
    it('takes on read: a value goes to one consumer only', () => {
      const a = h.consumer(Box);
      const b = h.consumer(Box);
      h.producer(Box).set({ n: 1 });
      expect(a.tryGet()).to.deep.equal({ n: 1 });
      expect(b.tryGet()).to.equal(undefined);
      expect(a.tryGet()).to.equal(undefined);
      a.close();
      b.close();
    });

    it('a pending value is received by a consumer made after it was set', () => {
      h.producer(Box).set({ n: 2 });
      const c = h.consumer(Box);
      expect(c.get()).to.deep.equal({ n: 2 });
      c.close();
    });

    it('a timed-out get consumes nothing: the next value goes to a consumer that asks', () => {
      const a = h.consumer(Box);
      const b = h.consumer(Box);
      expect(codeOf(() => a.getWithTimeout(60))).to.equal('GET_TIMEOUT');
      h.producer(Box).set({ n: 3 });
      expect(b.tryGet()).to.deep.equal({ n: 3 });
      a.close();
      b.close();
    });

    it('loses an overwritten value and counts it', () => {
      const before = h.metrics(Box);
      const p = h.producer(Box);
      p.set({ n: 4 });
      p.set({ n: 5 });
      const c = h.consumer(Box);
      expect(c.get()).to.deep.equal({ n: 5 });
      const m = h.metrics(Box);
      expect(m.dropped - before.dropped).to.equal(1);
      expect(m.produced - before.produced).to.equal(2);
      c.close();
    });
  });

  describe('values', () => {
    it('cross by structured clone: Date, Map, typed arrays and nesting survive; each get is a copy', () => {
      const c = h.consumer(Ring);
      const v = { n: 1, at: new Date(5), tags: new Map([['a', 1]]), bytes: new Uint8Array([1, 2]), deep: { list: [1, { x: 2 }] } };
      h.producer(Ring).set(v as any);
      const got = c.get() as any;
      expect(got).to.deep.equal(v);
      expect(got).to.not.equal(v);
      expect(got.at).to.be.instanceOf(Date);
      c.close();
    });

    it('a value that cannot be cloned throws DataCloneError at set, and nothing is sent', () => {
      const p = h.producer(Ring);
      for (let i = 0; i < 70; i++) expect(() => p.trySet({ n: 1, f: () => 1 } as any)).to.throw(/could not be cloned/);
      const c = h.consumer(Ring);
      // Nothing stayed in flight: the channel (64) still takes values.
      expect(p.trySet({ n: 1 })).to.equal(true);
      expect(c.get()).to.deep.equal({ n: 1 });
      p.set({ n: 2 });
      expect(c.get()).to.deep.equal({ n: 2 });
      c.close();
    });
  });
});
