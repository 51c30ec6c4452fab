/**
 * bench/engines.mjs keeps working (a small run): the built core moves every value ring -> tap on
 * duktape and mujs, and the ratio against the hand-written ring is reported.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, ROOT } from './helpers.js';

describe('bench/engines.mjs', function () {
  this.timeout(120_000);
  before(() => ensureBuilt());
  it('reports hops/s and the core/hand ratio on duk and mujs', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/engines.mjs'), '6400', '--json'], { encoding: 'utf8', timeout: 100_000 });
    expect(r.status, r.stderr).to.equal(0);
    const results = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(Object.keys(results)).to.deep.equal(['duk', 'mujs']);
    for (const e of ['duk', 'mujs']) {
      expect(results[e].coreHopsPerSec, e).to.be.greaterThan(0);
      expect(results[e].ratio, e).to.be.within(0.001, 10);
    }
  });
});
