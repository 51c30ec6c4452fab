import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { manualRuntime } from '../../core/index.js';
import { helloRing, Temperature } from '../../examples/hello-ring/app.js';
import { helloSingleLatest } from '../../examples/hello-single-latest/app.js';
import { helloMailbox, ValveCommand } from '../../examples/hello-mailbox/app.js';

const ROOT = resolve(import.meta.dirname, '../..');

function runMain(example: string): string[] {
  return execFileSync(process.execPath, ['--import', 'tsx', `examples/${example}/main.ts`], { cwd: ROOT, encoding: 'utf8', timeout: 15000 }).trim().split('\n');
}

describe('examples', () => {
  describe('hello-ring', () => {
    it('shows every value to the fast reader and a Lagged(n) to the slow one (virtual time)', () => {
      const rt = manualRuntime();
      const lines: string[] = [];
      const db = helloRing(rt, (l) => lines.push(l));
      rt.advance(1400);
      expect(lines.filter((l) => l.startsWith('fast'))).to.have.length(10);
      expect(lines.filter((l) => l.startsWith('slow'))).to.deep.equal(['slow: lagged, missed 2', 'slow: #3', 'slow: #4', 'slow: #5', 'slow: #6', 'slow: #7', 'slow: #8', 'slow: #9', 'slow: #10']);
      expect(db.metrics(Temperature)).to.deep.equal({ produced: 10, consumed: 18, dropped: 2, rejected: 0, errors: 0, occupancy: 0, capacity: 4 });
      db.stop();
    });

    it('runs on Node as a program', () => {
      const out = runMain('hello-ring');
      expect(out[out.length - 1]).to.equal('metrics: produced=10 consumed=18 dropped=2');
      expect(out).to.include('slow: lagged, missed 2');
    });
  });

  describe('hello-single-latest', () => {
    const expected = ['watcher: sampleMs=250 label=c', 'peek: label=c', 'late reader: sampleMs=250', 'watcher: sampleMs=100 label=d', 'late reader: sampleMs=100'];
    it('collapses a burst, gives a late reader the current value once, peeks without consuming', () => {
      const rt = manualRuntime();
      const lines: string[] = [];
      const db = helloSingleLatest(rt, (l) => lines.push(l));
      rt.advance(300);
      expect(lines).to.deep.equal(expected);
      db.stop();
    });

    it('runs on Node as a program', () => {
      expect(runMain('hello-single-latest')).to.deep.equal(expected);
    });
  });

  describe('hello-mailbox', () => {
    const expected = ['worker 1: #1 open', 'worker 2: #2 close', 'worker 1: #3 open', 'worker 2: #6 close'];
    it('gives each command to one worker and counts the overwritten ones', () => {
      const rt = manualRuntime();
      const lines: string[] = [];
      const db = helloMailbox(rt, (l) => lines.push(l));
      rt.advance(300);
      expect(lines).to.deep.equal(expected);
      expect(db.metrics(ValveCommand)).to.deep.equal({ produced: 6, consumed: 4, dropped: 2, rejected: 0, errors: 0, occupancy: 0, capacity: 1 });
      db.stop();
    });

    it('runs on Node as a program', () => {
      expect(runMain('hello-mailbox')).to.deep.equal([...expected, 'metrics: produced=6 consumed=4 dropped=2']);
    });
  });
});
