/**
 * The core MQTT modules as the devices get them: transpiled to ES5 with no helper, parsed by acorn
 * as ECMAScript 5, then run in a VM context from which Map, Set, WeakMap, Symbol, Promise, Proxy,
 * Reflect, setImmediate and queueMicrotask are deleted (ENGINES.md §5). This does not reproduce
 * Espruino's missing hoisting or its memory model.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import ts from 'typescript';
import * as acorn from 'acorn';

const CORE = path.resolve('core');
const HELPERS = /__extends|__assign|__spreadArray|__spread\b|__rest|__awaiter|__generator|__values|__read|__makeTemplateObject|__classPrivateField/;

function transpile(file: string): string {
  const src = fs.readFileSync(file, 'utf8');
  return ts.transpileModule(src, {
    compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.CommonJS, importHelpers: false, downlevelIteration: false, useDefineForClassFields: false },
    fileName: file,
  }).outputText;
}

/** Loads `entry` and what it imports from core/, every module transpiled to ES5, in `context`. */
function load(entry: string, context: vm.Context): any {
  const cache: { [f: string]: any } = {};
  function req(from: string, spec: string): any {
    const file = path.resolve(path.dirname(from), spec.replace(/\.js$/, '.ts'));
    if (!file.startsWith(CORE)) throw new Error('core module imports outside core/: ' + spec);
    if (cache[file]) return cache[file].exports;
    const mod = { exports: {} as any };
    cache[file] = mod;
    const fn = vm.runInContext('(function (exports, require, module) {' + transpile(file) + '\n})', context);
    fn(mod.exports, (s: string) => req(file, s), mod);
    return mod.exports;
  }
  return req(path.join(CORE, 'x.ts'), entry);
}

describe('core/mqtt as ES5', () => {
  const files = fs.readdirSync(path.join(CORE, 'mqtt')).filter((f) => f.endsWith('.ts')).map((f) => path.join(CORE, 'mqtt', f));

  it('transpiles every file without a tslib helper and parses as ECMAScript 5', () => {
    for (const f of files) {
      const out = transpile(f);
      expect(HELPERS.test(out), f + ' uses a helper').to.equal(false);
      expect(() => acorn.parse(out, { ecmaVersion: 5, sourceType: 'script' }), f).not.to.throw();
    }
  });

  it('encodes, decodes and routes in a context without Map, Set, Symbol, Promise, Proxy or Reflect', () => {
    const context = vm.createContext({});
    vm.runInContext('delete this.Map; delete this.Set; delete this.WeakMap; delete this.Symbol; delete this.Promise; delete this.Proxy; delete this.Reflect;', context);
    expect(vm.runInContext('typeof Map + typeof Promise + typeof Symbol', context)).to.equal('undefinedundefinedundefined');
    const m = load('./mqtt/index.js', context);
    const packet = m.encodePublish('climate/zone-a/temp', '{"c":21}', 1, true, false, 42);
    const got: any[] = [];
    const d = new m.MqttDecoder(1024, (p: any) => got.push([p.topic, p.id, p.qos, p.retain, Array.prototype.slice.call(p.payload).length]), () => got.push('error'));
    // Feed it as an Espruino-style binary string.
    let s = '';
    for (let i = 0; i < packet.length; i++) s += String.fromCharCode(packet[i]);
    d.push(s);
    expect(got).to.deep.equal([['climate/zone-a/temp', 42, 1, true, 8]]);
    expect(m.topicMatches('climate/+/temp', 'climate/zone-a/temp')).to.equal(true);
    const env = m.wrapSeq(7, 'x');
    const out = [0];
    expect(m.envelopeLength(env, out)).to.equal(3);
    expect(out[0]).to.equal(7);
  });
});
