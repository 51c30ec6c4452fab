// Reference host for the JerryScript host contract (targets/jerryscript/README.md), in ES5 for any
// engine with a `print` function (duktape, mujs, JerryScript's CLI). Load it BEFORE the bundle, then
// call hostRun(untilMs) AFTER it. Time is virtual: it jumps from one due timer to the next.
var hostUartOut = [];
var aimdbHost = {
  print: function (line) {
    print(line);
  },
  write: function (bytes) {
    var hex = '';
    for (var i = 0; i < bytes.length; i++) {
      var b = bytes.charCodeAt(i) & 0xff;
      hex += (b < 16 ? '0' : '') + b.toString(16);
    }
    hostUartOut.push(hex);
    print('uart> ' + hex);
  }
};
function hostRun(untilMs) {
  var now = 0;
  var steps = 0;
  if (typeof aimdbHost.tick !== 'function') throw new Error('the bundle did not set aimdbHost.tick');
  aimdbHost.tick(0);
  for (;;) {
    var due = aimdbHost.nextDue();
    if (due < 0 || due > untilMs || steps++ > 100000) break;
    now = due > now ? due : now;
    aimdbHost.tick(now);
    // Idle after a tick: collect garbage, as a firmware host does (jerry_heap_gc) and as Espruino
    // does by itself. JerryScript's CLI offers gc(); duktape and mujs run without it.
    if (typeof gc === 'function') gc();
  }
  aimdbHost.tick(untilMs);
}
// substring, not substr: substr is Annex B, missing on mujs (and possibly on JerryScript's es5.1).
function hostReceiveHex(hex) {
  var s = '';
  for (var i = 0; i < hex.length; i += 2) s += String.fromCharCode(parseInt(hex.substring(i, i + 2), 16));
  aimdbHost.receive(s);
}
