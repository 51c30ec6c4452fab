/**
 * Every app bundle in dist/ on its board's real engine, the way the board runs code (board.json
 * `codeIn`: ESP32 in RAM; Pico and Espruino WiFi booted from flash; the JerryScript board on
 * JerryScript 2.4 es5.1 with its 64 KB heap, through the host contract). The smoke scenario prints
 * exactly what it prints on Node; no bundle prints a failure; every peak keeps the board's reserve
 * free; the build's report carries that measurement and an estimate within ±15 % of it; and
 * `make run-device` shows a user the same.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoards } from '../../tools/boards.mjs';
import { boardEngine, enginesProblem, FAILURE_MARKS, runOnBoard } from '../../tools/engines.mjs';
import { appBundles, ensureBuilt, ROOT, runSourceHostDriven } from '../targets/helpers.js';

const boards = new Map(loadBoards(join(ROOT, 'boards')).map((b: any) => [b.name, b]));
const budgetOf = (b: any): number => (b.engine === 'espruino' ? b.jsVarBudget : b.heapBudgetBytes);
const SMOKE_MS = 2500;

/** What each app prints first on Espruino once it has started. */
const STARTED: { [app: string]: string } = {
  'climate-sensor': 'climate-sensor online on espruino',
  'pico-actuator': 'pico-actuator serving AimX on Serial1',
};

describe('every app bundle on its board’s real engine', function () {
  this.timeout(600_000);
  let expected: string[];

  before(async () => {
    const problem = enginesProblem();
    if (problem) throw new Error(problem);
    ensureBuilt();
    expected = await runSourceHostDriven(join(ROOT, 'examples/smoke/main.ts'), { name: 'node', engine: 'node', defaultUart: 'none', network: [] }, SMOKE_MS);
  });

  it('runs the code the way each board does', () => {
    const modes = [...boards.values()].map((b: any) => `${b.name}: ${boardEngine(b).engine} ${boardEngine(b).mode}`);
    expect(modes).to.include.members([
      'esp32: espruino-vars-16383 ram',
      'esp8266: espruino-vars-1600 ram',
      'espruino-wifi: espruino-vars-8190 flash',
      'pico: espruino-vars-5100 flash',
      'original-espruino: espruino-vars-2756 flash',
      'stm32f4-discovery-jerry: jerry-2.4-64k heap',
    ]);
  });

  const bundles = appBundles();
  it('finds every app on every board it declares', () => {
    const declared: string[] = [];
    for (const app of ['climate-sensor', 'pico-actuator', 'smoke']) {
      for (const b of JSON.parse(readFileSync(join(ROOT, 'examples', app, 'app.json'), 'utf8')).boards) declared.push(app + '.' + b);
    }
    expect(bundles.map((b) => b.app + '.' + b.board)).to.include.members(declared);
  });

  for (const b of bundles) {
    it(`${b.app} on ${b.board}: boots, prints no failure and keeps the reserve free`, () => {
      const board = boards.get(b.board);
      const app = JSON.parse(readFileSync(join(ROOT, 'examples', b.app, 'app.json'), 'utf8'));
      const r = runOnBoard(readFileSync(b.file, 'utf8'), board, { virtualMs: b.app === 'smoke' ? SMOKE_MS : app.scenarioMs || 10000 });
      expect(r.failure, r.lines.slice(-10).join('\n')).to.equal(undefined);
      for (const l of r.lines) for (const m of FAILURE_MARKS) expect(l, 'a failure mark').to.not.include(m);
      if (b.app === 'smoke') expect(r.lines).to.deep.equal(expected);
      else if (board.engine === 'espruino') expect(r.lines).to.include(STARTED[b.app]);
      expect(r.peak).to.be.within(1, budgetOf(board));

      // The build measured the same bundle the same way; its estimate is a pre-check within ±15 %.
      const report = JSON.parse(readFileSync(b.file.replace(/\.js$/, '.json'), 'utf8'));
      expect(report.measured).to.include({ engine: r.engine, mode: r.mode, unit: r.unit });
      expect(report.measured.peak).to.be.within(1, budgetOf(board));
      expect(report.measured.peak / r.peak, 'the build measured what this run measured').to.be.within(0.95, 1.05);
      expect(report.total / report.measured.peak, `estimate ${report.total} against measured ${report.measured.peak}`).to.be.within(0.85, 1.15);
    });
  }

  it('the Node reference of the smoke scenario exercises every stage', () => {
    expect(expected).to.include.members(['config threshold=230', 'command #1 open', 'slow lagged 1', 'alert t=100 v=237 over 230', 'average n=12 avg=228', 'done']);
  });
});

