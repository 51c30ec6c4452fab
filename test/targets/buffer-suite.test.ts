/**
 * The core's abstract buffer suite (test/core/buffer-suite.ts) on duktape and mujs: bundled to one
 * ES5 script (suite/build-suite.ts) with the virtual-time adapter, run on each engine, every test
 * reported on its own line.
 */
import { expect } from 'chai';
import { ENGINES, runOnEngine } from './helpers.js';
import { buildSuiteScript } from './suite/build-suite.js';

/**
 * Known engine differences. mujs, like JerryScript's es5.1 profile, has no typed arrays: the core
 * then keeps a compact ring's slots as plain values: a `u8` field is not narrowed (257 stays 257) and
 * readers get the producer's own object rather than a reused copy of the layout's fields.
 */
const EXPECTED_FAILURES: { [engine: string]: string[] } = {
  duk: [],
  mujs: ['SpmcRing > hands a compact ring reader its own reused object holding the layout fields only', 'SpmcRing > stores a compact layout field in its typed array kind'],
};

describe('the buffer contract suite on ES5 engines', function () {
  this.timeout(180_000);
  for (const engine of ENGINES) {
    it(`passes on ${engine}`, async () => {
      const r = runOnEngine(engine, await buildSuiteScript(engine));
      expect(r.stderr).to.equal('');
      expect(r.status).to.equal(0);
      const ok = r.lines.filter((l) => l.startsWith('ok '));
      const failed = r.lines.filter((l) => l.startsWith('not ok ')).map((l) => l.replace(/^not ok buffer contract on \w+ /, '').replace(/: .*$/, ''));
      expect(failed).to.deep.equal(EXPECTED_FAILURES[engine]);
      expect(ok.length + failed.length).to.be.greaterThan(20);
    });
  }
});
