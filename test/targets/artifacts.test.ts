/**
 * Every built bundle, as an artifact (STYLE.md principle 7): ES5, no helper, no Espruino hazard, no
 * use before declaration, development checks compiled away; the core module loads through `require`
 * and through a CommonJS wrapper like Espruino's `Modules.addCached` on duktape and mujs.
 */
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkArtifact } from '../../tools/es5check.mjs';
import { checkDeclarationOrder } from '../../tools/hoist.mjs';
import { EspruinoSim } from '../../bridge/sim/espruino-sim.js';
import { DIST, ENGINES, ensureBuilt, runOnEngine } from './helpers.js';

describe('dist/ artifacts', function () {
  this.timeout(120_000);
  before(() => ensureBuilt());

  const files = () => readdirSync(DIST).filter((f) => f.endsWith('.js'));

  it('holds the core and at least one bundle per app', () => {
    const names = files();
    expect(names).to.include('aimdb-core.js');
    expect(names).to.include.members(['smoke.pico.js', 'climate-sensor.esp32.js', 'pico-actuator.pico.js']);
  });

  it('every bundle parses as ES5, has no helper or hazard and declares before use', () => {
    for (const f of files()) {
      const code = readFileSync(join(DIST, f), 'utf8');
      // The browser bundle is ES5 too, but a browser hoists and has every built-in: no Espruino checks.
      const espruino = f !== 'aimdb-browser.js';
      expect(checkArtifact(code, { espruino }), f).to.deep.equal([]);
      if (espruino) expect(checkDeclarationOrder(code), f).to.deep.equal([]);
      expect(code, f).to.not.match(/__DEV__|tslib/);
    }
  });

  it('the core is CommonJS for require, with development checks off', () => {
    const core = createRequire(import.meta.url)(join(DIST, 'aimdb-core.js'));
    expect(core.DEV).to.equal(false);
    expect(typeof core.builder).to.equal('function');
    expect(typeof core.manualRuntime).to.equal('function');
  });

  it('the core loads with Modules.addCached and require on the simulated board', () => {
    const sim = new EspruinoSim();
    (sim.context as any).Modules.addCached('aimdb', readFileSync(join(DIST, 'aimdb-core.js'), 'utf8'));
    sim.load(`var A = require('aimdb'); var rt = A.manualRuntime(); print(typeof A.builder + ' ' + A.DEV + ' ' + rt.name);`);
    expect(sim.lines).to.deep.equal(['function false host']);
  });

  for (const engine of ENGINES) {
    it(`the core loads through a Modules.addCached-style wrapper on ${engine} and runs a ring`, () => {
      const code = readFileSync(join(DIST, 'aimdb-core.js'), 'utf8');
      const script = `var m = (function () { var module = { exports: {} }, exports = module.exports;\n${code}\nreturn module.exports; })();
var rt = m.manualRuntime(), got = [];
var K = m.key('a.b', 'N');
var db = m.builder(rt).configure(K, function (r) { return r.buffer(m.ring(2)).tap(function (c, s) { s.each(function (v) { got.push(v); }); }); }).build().start();
db.set(K, 1); db.set(K, 2); rt.runUntilIdle();
print(JSON.stringify(got) + ' ' + m.DEV);`;
      const r = runOnEngine(engine, script);
      expect(r.stderr).to.equal('');
      expect(r.lines).to.deep.equal(['[1,2] false']);
    });
  }
});
