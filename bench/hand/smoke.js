// smoke's job written by hand, the way an experienced Espruino programmer would (no framework): the
// baseline that bench/engines.mjs compares the smoke app against on the same engine. A 4-slot ring of
// {t u32, v i16} readings every 100 ms (typed arrays where the engine has them), a tap printing each,
// a slow poller that sees the lag, a config value, a command mailbox (a newer command replaces an
// unread one), a running average and an alert over the configured threshold; metrics and `done` at
// 2 s. Same lines as the app, in ES5 for every engine.
var N = 4, TYPED = typeof Uint32Array !== 'undefined';
var ringT = TYPED ? new Uint32Array(N) : [0, 0, 0, 0];
var ringV = TYPED ? new Int16Array(N) : [0, 0, 0, 0];
var head = 0, slowAt = 1, n = 0, sum = 0, threshold = 1000, config = null, cmd = null, cmdTimer = 0;
var m = { reading: [0, 0, 0], config: [0, 0, 0], command: [0, 0, 0], average: [0, 0, 0], alert: [0, 0, 0] };

function reading(t, v) {
  ringT[head % N] = t;
  ringV[head % N] = v;
  head++;
  m.reading[0]++;
  print('reading #' + head + ' t=' + t + ' v=' + v);
  n++;
  sum += v;
  m.reading[1] += 3; // the tap, the average and the alert each read it
  m.average[0]++;
  print('average n=' + n + ' avg=' + Math.round(sum / n));
  m.average[1]++;
  if (v > threshold) {
    m.alert[0]++;
    print('alert t=' + t + ' v=' + v + ' over ' + threshold);
    m.alert[1]++;
  }
}
function setConfig(c) {
  config = c;
  m.config[0]++;
  print('config threshold=' + c.threshold);
  threshold = c.threshold;
  m.config[1] += 2;
}
function command(c) {
  if (cmd) m.command[2]++;
  cmd = c;
  m.command[0]++;
  if (!cmdTimer) cmdTimer = setTimeout(function () {
    cmdTimer = 0;
    print('command #' + cmd.id + ' ' + cmd.action);
    m.command[1]++;
    cmd = null;
  }, 0);
}
function slow() {
  if (head - slowAt + 1 > N) {
    var oldest = head - N + 1;
    print('slow lagged ' + (oldest - slowAt));
    m.reading[2] += oldest - slowAt;
    slowAt = oldest;
  }
  for (; slowAt <= head; slowAt++) {
    print('slow #' + slowAt + ' v=' + ringV[(slowAt - 1) % N]);
    m.reading[1]++;
  }
}

setConfig({ threshold: 230 });
var k = 0;
var tick = setInterval(function () {
  k++;
  reading(k * 100, 200 + ((k * 37) % 50));
  if (k === 12) clearInterval(tick);
}, 100);
var poll = setInterval(slow, 550);
setTimeout(function () { command({ id: 1, action: 'open' }); }, 350);
setTimeout(function () {
  setConfig({ threshold: 240 });
  command({ id: 2, action: 'close' });
  command({ id: 3, action: 'hold' });
}, 650);
setTimeout(function () {
  clearInterval(poll);
  for (var name in m) print('metrics smoke.' + name + ' produced=' + m[name][0] + ' consumed=' + m[name][1] + ' dropped=' + m[name][2]);
  print('peek config=' + config.threshold);
  print('done');
}, 2000);
