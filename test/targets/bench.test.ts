/**
 * bench/engines.mjs keeps working (a small run on the real JerryScript engines): every memory row is
 * measured, and the ring -> tap hop rate of the built core is reported against the hand-written ring.
 * The Espruino rows run in `make bench-engines` (each Espruino run takes most of a minute).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { enginesProblem } from '../../tools/engines.mjs';
import { ensureBuilt, ROOT } from './helpers.js';

const ROWS = ['core', 'empty database started', 'app with one ring+tap record', 'ring(16) record', 'singleLatest record', 'mailbox record', 'reader', 'tap', 'outbound link', 'ring+tap record'];

describe('bench/engines.mjs', function () {
  this.timeout(120_000);
  before(function () {
    const p = enginesProblem();
    if (p) throw new Error(p);
    ensureBuilt();
  });
  it('measures every row and the core/hand hop ratio on JerryScript 3.0 and 2.4', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/engines.mjs'), '--quick', '--json', '--no-apps', '--engines=jerry-3.0,jerry-2.4'], { encoding: 'utf8', timeout: 100_000 });
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(Object.keys(out.engines)).to.deep.equal(['jerry-3.0', 'jerry-2.4']);
    for (const e of ['jerry-3.0', 'jerry-2.4']) {
      for (const row of ROWS) expect(out.engines[e][row], e + ' ' + row).to.be.a('number').and.greaterThan(0);
      expect(out.hops[e].coreHopsPerSec, e).to.be.greaterThan(0);
      expect(out.hops[e].ratio, e).to.be.within(0.001, 10);
    }
  });
});
