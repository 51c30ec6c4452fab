/**
 * Blocking across threads: a real `Atomics.wait` in one thread woken by a set in another; producer
 * and consumer in two workers; shutdown while callers are blocked (RUNTIME_SHUTDOWN, no hang);
 * the command channel bound (trySet, SET_TIMEOUT).
 */
import { expect } from 'chai';
import { attach, openHandle, type SyncDescriptor, type SyncHandle } from '../../bridge/sync/index.js';
import { Box, Latest, Ring, Stall } from './fixtures/app.js';
import { attachFixture, FIXTURE, runWorker, sleep, sleepSync } from './helpers.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('bridge/sync across threads', function () {
  this.timeout(30000);

  describe('blocking get', () => {
    let h: SyncHandle;
    before(() => {
      h = attachFixture({ ticks: false, ringCapacity: 256 });
    });
    after(() => h.detach());

    it('really blocks this thread until another thread sets (no event loop turn needed)', () => {
      const c = h.consumer(Latest);
      const run = runWorker('producer', h, { key: 'latest', from: 42, to: 42, startMs: 300 });
      const t0 = performance.now();
      // The worker boots (~0.5 s) and sets after a further 300 ms; meanwhile this thread is parked.
      const v = c.getWithTimeout(10000);
      const ms = performance.now() - t0;
      expect(v).to.deep.equal({ n: 42 });
      expect(ms).to.be.greaterThan(290);
      c.close();
      return run.done;
    });

    it('carries every value in order from a producer worker to a consumer worker (ring)', async () => {
      const consumer = runWorker('consumer', h, { key: 'ring', count: 200, timeoutMs: 5000 });
      await consumer.next((m) => m.ready);
      const producer = runWorker('producer', h, { key: 'ring', from: 1, to: 200 });
      await producer.done;
      const msgs = await consumer.done;
      const res = msgs.find((m) => m.values || m.error);
      expect(res.error).to.equal(undefined);
      expect(res.values).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(res.missed).to.equal(0);
    });

    it('shares Mailbox values competitively between consumer workers: each value to one of them at most', async () => {
      // Own engine: the consumers block in get() until detach ends them.
      const own = attachFixture();
      const a = runWorker('consumer', own, { key: 'box', count: 1000 });
      const b = runWorker('consumer', own, { key: 'box', count: 1000 });
      await Promise.all([a.next((m) => m.ready), b.next((m) => m.ready)]);
      const producer = runWorker('producer', own, { key: 'box', from: 1, to: 60, gapMs: 2 });
      await producer.done;
      await sleep(100);
      const m = own.metrics(Box);
      own.detach();
      const [ma, mb] = await Promise.all([a.done, b.done]);
      const ra = ma.find((x) => x.error).values as number[];
      const rb = mb.find((x) => x.error).values as number[];
      const all = ra.concat(rb).sort((x, y) => x - y);
      expect(new Set(all).size).to.equal(all.length);
      expect(ra.length).to.be.greaterThan(0);
      expect(rb.length).to.be.greaterThan(0);
      expect(m.produced).to.equal(60);
      expect(m.consumed).to.equal(all.length);
      expect(all.length + m.dropped).to.equal(60);
    });
  });

  describe('shutdown while a caller is blocked', () => {
    it('answers a get blocked in a worker with RUNTIME_SHUTDOWN when the owner detaches', async () => {
      const h = attachFixture();
      const consumer = runWorker('consumer', h, { key: 'ring', count: 1 });
      await consumer.next((m) => m.ready);
      await sleep(100);
      const t0 = performance.now();
      h.detach();
      const msgs = await consumer.done;
      const res = msgs.find((m) => m.error);
      expect(res.error).to.equal('RUNTIME_SHUTDOWN');
      expect(performance.now() - t0).to.be.lessThan(2000);
    });

    it('answers a get blocked on the main thread with RUNTIME_SHUTDOWN when an owner in a worker detaches', async () => {
      const owner = runWorker('owner', null, { detachAfterMs: 300 }, 15000);
      const { desc } = await owner.next((m) => m.desc);
      const h = openHandle(desc as SyncDescriptor);
      const c = h.consumer(Ring);
      owner.worker.postMessage({ detach: true });
      const t0 = performance.now();
      expect(codeOf(() => c.get())).to.equal('RUNTIME_SHUTDOWN');
      expect(performance.now() - t0).to.be.within(150, 3000);
      h.detach();
      await owner.done;
    });
  });

  describe('engine death', () => {
    it('answers a get blocked on the engine\'s own owner thread with RUNTIME_SHUTDOWN when the engine thread exits', () => {
      const h = attach({ module: FIXTURE, export: 'exits', data: { exitAfterMs: 300 } });
      const c = h.consumer(Ring);
      const t0 = performance.now();
      expect(codeOf(() => c.get())).to.equal('RUNTIME_SHUTDOWN');
      expect(performance.now() - t0).to.be.within(200, 3000);
      h.detach();
      expect(h.attached).to.equal(false);
    });
  });

  describe('command channel', () => {
    it('trySet fails fast when `queue` sets are in flight; set waits for room and for the engine', () => {
      const h = attachFixture({ ticks: false, ringCapacity: 16 }, undefined, { queue: 4 });
      const stall = h.producer(Stall);
      const p = h.producer(Ring);
      const c = h.consumer(Ring);
      stall.set({ n: 400 });
      sleepSync(50);
      // The engine is busy in a tap for ~350 ms more: nothing is taken off the channel.
      const t0 = performance.now();
      expect([1, 2, 3, 4, 5].map((n) => p.trySet({ n }))).to.deep.equal([true, true, true, true, false]);
      expect(performance.now() - t0).to.be.lessThan(50);
      expect(codeOf(() => p.setWithTimeout({ n: 5 }, 50))).to.equal('SET_TIMEOUT');
      p.set({ n: 6 });
      expect(performance.now() - t0).to.be.greaterThan(200);
      expect([1, 2, 3, 4, 5].map(() => c.getWithTimeout(2000).n)).to.deep.equal([1, 2, 3, 4, 6]);
      h.detach();
    });
  });
});