describe('failures on the real engines are failures', function () {
  this.timeout(120_000);
  before(() => {
    const problem = enginesProblem();
    if (problem) throw new Error(problem);
  });
  it('an uncaught throw, a missing name and running out of memory are reported', () => {
    const pico = boards.get('pico');
    expect(runOnBoard('E.on("init",function(){ setTimeout(function(){ throw new Error("boom"); }, 5); });', pico, { virtualMs: 100 }).failure).to.match(/Uncaught/);
    expect(runOnBoard('E.on("init",function(){ notThere(); });', pico, { virtualMs: 100 }).failure).to.match(/Uncaught|is not defined/);
    const oom = runOnBoard('var a=[];E.on("init",function(){ for(var i=0;i<20000;i++) a.push({i:i}); });', boards.get('esp32'), { virtualMs: 100 });
    expect(oom.failure).to.match(/OUT OF MEMORY|LOW_MEMORY/);
    const jerry = runOnBoard('var aimdbHostX; throw new Error("jerry boom");', boards.get('stm32f4-discovery-jerry'), { virtualMs: 100 });
    expect(jerry.failure).to.not.equal(undefined);
  });
  it('missing engines fail with what to install, never a skip', () => {
    const empty = mkdtempSync(join(tmpdir(), 'aimdb-no-engines-'));
    const r = spawnSync(process.execPath, ['-e', "import('./tools/engines.mjs').then(m => console.log(m.enginesProblem()))"], { cwd: ROOT, env: { ...process.env, AIMDB_ENGINES: empty }, encoding: 'utf8' });
    expect(r.stdout).to.include('the real device engines are missing').and.include(empty);
  });
});

describe('make run-device', function () {
  this.timeout(300_000);
  before(() => {
    const problem = enginesProblem();
    if (problem) throw new Error(problem);
    ensureBuilt();
  });
  it('prints the app’s output and its memory peak on the board’s engine', async () => {
    const r = spawnSync('make', ['-s', 'run-device', 'APP=smoke', 'BOARD=pico'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).to.equal(0);
    const all = r.stdout.split('\n').filter((l) => l.length > 0);
    const lines = all.slice(all.findIndex((l) => l.startsWith('run-device: ')));
    expect(lines[0]).to.match(/^run-device: dist\/smoke\.pico\.js on Espruino Pico \(espruino-vars-5100, booted from flash\), 2500 ms of virtual time$/);
    const expected = await runSourceHostDriven(join(ROOT, 'examples/smoke/main.ts'), { name: 'node', engine: 'node', defaultUart: 'none', network: [] }, SMOKE_MS);
    expect(lines.slice(1, -1)).to.deep.equal(expected);
    const m = /^memory: peak (\d+) of 5100 JsVars \((\d+) %\); budget 4080 \(80 %, the rest is the board's reserve\)$/.exec(lines[lines.length - 1]);
    expect(m, lines[lines.length - 1]).to.not.equal(null);
    expect(Number(m![1])).to.be.within(1, 4080);
  });
  it('runs the JerryScript board host-driven and reports heap bytes', () => {
    const r = spawnSync(process.execPath, ['tools/run-device.mjs', '--app', 'smoke', '--board', 'stm32f4-discovery-jerry'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/jerry-2\.4-64k, host-driven/);
    expect(r.stdout).to.match(/\ndone\nmemory: peak \d+ of 65528 heap bytes \(\d+ %\); budget 52428 \(80 %/);
  });
  it('refuses an app on a board it does not declare, and a bad --seconds', () => {
    const a = spawnSync(process.execPath, ['tools/run-device.mjs', '--app', 'pico-actuator', '--board', 'esp32'], { cwd: ROOT, encoding: 'utf8' });
    expect(a.status).to.equal(1);
    expect(a.stderr).to.include('app "pico-actuator" does not declare board "esp32" (it supports: pico)');
    const b = spawnSync(process.execPath, ['tools/run-device.mjs', '--app', 'smoke', '--board', 'pico', '--seconds', 'lots'], { cwd: ROOT, encoding: 'utf8' });
    expect(b.status).to.equal(1);
    expect(b.stderr).to.include('--seconds must be a number');
  });
});
