/**
 * The benchmarks' own harness stays runnable (a broken bench is found by `make test`, not by the
 * next `make bench`): the ES5 engine bench with a small count on duktape and mujs.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

describe('bench/engines.mjs', function () {
  this.timeout(120000);
  before(function () {
    if (!existsSync(resolve(ROOT, 'dist/aimdb-core.js'))) execFileSync(resolve(ROOT, 'node_modules/.bin/rollup'), ['-c', '--silent'], { cwd: ROOT, timeout: 600000 });
  });

  it('runs the built core on duktape and mujs and reports hops/s against a hand-written ring', () => {
    const out = execFileSync(process.execPath, ['bench/engines.mjs', '640', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
    const res = JSON.parse(out.trim().split('\n').pop() as string) as { [e: string]: { coreHopsPerSec: number; handHopsPerSec: number; ratio: number } };
    expect(Object.keys(res).sort()).to.deep.equal(['duk', 'mujs']);
    for (const r of Object.values(res)) {
      expect(r.coreHopsPerSec).to.be.greaterThan(0);
      expect(r.handHopsPerSec).to.be.greaterThan(0);
    }
  });
});
