#!/usr/bin/env node
// `make bench-engines`: what the built core costs on the real device engines, in one run.
//
// Engines: Espruino 2v29 as an ESP32 (16,383 JsVars, code evaluated into RAM) and as a Pico (5,100
// JsVars, booted from flash), JerryScript 3.0 (jerry-loop, in-script heap statistics) and
// JerryScript 2.4 (es5.1 profile, 64 KB heap; the heap peak of separate runs).
//
// Per engine it prints the memory of each part (JsVars on Espruino, heap bytes on JerryScript):
// the core loaded, an empty database started, an app with one record, and the marginal cost of a
// record of each buffer kind, of a reader, a tap, an outbound link and a ring+tap record (each the
// difference between 1 and 1+K of them, divided by K). Then ring(64) -> tap hops per second against
// a hand-written ES5 ring doing the same work (same engine, same run), as a ratio.
// Finally each example app against its hand-written equivalent (bench/hand/, same job, same
// protocol) on the board it is built for: peak JsVars (Espruino) or heap peak (JerryScript).
//
// Usage: node bench/engines.mjs [--quick] [--json] [--engines=a,b] [--no-apps]
//   --quick    fewer hops (a harness check, as the tests run it)
//   --json     last line: every figure as JSON
//   --engines  only these of espruino-esp32-ram, espruino-pico-flash, jerry-3.0, jerry-2.4
//   --no-apps  skip the apps against their hand-written equivalents
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { enginesDir, enginesProblem, runEspruino, runJerry } from '../tools/engines.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const QUICK = process.argv.includes('--quick');
const JSON_OUT = process.argv.includes('--json');
const NO_APPS = process.argv.includes('--no-apps');
const ENGINE_ARG = process.argv.find((a) => a.startsWith('--engines='));
const ENGINES = ENGINE_ARG ? ENGINE_ARG.slice(10).split(',') : ['espruino-esp32-ram', 'espruino-pico-flash', 'jerry-3.0', 'jerry-2.4'];
const CORE_FILE = join(ROOT, 'dist/aimdb-core.js');

/** The core as a module object `A`, loaded the way `require` would (its own function scope). */
function coreModule() {
  const core = readFileSync(CORE_FILE, 'utf8');
  return 'var A=(function(){var module={exports:{}};var exports=module.exports;\n' + core + '\nreturn module.exports;})();\n';
}

