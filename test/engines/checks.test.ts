/**
 * What the real engines showed, taught to the static bundle check (tools/es5check.mjs): no regular
 * expression reaches a device bundle, in any form, and no bundle assigns one of Espruino's built-in
 * functions (the engine refuses it).
 */
import { expect } from 'chai';
import { checkArtifact, findEspruinoHazards, parseEs5 } from '../../tools/es5check.mjs';
import { enginesProblem, runEspruino } from '../../tools/engines.mjs';

describe('the device bundle check and regular expressions', function () {
  this.timeout(120_000);
  it('rejects a regular expression literal, with its place', () => {
    expect(findEspruinoHazards(parseEs5('var ok = 1;\nvar u = /^mqtt:\\/\\/([^/:]+)/.exec(s);'))).to.deep.equal([
      "regular expression /^mqtt:\\/\\/([^/:]+)/ at line 2:8 (Espruino's regex subset rejects or mis-matches many patterns; parse without one)",
    ]);
    expect(checkArtifact('s.split(/,/g);', { espruino: true })[0]).to.match(/^regular expression \/,\/g at line 1:8/);
  });
  it('rejects RegExp called or constructed, but not a property that happens to be named so', () => {
    const p = findEspruinoHazards(parseEs5('new RegExp("a"); RegExp("b"); var f = RegExp; o.RegExp = 1; var q = { RegExp: 2 };'));
    expect(p).to.have.length(3);
    for (const x of p) expect(x).to.match(/^RegExp at line 1:\d+ \(no regular expressions in device code/);
  });
  it('passes code without one', () => {
    expect(checkArtifact('var i = s.indexOf("://"); var h = s.substring(0, i);', { espruino: true })).to.deep.equal([]);
  });
  it('is right to: the pattern the broker URL parser once used does not even parse on Espruino', () => {
    const problem = enginesProblem();
    if (problem) throw new Error(problem);
    const r = runEspruino('var m = /^(mqtts?):\\/\\/([^/:]+)(?::(\\d+))?$/.exec("mqtt://a:1"); print("m=" + m);', { jsVars: 16383, mode: 'ram', virtualMs: 10 });
    expect(r.lines.join('\n')).to.not.include('m=mqtt://a:1,mqtt,a,1');
    expect(r.failure || r.lines.join('\n')).to.match(/SyntaxError|m=null|m=undefined/);
  });
  it('rejects assigning a built-in function, which the engine refuses, unless the name is declared', () => {
    expect(findEspruinoHazards(parseEs5('setTimeout = function (f) { f(); };'))).to.deep.equal([
      'assignment to the built-in setTimeout at line 1:0 (throws on Espruino: "Unable to assign value to non-reference Function"; assign global.setTimeout)',
    ]);
    expect(findEspruinoHazards(parseEs5('global.setTimeout = function () {}; function f(print) { print = 1; }'))).to.deep.equal([]);
  });
  it('is right to: Espruino refuses the assignment and takes global.x', () => {
    const problem = enginesProblem();
    if (problem) throw new Error(problem);
    const plain = runEspruino('getTime = function () { return 7; };', { jsVars: 16383, mode: 'ram', seconds: 1 });
    expect(plain.lines.join('\n')).to.include('Unable to assign value to non-reference Function');
    const viaGlobal = runEspruino('global.getTime = function () { return 7; }; print("t=" + getTime());', { jsVars: 16383, mode: 'ram', seconds: 1 });
    expect(viaGlobal.lines).to.include('t=7');
  });
});
