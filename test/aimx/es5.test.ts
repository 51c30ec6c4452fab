/**
 * The AimX core as the devices get it: every module reachable from core/aimx and core/codec/cobs is
 * transpiled to ES5 (TypeScript 5.9, the core tsconfig's rules), checked for tslib helpers and
 * Espruino hazards (tools/es5check.mjs), then an MCU-side scenario — a database served over COBS on
 * a simulated byte line, queried by the core client — runs on duktape and mujs (real non-V8 ES5
 * engines with no Map/Set/Promise/timers), and in a Node vm context with those globals deleted.
 * What this does not show: Espruino's missing hoisting and its memory use (see ENGINES.md §5).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { findEspruinoHazards, findHelpers, parseEs5 } from '../../tools/es5check.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRIES = ['core/aimx/index.ts', 'core/codec/cobs.ts', 'core/builder.ts', 'core/runtime/manual.ts', 'core/keys.ts', 'core/buffers.ts'];

/** Transpiles the module graph to ES5 CommonJS, keyed by repo-relative .ts path. */
function transpileGraph(): Map<string, string> {
  const out = new Map<string, string>();
  const todo = [...ENTRIES];
  while (todo.length > 0) {
    const rel = todo.pop()!;
    if (out.has(rel)) continue;
    const src = fs.readFileSync(path.join(ROOT, rel), 'utf8');
    let js = ts.transpileModule(src, {
      compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.CommonJS, useDefineForClassFields: false, importHelpers: false, downlevelIteration: false, removeComments: true },
      fileName: rel,
    }).outputText;
    js = js.replace(/require\("(\.[^"]+)"\)/g, (_m, spec: string) => {
      const dep = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec.replace(/\.js$/, '.ts')));
      todo.push(dep);
      return `require(${JSON.stringify(dep)})`;
    });
    out.set(rel, js);
  }
  return out;
}

/** One ES5 script: a tiny module loader, the modules, then `scenario` (which prints its result). */
function bundle(mods: Map<string, string>, scenario: string): string {
  const defs = [...mods].map(([k, js]) => `defs[${JSON.stringify(k)}] = function (module, exports, require) {\n${js}\n};`).join('\n');
  return `var defs = {}; var cache = {};
function require(k) { if (cache[k]) return cache[k].exports; var m = { exports: {} }; cache[k] = m; defs[k](m, m.exports, require); return m.exports; }
${defs}
${scenario}`;
}

// Runs on the device engines: a database on the host-driven runtime, its AimX server on one end of a
// simulated byte line (COBS), the core client on the other. Prints one JSON line with what it saw.
const SCENARIO = `
var aimx = require("core/aimx/index.ts");
var B = require("core/builder.ts"), M = require("core/runtime/manual.ts"), K = require("core/keys.ts"), BU = require("core/buffers.ts");
var rt = M.manualRuntime();
var T = K.key("sensor.temp", "Temperature"), S = K.key("app.setpoint", "Setpoint");
var n = 0;
var db = B.builder(rt).nodeId("mcu-1")
  .configure(T, function (r) { return r.buffer(BU.ring(4)).source(function (ctx, p) { ctx.every(100, function () { n++; p.produce({ c: n }); }); }).remote(); })
  .configure(S, function (r) { return r.buffer(BU.singleLatest()).remote({ writable: true }); })
  .build();
db.start();
var server = aimx.aimxServer(db);
var toClient = [], toServer = [];
var mcu = aimx.serveAimxOnStream(server);
mcu.attach({ write: function (bytes) { toClient.push(bytes); }, close: function () {} });
var client = new aimx.AimxClient(function () {});
var gw = aimx.aimxClientLink(client);
gw.attach({ write: function (bytes) { toServer.push(bytes); }, close: function () {} });
function pump() {
  var moved = true;
  while (moved) {
    moved = false;
    while (toServer.length) { mcu.onData(toServer.shift()); moved = true; }
    while (toClient.length) { gw.onData(toClient.shift()); moved = true; }
    rt.runUntilIdle();
  }
}
var seen = { hello: null, list: null, set: null, updates: [], errors: [] };
client.hello("es5", undefined, function (e, w) { seen.hello = e ? e.code : w.node_id + "/" + w.writable_records.join(","); });
pump();
client.call("record.list", null, function (e, rows) { seen.list = e ? e.code : rows.length + ":" + rows[0].record_key + ":" + rows[0].buffer_type; });
client.call("record.set", { name: "app.setpoint", value: 7 }, function (e, r) { seen.set = e ? e.code : r.value; });
client.call("record.set", { name: "sensor.temp", value: 1 }, function (e) { seen.errors.push(e ? (e.details && e.details.wire) : "none"); });
client.subscribe("sensor.*", { onUpdate: function (u) { seen.updates.push(u.seq + ":" + u.topic + ":" + u.value.c); } });
pump();
rt.advance(300);
pump();
gw.onData([0x13, 0x37, 0x00]);
client.call("graph.topo_order", null, function (e, o) { seen.order = e ? e.code : o.join(","); });
pump();
seen.corrupted = gw.reader.corrupted;
print(JSON.stringify(seen));
`;

const EXPECTED = {
  hello: 'mcu-1/app.setpoint',
  list: '2:sensor.temp:spmc_ring',
  set: 7,
  updates: ['1:sensor.temp:1', '2:sensor.temp:2', '3:sensor.temp:3'],
  errors: ['denied'],
  order: 'sensor.temp,app.setpoint',
  corrupted: 1,
};

function haveEngine(cmd: string): boolean {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('aimx core as ES5 (device engines)', function () {
  this.timeout(30000);
  let mods: Map<string, string>;
  let script: string;
  let file: string;
  before(() => {
    mods = transpileGraph();
    script = bundle(mods, SCENARIO);
    file = path.join(os.tmpdir(), `aimx-es5-${process.pid}.js`);
    fs.writeFileSync(file, script);
  });
  after(() => fs.rmSync(file, { force: true }));

  it('transpiles core/aimx and core/codec without tslib helpers or Espruino hazards', () => {
    for (const [k, js] of mods) {
      if (!k.startsWith('core/aimx/') && !k.startsWith('core/codec/')) continue;
      expect(findHelpers(js), k).to.deep.equal([]);
      const problems = findEspruinoHazards(parseEs5(js));
      expect(problems, k).to.deep.equal([]);
    }
  });

  it('the bundle parses as ES5', () => {
    expect(() => parseEs5(script)).to.not.throw();
  });

  it('serves and queries AimX over COBS in a Node vm without Map, Set, Symbol, Promise or timers', () => {
    const printed: string[] = [];
    const ctx = vm.createContext({ print: (s: string) => printed.push(s) });
    vm.runInContext('delete this.Map; delete this.Set; delete this.WeakMap; delete this.Symbol; delete this.Promise; delete this.Proxy; delete this.Reflect;', ctx);
    vm.runInContext(script, ctx, { filename: 'aimx-es5.js' });
    expect(JSON.parse(printed[0])).to.deep.equal(EXPECTED);
  });

  for (const engine of ['duk', 'mujs']) {
    it(`runs the same scenario on ${engine}`, function () {
      if (!haveEngine(engine)) this.skip();
      const out = execFileSync(engine, [file], { encoding: 'utf8', timeout: 20000 });
      expect(JSON.parse(out.trim().split('\n').pop()!)).to.deep.equal(EXPECTED);
    });
  }
});
