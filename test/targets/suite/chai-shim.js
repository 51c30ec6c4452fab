// The part of chai's `expect` the shared suites use, in ES5: equal, deep.equal, have.length,
// be.undefined/true/false, include, and `not`.
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
export function expect(actual, message) {
  function check(ok, negate, what) {
    if (ok === negate) throw new Error((message ? message + ': ' : '') + 'expected ' + show(actual) + (negate ? ' not' : '') + ' to ' + what);
  }
  function build(negate) {
    var deep = {
      equal: function (e) { check(deepEqual(actual, e), negate, 'deeply equal ' + show(e)); },
      eql: function (e) { check(deepEqual(actual, e), negate, 'deeply equal ' + show(e)); },
    };
    var to = {
      equal: function (e) { check(actual === e, negate, 'equal ' + show(e)); },
      eql: deep.eql,
      deep: deep,
      have: { length: function (n) { check(actual.length === n, negate, 'have length ' + n); } },
      include: function (e) { check(actual.indexOf(e) >= 0, negate, 'include ' + show(e)); },
      be: {},
    };
    to.be.undefined = undefined;
    return to;
  }
  var pos = build(false), neg = build(true);
  pos.not = neg;
  var chain = { to: pos, not: { to: neg } };
  return chain;
}
