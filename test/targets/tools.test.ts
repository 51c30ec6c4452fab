/**
 * The build tools on fixtures: the hoisting pass, the declaration-order checker, the ES5/helper/
 * Espruino-hazard checks and the prototype-read rewrite.
 */
import { expect } from 'chai';
import vm from 'node:vm';
import { checkArtifact, findEspruinoHazards, findHelpers, parseEs5, rewritePrototypeReads } from '../../tools/es5check.mjs';
import { checkDeclarationOrder, hoistDeclarations } from '../../tools/hoist.mjs';

function run(code: string): unknown {
  const ctx = vm.createContext({ out: [] as unknown[] });
  vm.runInContext(code, ctx);
  return JSON.parse(JSON.stringify(ctx.out));
}

describe('tools/hoist.mjs', () => {
  describe('checkDeclarationOrder', () => {
    it('accepts code that declares before use', () => {
      expect(checkDeclarationOrder('function f(){return 1} var a = f(); out.push(a);')).to.deep.equal([]);
    });
    it('reports a function called before its declaration statement', () => {
      expect(checkDeclarationOrder('var a = f();\nfunction f(){return 1}')).to.deep.equal(['"f" used before its declaration ran, line 1:8']);
    });
    it('reports a var read before its statement', () => {
      expect(checkDeclarationOrder('out.push(x);\nvar x = 1;')).to.deep.equal(['"x" used before its declaration ran, line 1:9']);
    });
    it('follows a call to a declared function whose body reads a later var', () => {
      expect(checkDeclarationOrder('function g(){return D}\ng();\nvar D = 3;')).to.deep.equal([
        '"D" used before its declaration ran, line 2:0 (through a call to g)',
      ]);
    });
    it('follows immediately-invoked functions', () => {
      expect(checkDeclarationOrder('var C = function(){ return h() }();\nfunction h(){return 1}')).to.deep.equal([
        '"h" used before its declaration ran, line 1:27',
      ]);
    });
    it('checks every function scope, not only the top level', () => {
      expect(checkDeclarationOrder('function outer(){ inner(); function inner(){} }')).to.deep.equal([
        '"inner" used before its declaration ran, line 1:18',
      ]);
    });
    it('ignores uses inside functions that are not called yet', () => {
      expect(checkDeclarationOrder('var cb = function(){ return later };\nvar later = 1;')).to.deep.equal([]);
    });
    it('ignores names shadowed by a parameter or a catch binding', () => {
      expect(checkDeclarationOrder('function f(x){ return x }\nf(1);\ntry { } catch (x) { x }\nvar x = 2;')).to.deep.equal([]);
    });
  });

  describe('hoistDeclarations', () => {
    const cases: Array<[string, string]> = [
      ['function calls before declarations', 'out.push(f(2)); function f(x){ return g(x) + 1 } function g(y){ return y * 10 }'],
      ['vars in loops and blocks', 'for (var i = 0, n = 3; i < n; i++) { var sq = i * i; out.push(sq) } for (var k in {a:1}) out.push(k); if (true) var z = 5; out.push(z)'],
      ['a parenthesised sequence as initializer', 'var s = (out.push("side"), 7), t; out.push(s, t === undefined)'],
      ['a tsc class IIFE', 'var A = (function(){ function A(v){ this.v = v } A.prototype.get = function(){ return this.v }; return A }()); out.push(new A(4).get())'],
      ['directives stay first', '"use strict"; out.push(typeof q); var q = 1; function r(){}'],
      ['a var shared with a parameter', 'function f(a){ var a; var b = a; return b } out.push(f(9))'],
    ];
    for (const [name, src] of cases) {
      it(`keeps the behaviour of ${name} and passes the checker`, () => {
        const hoisted = hoistDeclarations(src);
        expect(checkDeclarationOrder(hoisted)).to.deep.equal([]);
        expect(run(hoisted)).to.deep.equal(run(src));
      });
    }
    it('moves function declarations first, then one var statement', () => {
      expect(hoistDeclarations('a(); var x = 1, y; function a(){}')).to.equal('function a(){}var x,y;a(); x=1; ');
    });
  });
});

describe('tools/es5check.mjs', () => {
  describe('parseEs5', () => {
    it('rejects ES2015 syntax with a position', () => {
      expect(() => parseEs5('let a = 1;')).to.throw(/\(1:/);
      expect(() => parseEs5('var f = () => 1;')).to.throw(SyntaxError);
      expect(() => parseEs5('var s = `t`;')).to.throw(SyntaxError);
    });
  });
  describe('findHelpers', () => {
    it('finds tslib helper names and tslib itself', () => {
      expect(findHelpers('var __extends = 1; __spreadArray([], x); require("tslib")').sort()).to.deep.equal(['__extends', '__spreadArray', 'tslib']);
    });
    it('does not match longer identifiers', () => {
      expect(findHelpers('var __extendsX = 1, my__assign = 2;')).to.deep.equal([]);
    });
  });
  describe('findEspruinoHazards', () => {
    it('reports labels, constructor prototype reads, missing globals and length writes', () => {
      const p = findEspruinoHazards(parseEs5('a: for(;;){ break a } Array.prototype.slice.call(x); new Map(); typeof Set; arr.length = 0;'));
      expect(p).to.have.length(4);
      expect(p[0]).to.match(/^label "a"/);
      expect(p[1]).to.match(/^Array\.prototype\.slice/);
      expect(p[2]).to.match(/^Map /);
      expect(p[3]).to.match(/^assignment to \.length/);
    });
  });
  describe('checkArtifact', () => {
    it('passes a clean ES5 bundle and fails on a helper', () => {
      expect(checkArtifact('var a = 1;', { espruino: true })).to.deep.equal([]);
      expect(checkArtifact('var __assign = function(){};')).to.deep.equal(['contains tslib helper name __assign']);
      expect(checkArtifact('const a = 1;')[0]).to.match(/^does not parse as ES5/);
    });
  });
  describe('rewritePrototypeReads', () => {
    it('rewrites reads through the constructor into instance reads with the same result', () => {
      const src = 'out.push(Object.prototype.hasOwnProperty.call({a:1}, "a"), Array.prototype.slice.call([1,2,3], 1));';
      const r = rewritePrototypeReads(src);
      expect(r.rewrites).to.deep.equal(['Array.prototype.slice', 'Object.prototype.hasOwnProperty']);
      expect(r.code).to.not.match(/\.prototype\./);
      expect(run(r.code)).to.deep.equal(run(src));
    });
    it('leaves prototype writes alone', () => {
      expect(rewritePrototypeReads('Foo.prototype.x = 1; Array.prototype.y = 2;').rewrites).to.deep.equal([]);
    });
  });
});
