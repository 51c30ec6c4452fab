/**
 * The core's abstract buffer suite (test/core/buffer-suite.ts) on duktape and mujs, and on the real
 * device engines: Espruino 2v29 as an ESP32 runs code (evaluated into RAM, 16,383 JsVars) and as a
 * Pico does (booted from flash, 5,100 JsVars), JerryScript 3.0 and JerryScript 2.4 (es5.1). Bundled
 * to one ES5 script (suite/build-suite.ts) with the virtual-time adapter, every test reported on its
 * own line; for the real engines minified and hoisted the way device bundles are.
 */
import { expect } from 'chai';
import { enginesProblem, runEspruino, runJerry } from '../../tools/engines.mjs';
import { ENGINES, runOnEngine } from './helpers.js';
import { buildSuiteScript } from './suite/build-suite.js';

const COMPACT = 'SpmcRing > stores a compact layout field in its typed array kind';
const COMPACT_READER = 'SpmcRing > hands a compact ring reader its own reused object holding the layout fields only';

/**
 * Known engine differences, the only ones. mujs and JerryScript 2.4 (its es5.1 profile) have no
 * typed arrays: the core then keeps a compact ring's slots as plain values, with the same buffer
 * contract but without what a typed array does: a `u8` field stores 257 as 257 where a `Uint8Array`
 * stores 1 (the test reports ["v:257"] for ["v:1"]), and readers get the producer's own object
 * rather than a reused copy of the layout's fields. Every other test passes there.
 */
const EXPECTED_FAILURES: { [engine: string]: string[] } = {
  duk: [],
  mujs: [COMPACT_READER, COMPACT],
  'espruino-vars-16383 (ram)': [],
  'espruino-vars-5100 (flash)': [],
  'jerry-3.0': [],
  'jerry-2.4': [COMPACT_READER, COMPACT],
};

function outcome(lines: string[]): { ok: number; failed: string[] } {
  const ok = lines.filter((l) => l.startsWith('ok ')).length;
  const failed = lines.filter((l) => l.startsWith('not ok ')).map((l) => l.replace(/^not ok buffer contract on [\w.-]+ /, '').replace(/: .*$/, ''));
  return { ok, failed };
}

describe('the buffer contract suite on ES5 engines', function () {
  this.timeout(180_000);
  for (const engine of ENGINES) {
    it(`passes on ${engine}`, async () => {
      const r = runOnEngine(engine, await buildSuiteScript(engine));
      expect(r.stderr).to.equal('');
      expect(r.status).to.equal(0);
      const { ok, failed } = outcome(r.lines);
      expect(failed).to.deep.equal(EXPECTED_FAILURES[engine]);
      expect(ok + failed.length).to.be.greaterThan(20);
    });
  }
});

describe('the buffer contract suite on the real device engines', function () {
  this.timeout(600_000);
  let script: string;
  before(async () => {
    const problem = enginesProblem();
    if (problem) throw new Error(problem);
    script = await buildSuiteScript('engine', { device: true });
  });

  // Espruino collects garbage when it is idle, and the suite runs at the top level without ever
  // idling: the harness calls process.memory() (which collects first) after every test, as a board
  // would idle between them, and keeps the peak.
  const SHARDS = 3;
  const SAMPLE = 'var suitePeak=0;function suiteAfterTest(){var u=process.memory().usage;if(u>suitePeak)suitePeak=u;}';
  for (const [jsVars, mode] of [
    [16383, 'ram'],
    [5100, 'flash'],
  ] as const) {
    const name = `espruino-vars-${jsVars} (${mode})`;
    it(`passes on ${name}`, () => {
      // In shards (see prelude.js): each run defines and runs every SHARDS-th buffer kind.
      let ok = 0;
      const failed: string[] = [];
      for (let k = 0; k < SHARDS; k++) {
        const r = runEspruino(script + '\nprint("suite peak "+suitePeak);', { jsVars, mode, virtualMs: 100, prelude: SAMPLE + `var suiteShard={k:${k},n:${SHARDS}};` });
        expect(r.failure, `shard ${k}: ` + r.lines.slice(-5).join('\n')).to.equal(undefined);
        const o = outcome(r.lines);
        ok += o.ok;
        failed.push(...o.failed);
        const peak = Number((r.lines.find((l) => l.startsWith('suite peak ')) || '').slice(11));
        expect(peak).to.be.within(1, jsVars);
      }
      expect(failed).to.deep.equal(EXPECTED_FAILURES[name]);
      expect(ok + failed.length).to.be.greaterThan(20);
    });
  }

  // The suite holds every test's closures and the harness at once: it needs more than a board's
  // 64 KB heap (about 74 KB on 2.4, 82 KB on 3.0), so it runs on the 512 KB builds. The apps run on
  // the 64 KB build (test/engines/boards.test.ts).
  for (const version of ['3.0', '2.4'] as const) {
    const name = `jerry-${version}`;
    it(`passes on ${name}`, () => {
      const r = runJerry(script, { version, timers: false });
      expect(r.failure, r.lines.slice(-5).join('\n')).to.equal(undefined);
      const { ok, failed } = outcome(r.lines);
      expect(failed).to.deep.equal(EXPECTED_FAILURES[name]);
      expect(ok + failed.length).to.be.greaterThan(20);
      expect(r.peakBytes).to.be.greaterThan(0);
    });
  }
});
