/**
 * The benchmarks' own harness stays runnable (a broken bench is found by `make test`, not by the
 * next `make bench-engines`): the engine bench against its hand-written baselines, on JerryScript.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

describe('bench/engines.mjs (harness)', function () {
  this.timeout(120000);
  before(function () {
    if (!existsSync(resolve(ROOT, 'dist/aimdb-core.js'))) execFileSync(resolve(ROOT, 'node_modules/.bin/rollup'), ['-c', '--silent'], { cwd: ROOT, timeout: 600000 });
  });

  it('reports hops/s of the built core against a hand-written ring on JerryScript 2.4', () => {
    const out = execFileSync(process.execPath, ['bench/engines.mjs', '--quick', '--json', '--no-apps', '--engines=jerry-2.4'], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
    const res = JSON.parse(out.trim().split('\n').pop() as string) as { hops: { [e: string]: { coreHopsPerSec: number; handHopsPerSec: number; ratio: number } } };
    expect(Object.keys(res.hops)).to.deep.equal(['jerry-2.4']);
    expect(res.hops['jerry-2.4'].coreHopsPerSec).to.be.greaterThan(0);
    expect(res.hops['jerry-2.4'].handHopsPerSec).to.be.greaterThan(0);
  });
});
