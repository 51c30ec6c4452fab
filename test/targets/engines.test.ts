/**
 * The built bundles on real ES5 engines (ENGINES.md §5): every board's smoke bundle runs host-driven
 * on duktape and mujs (no typed arrays on mujs, like JerryScript's es5.1 profile) and in a Node vm
 * context without Map/Set/WeakMap/Symbol/Promise/Proxy/Reflect/setImmediate/queueMicrotask; its
 * output must equal the same scenario run from source on Node.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appBundles, ensureBuilt, ENGINES, hostScript, ROOT, runInBareVm, runOnEngine, runSourceHostDriven } from './helpers.js';

const SMOKE_MS = 2500;

describe('board bundles on ES5 engines', function () {
  this.timeout(300_000);
  let expected: string[];

  before(async () => {
    ensureBuilt();
    expected = await runSourceHostDriven(join(ROOT, 'examples/smoke/main.ts'), { name: 'node', engine: 'node', defaultUart: 'none', network: [] }, SMOKE_MS);
  });

  it('the Node reference run of the smoke scenario exercises every stage', () => {
    expect(expected[expected.length - 1]).to.equal('done');
    expect(expected).to.include('config threshold=230');
    expect(expected).to.include('command #1 open');
    expect(expected).to.include('slow lagged 1');
    expect(expected).to.include('alert t=100 v=237 over 230');
    expect(expected).to.include('average n=12 avg=228');
    expect(expected).to.include('metrics smoke.command produced=3 consumed=2 dropped=1');
  });

  const smoke = appBundles().filter((b) => b.app === 'smoke');
  it('finds a smoke bundle for every board the smoke app declares', () => {
    const declared = JSON.parse(readFileSync(join(ROOT, 'examples/smoke/app.json'), 'utf8')).boards.slice().sort();
    expect(declared).to.deep.equal(['esp32', 'espruino-wifi', 'pico', 'stm32f4-discovery-jerry']);
    expect(smoke.map((b) => b.board).filter((b) => declared.includes(b))).to.deep.equal(declared);
  });

  for (const b of smoke) {
    describe(b.board, () => {
      for (const engine of ENGINES) {
        it(`prints the Node output line for line on ${engine}`, () => {
          const r = runOnEngine(engine, hostScript(readFileSync(b.file, 'utf8'), SMOKE_MS));
          expect(r.stderr).to.equal('');
          expect(r.status).to.equal(0);
          expect(r.lines).to.deep.equal(expected);
        });
      }
      it('prints the Node output in a vm context without the missing globals', () => {
        expect(runInBareVm(readFileSync(b.file, 'utf8'), SMOKE_MS)).to.deep.equal(expected);
      });
    });
  }

  // Apps that opted out of the host-driven fallback (app.json `hostFallback: false`, to fit a small
  // board) run only on Espruino: the simulator tests them (sim.test.ts).
  const hostApps = appBundles().filter((x) => x.app !== 'smoke' && JSON.parse(readFileSync(join(ROOT, 'examples', x.app, 'app.json'), 'utf8')).hostFallback !== false);
  for (const b of hostApps) {
    describe(`${b.app} on ${b.board}`, () => {
      for (const engine of ENGINES) {
        it(`boots host-driven on ${engine} without an error`, () => {
          const r = runOnEngine(engine, hostScript(readFileSync(b.file, 'utf8'), 5000));
          expect(r.status, r.stderr).to.equal(0);
          expect(r.lines.filter((l) => /^error/.test(l))).to.deep.equal([]);
        });
      }
      it('boots in a vm context without the missing globals', () => {
        expect(runInBareVm(readFileSync(b.file, 'utf8'), 5000).filter((l) => /^error/.test(l))).to.deep.equal([]);
      });
    });
  }
});
