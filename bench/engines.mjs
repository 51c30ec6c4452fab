#!/usr/bin/env node
// `make bench-engines`: ring -> tap hops per second of the built core (dist/aimdb-core.js) on
// duktape and mujs, as a ratio against a hand-written ES5 ring doing the same work (a preallocated
// array, a write index, one reader cursor, a callback per value) in the same engine and run.
// Usage: node bench/engines.mjs [values]   (default 200000)
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// Rounded to whole batches of 64 (the ring's capacity): every batch is produced, then drained.
const N = Math.ceil(Number(process.argv[2] || 200000) / 64) * 64;
const core = readFileSync(join(ROOT, 'dist/aimdb-core.js'), 'utf8');

// ES5 for both engines: `print` and `Date` are all they share.
const script = `
var module = { exports: {} };
// The core in its own function scope, as require() would load it: its minified top-level names
// must not meet this script's.
(function (module, exports) {
${core}
})(module, module.exports);
var A = module.exports;
var N = ${N}, BATCH = 64;

function benchCore() {
  var rt = A.manualRuntime();
  var K = A.key('bench.value', 'Value');
  var producer = null, seen = 0, sum = 0;
  var db = A.builder(rt).configure(K, function (r) {
    return r.buffer(A.ring(BATCH)).source(function (ctx, p) { producer = p; })
      .tap(function (ctx, c) { c.each(function (v) { seen++; sum += v; }); });
  }).build().start();
  var t0 = Date.now();
  for (var i = 0; i < N; i += BATCH) {
    for (var j = 0; j < BATCH; j++) producer.produce(i + j);
    rt.runUntilIdle();
  }
  var ms = Date.now() - t0;
  db.stop();
  if (seen !== N) throw new Error('core saw ' + seen + ' of ' + N);
  return ms;
}

function benchHand() {
  var cap = BATCH, slots = [], w = 0, r = 0, seen = 0, sum = 0;
  for (var k = 0; k < cap; k++) slots.push(0);
  function onValue(v) { seen++; sum += v; }
  var t0 = Date.now();
  for (var i = 0; i < N; i += BATCH) {
    for (var j = 0; j < BATCH; j++) { slots[w % cap] = i + j; w++; }
    while (r < w) { onValue(slots[r % cap]); r++; }
  }
  var ms = Date.now() - t0;
  if (seen !== N) throw new Error('hand ring saw ' + seen);
  return ms;
}

benchHand(); benchCore();
var hand = benchHand(), coreMs = benchCore();
print(JSON.stringify({ values: N, coreMs: coreMs, handMs: hand }));
`;

const dir = mkdtempSync(join(tmpdir(), 'aimdb-bench-'));
const file = join(dir, 'bench.js');
writeFileSync(file, script);
console.log(`ring(64) -> tap, ${N} values per run, dist/aimdb-core.js (${core.length} bytes)`);
console.log('engine  core hops/s  hand ring hops/s  core/hand');
const results = {};
for (const engine of ['duk', 'mujs']) {
  const r = spawnSync(engine, [file], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) {
    console.log(`${engine}: failed (${(r.stderr || String(r.error)).trim()})`);
    continue;
  }
  const { values, coreMs, handMs } = JSON.parse(r.stdout.trim().split('\n').pop());
  const core = values / (Math.max(coreMs, 1) / 1000);
  const hand = values / (Math.max(handMs, 1) / 1000);
  results[engine] = { coreHopsPerSec: Math.round(core), handHopsPerSec: Math.round(hand), ratio: +(core / hand).toFixed(3) };
  console.log(`${engine.padEnd(6)}  ${String(Math.round(core)).padStart(11)}  ${String(Math.round(hand)).padStart(16)}  ${(core / hand).toFixed(3)}`);
}
if (process.argv.includes('--json')) console.log(JSON.stringify(results));
