/** attach / detach: start-up failures, record table, ownership checks, detach twice, after detach. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { key } from '../../core/index.js';
import { attach } from '../../bridge/sync/index.js';
import { Box, Latest, Ring, Ticks, type Num } from './fixtures/app.js';
import { attachFixture, FIXTURE } from './helpers.js';

function errorOf(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('did not throw');
}

describe('bridge/sync attach and detach', function () {
  this.timeout(20000);

  describe('attach', () => {
    it('returns once the database runs, with its record table', () => {
      const h = attachFixture();
      expect(h.attached).to.equal(true);
      expect(h.records().map((r) => [r.name, r.bufferType, r.bufferCapacity, r.settable])).to.deep.equal([
        ['sync.ring', 'spmc_ring', 4, true],
        ['sync.latest', 'single_latest', 1, true],
        ['sync.box', 'mailbox', 1, true],
        ['sync.stall', 'mailbox', 1, true],
        ['sync.ticks', 'single_latest', 1, false],
      ]);
      h.detach();
    });

    it('runs sources in the engine: a consumer of a sourced record gets values without any set', () => {
      const h = attachFixture({ ticks: true });
      const c = h.consumer(Ticks);
      const a = c.getWithTimeout(2000).n;
      const b = c.getWithTimeout(2000).n;
      expect(b).to.be.greaterThan(a);
      h.detach();
    });

    it('fails with ATTACH_FAILED listing every configuration mistake', () => {
      const e = errorOf(() => attach({ module: FIXTURE, export: 'broken' }));
      expect(e.code).to.equal('ATTACH_FAILED');
      expect(e.message).to.match(/InvalidConfiguration: \d+ problem/);
      expect(e.message).to.match(/capacity/);
    });

    it('fails with ATTACH_FAILED when the export is missing', () => {
      const e = errorOf(() => attach({ module: FIXTURE, export: 'nope' }));
      expect(e.code).to.equal('ATTACH_FAILED');
      expect(e.message).to.match(/exports no function 'nope'/);
    });

    it('fails with ATTACH_FAILED when the module does not exist', () => {
      const e = errorOf(() => attach({ module: new URL('./fixtures/missing.ts', import.meta.url) }));
      expect(e.code).to.equal('ATTACH_FAILED');
      expect(e.message).to.match(/missing\.ts|Cannot find/);
    });

    it('rejects a missing module option with INVALID_ARGUMENT', () => {
      expect(errorOf(() => attach({} as any)).code).to.equal('INVALID_ARGUMENT');
    });
  });

  describe('producer and consumer', () => {
    it('refuses a record with its own source (NOT_WRITABLE) and unknown keys (NOT_FOUND), with no round trip', () => {
      const h = attachFixture();
      expect(errorOf(() => h.producer(Ticks)).code).to.equal('NOT_WRITABLE');
      const Unknown = key<Num>('sync.unknown', 'Num');
      expect(errorOf(() => h.producer(Unknown)).code).to.equal('NOT_FOUND');
      expect(errorOf(() => h.consumer(Unknown)).code).to.equal('NOT_FOUND');
      h.detach();
    });
  });

  describe('detach', () => {
    it('is a no-op the second time; afterwards every call says RUNTIME_SHUTDOWN', () => {
      const h = attachFixture();
      const c = h.consumer(Ring);
      const p = h.producer(Latest);
      h.detach();
      expect(h.attached).to.equal(false);
      h.detach();
      h.detachTimeout(10);
      expect(errorOf(() => c.get()).code).to.equal('RUNTIME_SHUTDOWN');
      expect(errorOf(() => c.tryGet()).code).to.equal('RUNTIME_SHUTDOWN');
      expect(errorOf(() => p.set({ n: 1 })).code).to.equal('RUNTIME_SHUTDOWN');
      expect(errorOf(() => p.trySet({ n: 1 })).code).to.equal('RUNTIME_SHUTDOWN');
      expect(errorOf(() => h.consumer(Box)).code).to.equal('RUNTIME_SHUTDOWN');
      expect(errorOf(() => h.share()).code).to.equal('RUNTIME_SHUTDOWN');
    });

    it('delivers the engine log written before detach to onLog before it returns', () => {
      const logs: string[] = [];
      const h = attachFixture({ ticks: false }, logs);
      const p = h.producer(Ring);
      p.set({ n: 1 });
      p.set({ n: 2 });
      h.detach();
      expect(logs).to.deep.equal(['tap ring #1 n=1', 'tap ring #2 n=2']);
    });

    it('ends the engine thread (the process can exit)', async () => {
      const h = attachFixture() as any;
      const exited = new Promise((r) => h._worker.once('exit', r));
      h.detach();
      await exited;
    });
  });
});

describe('attach() under process-wide Node flags', () => {
  it('starts its engine thread when the process runs with --expose-gc (workers refuse that flag)', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--expose-gc', '-e', "import('./bridge/sync/worker.ts').then(({ tsWorker }) => { const w = tsWorker('data:text/javascript,process.exit(0)'); w.on('exit', (c) => console.log('exit', c)); w.on('error', (e) => console.log('error', e.code)); })"], { cwd: join(import.meta.dirname, '../..'), encoding: 'utf8', timeout: 20000 });
    expect(out.trim()).to.equal('exit 0');
  });
});