// Each measurement builds `n` of the thing being measured in a fresh database; the harness keeps it
// alive while it reads memory. Every `make` returns what must stay reachable.
const SUITE = `
var K = 4;
function keyN(i) { return A.key('b.r' + i, 'V'); }
var SINK = { schemes: ['x'], start: function () {}, stop: function () {} };
function ser(ctx, v) { return String(v); }
function dbOf(n, conf, connector) {
  var b = A.builder(A.manualRuntime());
  if (connector) b.withConnector(SINK);
  for (var i = 0; i < n; i++) b.configure(keyN(i), conf);
  return b.build().start();
}
var ITEMS = {
  'ring(16) record': function (n) { return dbOf(n, function (r) { return r.buffer(A.ring(16)); }); },
  'ring(16) {t:f64,v:f32} record': function (n) { return dbOf(n, function (r) { return r.buffer(A.ring(16, { layout: { t: 'f64', v: 'f32' } })); }); },
  'singleLatest record': function (n) { return dbOf(n, function (r) { return r.buffer(A.singleLatest()); }); },
  'mailbox record': function (n) { return dbOf(n, function (r) { return r.buffer(A.mailbox()); }); },
  'reader': function (n) {
    var db = dbOf(1, function (r) { return r.buffer(A.ring(16)); });
    var keep = [db];
    for (var i = 0; i < n; i++) keep.push(db.subscribe(keyN(0)));
    return keep;
  },
  'tap': function (n) {
    return dbOf(1, function (r) {
      r.buffer(A.ring(16));
      for (var i = 0; i < n; i++) r.tap(function (ctx, c) { c.each(function (v) {}); });
      return r;
    });
  },
  'outbound link': function (n) {
    var b = A.builder(A.manualRuntime()).withConnector(SINK);
    for (var i = 0; i < n; i++) b.configure(keyN(i), function (r) { return r.buffer(A.ring(4)).linkTo('x://t').withSerializer(ser).finish(); });
    return b.build().start();
  },
  'ring+tap record': function (n) { return dbOf(n, function (r) { return r.buffer(A.ring(16)).tap(function (ctx, c) { c.each(function (v) {}); }); }); }
};

function benchCore(N) {
  var rt = A.manualRuntime();
  var Kv = A.key('bench.value', 'Value');
  var producer = null, seen = 0, sum = 0;
  var db = A.builder(rt).configure(Kv, function (r) {
    return r.buffer(A.ring(64)).source(function (ctx, p) { producer = p; })
      .tap(function (ctx, c) { c.each(function (v) { seen++; sum += v; }); });
  }).build().start();
  var t0 = NOW();
  for (var i = 0; i < N; i += 64) {
    for (var j = 0; j < 64; j++) producer.produce(i + j);
    rt.runUntilIdle();
  }
  var ms = NOW() - t0;
  db.stop();
  if (seen !== N) throw new Error('core saw ' + seen + ' of ' + N);
  return ms;
}
// The floor: a preallocated array, a write index, one reader cursor, a callback per value.
function benchHand(N) {
  var cap = 64, slots = [], w = 0, r = 0, seen = 0, sum = 0;
  for (var k = 0; k < cap; k++) slots.push(0);
  function onValue(v) { seen++; sum += v; }
  var t0 = NOW();
  for (var i = 0; i < N; i += 64) {
    for (var j = 0; j < 64; j++) { slots[w % cap] = i + j; w++; }
    while (r < w) { onValue(slots[r % cap]); r++; }
  }
  var ms = NOW() - t0;
  if (seen !== N) throw new Error('hand ring saw ' + seen);
  return ms;
}
// Alternating rounds, the fastest of each: the machine's other load only ever slows a round down.
function hops(N) {
  benchHand(64); benchCore(64);
  var hand = 1e12, core = 1e12;
  for (var k = 0; k < 3; k++) {
    var h = benchHand(N); if (h < hand) hand = h;
    var c = benchCore(N); if (c < core) core = c;
  }
  return { values: N, coreMs: core, handMs: hand };
}
`;

// In-script measurement (Espruino: process.memory(); jerry-loop: heapStats()).
const IN_SCRIPT = `
function measureAll(base) {
  var out = { core: base.core };
  var m0 = USED();
  var keep = A.builder(A.manualRuntime()).build().start();
  out['empty database started'] = USED() - m0;
  keep = null;
  m0 = USED();
  keep = ITEMS['ring+tap record'](1);
  out['app with one ring+tap record'] = USED() - m0;
  keep = null;
  for (var name in ITEMS) {
    m0 = USED();
    keep = ITEMS[name](1);
    var one = USED();
    keep = null;
    var m1 = USED();
    keep = ITEMS[name](1 + K);
    var more = USED();
    keep = null;
    out[name] = Math.round(((more - m1) - (one - m0)) / K);
  }
  out.hops = hops(HOPS);
  PRINT('BENCH ' + JSON.stringify(out));
}
`;

function parseBench(lines) {
  const l = lines.find((x) => x.startsWith('BENCH '));
  return l ? JSON.parse(l.slice(6)) : null;
}

function espruino(label, jsVars, mode, hopCount) {
  // The core is measured from before it is loaded: `core` is what loading it costs.
  const code =
    'var __m0=process.memory().usage;\n' +
    coreModule() +
    'var __core=process.memory().usage-__m0;\n' +
    SUITE +
    IN_SCRIPT +
    'function USED(){return process.memory().usage;}function NOW(){return getTime()*1000;}var PRINT=print;var HOPS=' + hopCount + ';\n' +
    'setTimeout(function(){try{measureAll({core:__core});}catch(e){print("BENCH-ERROR "+e);}quit();},20);';
  const r = runEspruino(code, { jsVars, mode, seconds: 120, init: false });
  const res = parseBench(r.lines);
  if (!res) throw new Error(label + ': ' + (r.lines.filter((l) => /ERROR|Uncaught|MEMORY/.test(l)).join(' | ') || r.failure || 'no result'));
  res.unit = 'JsVars';
  res.peak = r.peak;
  return res;
}

