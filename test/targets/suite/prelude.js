// ES5 harness that runs a mocha/chai-style suite on duktape and mujs (no Promise, no timers):
// describe/it/before/after/beforeEach/afterEach (and .skip), a synchronous Promise (tsc's __awaiter resolves through it, so
// an `async` test whose awaits are already settled completes before `it` returns), and a runner
// printing one line per test: "ok <name>" or "not ok <name>: <error>".
function SyncPromise(executor) {
  var self = this;
  self.s = 0;
  self.v = undefined;
  self.cbs = [];
  function settle(state, value) {
    if (self.s) return;
    if (state === 1 && value && typeof value.then === 'function') {
      value.then(function (x) { settle(1, x); }, function (e) { settle(2, e); });
      return;
    }
    self.s = state;
    self.v = value;
    var cbs = self.cbs;
    self.cbs = [];
    for (var i = 0; i < cbs.length; i++) cbs[i]();
  }
  try {
    executor(function (v) { settle(1, v); }, function (e) { settle(2, e); });
  } catch (e) {
    settle(2, e);
  }
}
SyncPromise.prototype.then = function (onValue, onError) {
  var self = this;
  return new SyncPromise(function (resolve, reject) {
    function run() {
      try {
        if (self.s === 1) resolve(onValue ? onValue(self.v) : self.v);
        else if (onError) resolve(onError(self.v));
        else reject(self.v);
      } catch (e) {
        reject(e);
      }
    }
    if (self.s) run();
    else self.cbs.push(run);
  });
};
SyncPromise.prototype['catch'] = function (onError) { return this.then(null, onError); };
SyncPromise.resolve = function (v) { return new SyncPromise(function (r) { r(v); }); };
SyncPromise.reject = function (e) { return new SyncPromise(function (_, r) { r(e); }); };
var Promise = SyncPromise;

var suiteRoot = { name: '', before: [], after: [], once: [], onceAfter: [], tests: [], children: [] };
var suiteCurrent = suiteRoot;
var suiteContext = { timeout: function () {}, slow: function () {} };
// A run may take one shard of the suite (`var suiteShard = {k: 0, n: 3};` before this file): only
// every n-th buffer kind (the describes one level below the suite) is even defined. On Espruino with
// the code in RAM every test closure holds a copy of its own text, so a whole suite defined at once
// outgrows the ESP32's JsVars; shards run one after another in separate runs.
var suiteDepth = 0;
var suiteKinds = 0;
function describe(name, fn) {
  suiteDepth++;
  var skip = suiteDepth === 2 && typeof suiteShard !== 'undefined' && suiteKinds++ % suiteShard.n !== suiteShard.k;
  if (!skip) {
    var s = { name: name, before: [], after: [], once: [], onceAfter: [], tests: [], children: [] };
    suiteCurrent.children.push(s);
    var parent = suiteCurrent;
    suiteCurrent = s;
    fn.call(suiteContext);
    suiteCurrent = parent;
  }
  suiteDepth--;
}
function it(name, fn) { suiteCurrent.tests.push({ name: name, fn: fn }); }
it.skip = function (name) { suiteCurrent.tests.push({ name: name, fn: null }); };
describe.skip = function () {};
function beforeEach(fn) { suiteCurrent.before.push(fn); }
function afterEach(fn) { suiteCurrent.after.push(fn); }
function before(fn) { suiteCurrent.once.push(fn); }
function after(fn) { suiteCurrent.onceAfter.push(fn); }
function suiteCall(fn) {
  var r = fn.call(suiteContext);
  if (r && typeof r.then === 'function') {
    var done = false, err = null;
    r.then(function () { done = true; }, function (e) { done = true; err = e || new Error('rejected'); });
    if (!done) throw new Error('the test did not finish synchronously');
    if (err) throw err;
  }
}
function suiteRun(s, befores, afters, prefix, out) {
  var b = befores.concat(s.before), a = s.after.concat(afters);
  var name = prefix ? prefix + ' ' + s.name : s.name;
  for (var o = 0; o < s.once.length; o++) suiteCall(s.once[o]);
  for (var i = 0; i < s.tests.length; i++) {
    var t = s.tests[i], error = null;
    if (!t.fn) {
      out.push('skip ' + name + ' > ' + t.name);
      continue;
    }
    try {
      for (var j = 0; j < b.length; j++) suiteCall(b[j]);
      suiteCall(t.fn);
    } catch (e) {
      error = e;
    }
    for (var k = 0; k < a.length; k++) {
      try { suiteCall(a[k]); } catch (e2) { if (!error) error = e2; }
    }
    out.push((error ? 'not ok ' : 'ok ') + name + ' > ' + t.name + (error ? ': ' + String(error && error.message || error) : ''));
    // On the real engines the host samples memory after every test (process.memory on Espruino).
    if (typeof suiteAfterTest === 'function') suiteAfterTest();
  }
  for (var c = 0; c < s.children.length; c++) suiteRun(s.children[c], b, a, name, out);
  for (var z = 0; z < s.onceAfter.length; z++) suiteCall(s.onceAfter[z]);
}
// Lines are printed as the tests finish: a small board has no room to keep them all.
function suiteReport() {
  suiteRun(suiteRoot, [], [], '', { push: function (line) { print(line); } });
}
