// The part of chai's `expect` the shared suites use, in ES5 for duktape and mujs: equal/eql,
// deep.equal, have.length/lengthOf, have.property, include/contain, be.true/false/null/undefined/ok,
// be.a/an, above/below/greaterThan/lessThan/least/most/within, throw, and `not` before any of them.
function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a !== a && b !== b;
  var isArr = Object.prototype.toString.call(a) === '[object Array]';
  if (isArr !== (Object.prototype.toString.call(b) === '[object Array]')) return false;
  var ka = [], kb = [], k;
  for (k in a) if ({}.hasOwnProperty.call(a, k)) ka.push(k);
  for (k in b) if ({}.hasOwnProperty.call(b, k)) kb.push(k);
  if (ka.length !== kb.length) return false;
  for (var i = 0; i < ka.length; i++) if (!deepEqual(a[ka[i]], b[ka[i]])) return false;
  return true;
}
function show(v) {
  try { return JSON.stringify(v); } catch (e) { return String(v); }
}
function includes(haystack, needle) {
  if (typeof haystack === 'string') return haystack.indexOf(needle) >= 0;
  for (var i = 0; i < haystack.length; i++) if (deepEqual(haystack[i], needle)) return true;
  return false;
}
function getter(obj, name, fn) {
  Object.defineProperty(obj, name, { get: fn, enumerable: false, configurable: true });
}
export function expect(actual, message) {
  function assertion(negate) {
    function check(ok, what) {
      if (!ok === !negate) throw new Error((message ? message + ': ' : '') + 'expected ' + show(actual) + (negate ? ' not' : '') + ' to ' + what);
      return chain;
    }
    var chain = {};
    var deep = {
      equal: function (e) { return check(deepEqual(actual, e), 'deeply equal ' + show(e)); },
    };
    deep.eql = deep.equal;
    chain.deep = deep;
    chain.equal = function (e) { return check(actual === e, 'equal ' + show(e)); };
    chain.equals = chain.equal;
    chain.eql = deep.equal;
    chain.include = function (e) { return check(includes(actual, e), 'include ' + show(e)); };
    chain.contain = chain.include;
    deep.include = chain.include;
    chain.length = function (n) { return check(actual.length === n, 'have length ' + n); };
    chain.lengthOf = chain.length;
    chain.property = function (p, v) {
      var has = actual !== null && actual !== undefined && p in Object(actual);
      return check(arguments.length > 1 ? has && deepEqual(actual[p], v) : has, 'have property ' + p);
    };
    chain.above = function (n) { return check(actual > n, 'be above ' + n); };
    chain.greaterThan = chain.above;
    chain.gt = chain.above;
    chain.below = function (n) { return check(actual < n, 'be below ' + n); };
    chain.lessThan = chain.below;
    chain.lt = chain.below;
    chain.least = function (n) { return check(actual >= n, 'be at least ' + n); };
    chain.most = function (n) { return check(actual <= n, 'be at most ' + n); };
    chain.within = function (a, b) { return check(actual >= a && actual <= b, 'be within ' + a + '..' + b); };
    chain.a = function (t) {
      var kind = actual === null ? 'null' : Object.prototype.toString.call(actual) === '[object Array]' ? 'array' : typeof actual;
      return check(kind === t, 'be a ' + t);
    };
    chain.an = chain.a;
    chain['throw'] = function (re) {
      var threw = false, err;
      try { actual(); } catch (e) { threw = true; err = e; }
      var ok = threw && (!re || (typeof re === 'string' ? String(err && err.message).indexOf(re) >= 0 : re.test ? re.test(String(err && err.message)) : true));
      return check(ok, 'throw ' + String(re || ''));
    };
    chain['throws'] = chain['throw'];
    getter(chain, 'true', function () { return check(actual === true, 'be true'); });
    getter(chain, 'false', function () { return check(actual === false, 'be false'); });
    getter(chain, 'null', function () { return check(actual === null, 'be null'); });
    getter(chain, 'undefined', function () { return check(actual === undefined, 'be undefined'); });
    getter(chain, 'ok', function () { return check(!!actual, 'be ok'); });
    getter(chain, 'empty', function () { return check(actual.length === 0 || (typeof actual === 'object' && Object.keys(actual).length === 0), 'be empty'); });
    // Language chains: to, be, been, is, that, which, and, has, have, with, at, of, same, does.
    var words = ['to', 'be', 'been', 'is', 'that', 'which', 'and', 'has', 'have', 'with', 'at', 'of', 'same', 'does', 'still'];
    for (var i = 0; i < words.length; i++) getter(chain, words[i], function () { return chain; });
    return chain;
  }
  var pos = assertion(false);
  var neg = assertion(true);
  getter(pos, 'not', function () { return neg; });
  return pos;
}