function jerryLoop(hopCount) {
  const bin = join(enginesDir(), 'bin', 'jerry-loop');
  const code =
    'gc();var __m0=heapStats().allocated;\n' +
    coreModule() +
    'gc();var __core=heapStats().allocated-__m0;\n' +
    SUITE +
    IN_SCRIPT +
    'function USED(){gc();return heapStats().allocated;}function NOW(){return getTime()*1000;}var PRINT=print;var HOPS=' + hopCount + ';\n' +
    'measureAll({core:__core});';
  const dir = mkdtempSync(join(tmpdir(), 'aimdb-bench-'));
  let r;
  try {
    writeFileSync(join(dir, 'run.js'), code);
    r = spawnSync(bin, [join(dir, 'run.js')], { encoding: 'utf8', timeout: 120_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const res = parseBench(String(r.stdout).split('\n'));
  if (!res) throw new Error('jerry-3.0: ' + (r.stderr || r.stdout).slice(0, 400));
  res.unit = 'bytes';
  return res;
}

// JerryScript 2.4's command line reports only the run's heap peak: each figure is the difference
// between runs (1 and 1+K of the thing, everything kept alive to the end).
function jerry24(hopCount) {
  const run = (body) => {
    const r = runJerry(coreModule() + SUITE + 'function NOW(){return Date.now();}\n' + body, { version: '2.4', heap: '64k', timers: false });
    if (r.failure) throw new Error('jerry-2.4: ' + r.failure + ' ' + r.lines.slice(-3).join(' | '));
    return r;
  };
  const base = run('var keep=null;').peakBytes;
  const out = { core: base };
  out['empty database started'] = run('var keep=A.builder(A.manualRuntime()).build().start();').peakBytes - base;
  out['app with one ring+tap record'] = run("var keep=ITEMS['ring+tap record'](1);").peakBytes - base;
  for (const name of Object.keys(ITEMS_NAMES)) {
    const one = run(`var keep=ITEMS[${JSON.stringify(name)}](1);`).peakBytes;
    const more = run(`var keep=ITEMS[${JSON.stringify(name)}](1+K);`).peakBytes;
    out[name] = Math.round((more - one) / 4);
  }
  const h = run(`print('HOPS '+JSON.stringify(hops(${hopCount})));`);
  out.hops = JSON.parse(h.lines.find((l) => l.startsWith('HOPS ')).slice(5));
  out.unit = 'bytes';
  return out;
}
const ITEMS_NAMES = { 'ring(16) record': 1, 'ring(16) {t:f64,v:f32} record': 1, 'singleLatest record': 1, 'mailbox record': 1, reader: 1, tap: 1, 'outbound link': 1, 'ring+tap record': 1 };


// --------------------------------------------------------------------------------- apps vs hand
/** Each app bundle, the engine it runs on, and its hand-written equivalent (bench/hand/). */
export const APP_PAIRS = [
  { app: 'smoke.pico', hand: 'smoke.js', engine: 'espruino', jsVars: 5100, mode: 'flash' },
  { app: 'smoke.esp32', hand: 'smoke.js', engine: 'espruino', jsVars: 16383, mode: 'ram' },
  { app: 'pico-actuator.pico', hand: 'pico-actuator.js', engine: 'espruino', jsVars: 5100, mode: 'flash' },
  // No network in these runs: both clients fail to connect and keep retrying, as a board without its broker.
  { app: 'climate-sensor.esp32', hand: 'climate-sensor.js', engine: 'espruino', jsVars: 16383, mode: 'ram' },
  { app: 'smoke.stm32f4-discovery-jerry', hand: 'smoke.js', engine: 'jerry-2.4' },
];

function appPeak(code, pair, hosted) {
  pair = { ...pair, hosted };
  if (pair.engine === 'espruino') {
    const r = runEspruino(code, { jsVars: pair.jsVars, mode: pair.mode, seconds: 3 });
    return { peak: r.peak, failure: r.failure, lines: r.lines };
  }
  // A JerryScript board's host drives the app (the target's reference host, virtual time); the
  // hand-written version needs only the timer shim.
  const r = pair.hosted
    ? runJerry(readFileSync(join(ROOT, 'targets/jerryscript/host/reference-host.js'), 'utf8') + '\n' + code + '\n;hostRun(2500);\n', { version: '2.4', heap: '64k', timers: false })
    : runJerry(code, { version: '2.4', heap: '64k', untilMs: 2500 });
  return { peak: r.peakBytes, failure: r.failure || (r.lines.includes('done') ? undefined : 'did not print done'), lines: r.lines };
}

function apps() {
  const rows = [];
  for (const p of APP_PAIRS) {
    const appFile = join(ROOT, 'dist', p.app + '.js');
    const handFile = join(ROOT, 'bench/hand', p.hand);
    if (!existsSync(appFile) || !existsSync(handFile)) continue;
    const a = appPeak(readFileSync(appFile, 'utf8'), p, true);
    const h = appPeak(readFileSync(handFile, 'utf8'), p, false);
    rows.push({ app: p.app, engine: p.engine === 'espruino' ? `espruino ${p.jsVars} ${p.mode}` : p.engine, app_peak: a.peak, hand_peak: h.peak, ratio: +(a.peak / h.peak).toFixed(2), failure: a.failure || h.failure });
  }
  return rows;
}

// --------------------------------------------------------------------------------------- main
function main() {
  const problem = enginesProblem();
  if (problem) {
    console.error('bench-engines: ' + problem);
    process.exit(2);
  }
  if (!existsSync(CORE_FILE)) {
    console.error('bench-engines: dist/aimdb-core.js is missing (make build)');
    process.exit(2);
  }
  const hopsEspruino = QUICK ? 320 : 1280;
  const hopsJerry = QUICK ? 12800 : 128000;
  const results = {};
  const t0 = Date.now();
  const runs = {
    'espruino-esp32-ram': () => espruino('espruino esp32 ram', 16383, 'ram', hopsEspruino),
    'espruino-pico-flash': () => espruino('espruino pico flash', 5100, 'flash', hopsEspruino),
    'jerry-3.0': () => jerryLoop(hopsJerry),
    'jerry-2.4': () => jerry24(hopsJerry),
  };
  for (const e of ENGINES) {
    if (!runs[e]) throw new Error(`unknown engine ${e} (known: ${Object.keys(runs).join(', ')})`);
    results[e] = runs[e]();
  }
  const engines = Object.keys(results);
  const rowNames = ['core', 'empty database started', 'app with one ring+tap record', ...Object.keys(ITEMS_NAMES)];
  const core = readFileSync(CORE_FILE, 'utf8');
  console.log(`dist/aimdb-core.js ${core.length} B; memory: JsVars on Espruino, heap bytes on JerryScript; per-item rows are marginal (1 vs 1+4)`);
  console.log('item'.padEnd(32) + engines.map((e) => e.padStart(20)).join(''));
  for (const n of rowNames) console.log(n.padEnd(32) + engines.map((e) => String(results[e][n]).padStart(20)).join(''));
  const ratios = {};
  for (const e of engines) {
    const h = results[e].hops;
    const core = h.values / (Math.max(h.coreMs, 0.001) / 1000);
    const hand = h.values / (Math.max(h.handMs, 0.001) / 1000);
    ratios[e] = { coreHopsPerSec: Math.round(core), handHopsPerSec: Math.round(hand), ratio: +(core / hand).toFixed(3) };
  }
  console.log('ring(64)->tap hops/s'.padEnd(32) + engines.map((e) => String(ratios[e].coreHopsPerSec).padStart(20)).join(''));
  console.log('hand-written ring hops/s'.padEnd(32) + engines.map((e) => String(ratios[e].handHopsPerSec).padStart(20)).join(''));
  console.log('core/hand'.padEnd(32) + engines.map((e) => ratios[e].ratio.toFixed(3).padStart(20)).join(''));
  const appRows = NO_APPS ? [] : apps();
  console.log('\napp (peak)'.padEnd(40) + 'engine'.padEnd(22) + 'app'.padStart(8) + 'hand'.padStart(8) + 'ratio'.padStart(8));
  for (const r of appRows) console.log(r.app.padEnd(39) + r.engine.padEnd(22) + String(r.app_peak).padStart(8) + String(r.hand_peak).padStart(8) + r.ratio.toFixed(2).padStart(8) + (r.failure ? '  FAILED: ' + r.failure : ''));
  console.log(`(${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  if (JSON_OUT) console.log(JSON.stringify({ coreBytes: core.length, engines: results, hops: ratios, apps: appRows }));
}

main();
