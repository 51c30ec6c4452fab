// climate-sensor's job written by hand for Espruino (no framework, no MQTT module): the baseline
// bench/engines.mjs compares the app against on the same engine. Same protocol as the app: MQTT 3.1.1
// over TCP (CONNECT with keepalive and a last will, PUBLISH QoS 0, SUBSCRIBE QoS 1 with its PUBACK,
// PINGREQ, reconnect with backoff) to the gateway's broker. Temperature and humidity go into two
// 256-slot rings of {t f64, v f32} (typed arrays) every `intervalMs` and are published; the config
// (retained topic, saved to Storage) and the command topic are taken from the broker.
var BROKER = { host: '192.168.1.10', port: 1883 }, ZONE = 'climate/zone-a', ID = 'climate-esp32-a';
var N = 256, tT = new Float64Array(N), tV = new Float32Array(N), hT = new Float64Array(N), hV = new Float32Array(N), head = 0;
var config = { intervalMs: 10000, tempOffset: 0 }, sock = null, backoff = 1000, pingTimer = 0, inBuf = '', mid = 1;
try {
  var saved = require('Storage').readJSON('climate.cfg', true);
  if (saved) config = saved;
} catch (e) {}

function str(s) { return String.fromCharCode(s.length >> 8, s.length & 255) + s; }
function packet(type, body) {
  var len = body.length, h = String.fromCharCode(type);
  do { var b = len & 127; len >>= 7; h += String.fromCharCode(len > 0 ? b | 128 : b); } while (len > 0);
  return h + body;
}
function send(p) { if (sock) sock.write(p); }
function publish(topic, payload, retain) { send(packet(retain ? 0x31 : 0x30, str(topic) + payload)); }
function onMessage(topic, payload) {
  var v;
  try { v = JSON.parse(payload); } catch (e) { return; }
  if (topic === ZONE + '/config' && v && typeof v.intervalMs === 'number') {
    config = v;
    try { require('Storage').writeJSON('climate.cfg', v); } catch (e) {}
  } else if (topic === ZONE + '/cmd' && v) {
    if (v.action === 'calibrate' && typeof v.value === 'number') config = { intervalMs: config.intervalMs, tempOffset: v.value };
    else print('cmd ' + v.action);
  }
}
function onData(d) {
  inBuf += d;
  if (inBuf.length > 2048) { inBuf = ''; return sock && sock.end(); }
  for (;;) {
    var len = 0, mul = 1, i = 1, b;
    do { if (i >= inBuf.length) return; b = inBuf.charCodeAt(i++); len += (b & 127) * mul; mul *= 128; } while (b & 128 && i < 5);
    if (inBuf.length < i + len) return;
    var h0 = inBuf.charCodeAt(0), type = h0 >> 4, body = inBuf.substr(i, len);
    inBuf = inBuf.substr(i + len);
    if (type === 2) { // CONNACK: subscribe to the config and command topics (QoS 1)
      backoff = 1000;
      send(packet(0x82, String.fromCharCode(0, mid++ & 255) + str(ZONE + '/config') + '\x01' + str(ZONE + '/cmd') + '\x01'));
    } else if (type === 3) { // PUBLISH: QoS 1 carries a packet id, acknowledged with PUBACK
      var tl = (body.charCodeAt(0) << 8) | body.charCodeAt(1), at = 2 + tl;
      if ((h0 >> 1) & 3) { send('\x40\x02' + body.substr(at, 2)); at += 2; }
      onMessage(body.substr(2, tl), body.substr(at));
    }
  }
}
function retry() {
  sock = null;
  clearInterval(pingTimer);
  setTimeout(connect, backoff);
  backoff = Math.min(backoff * 2, 60000);
}
function connect() {
  try {
    open();
  } catch (e) {
    retry(); // no route (yet): try again later
  }
}
function open() {
  require('net').connect(BROKER, function (s) {
    sock = s;
    s.on('data', onData);
    s.on('close', retry);
    var will = str(ZONE + '/status') + str('offline');
    send(packet(0x10, str('MQTT') + '\x04\x06\x00\x3c' + str(ID) + will));
    pingTimer = setInterval(function () { send('\xc0\x00'); }, 60000);
  }).on('error', retry);
}
function tick() {
  var now = getTime() * 1000, phase = (now / 600000) % (2 * Math.PI), i = head % N;
  tT[i] = hT[i] = now;
  tV[i] = 21 + 3 * Math.sin(phase) + config.tempOffset;
  hV[i] = 55 - 10 * Math.sin(phase);
  head++;
  publish(ZONE + '/temp', '{"t":' + now + ',"v":' + Math.round(tV[i] * 10) / 10 + '}');
  publish(ZONE + '/hum', '{"t":' + now + ',"v":' + Math.round(hV[i] * 10) / 10 + '}');
  setTimeout(tick, config.intervalMs);
}
require('Wifi').connect('greenhouse', { password: 'change-me' }, function (err) {
  if (!err) connect();
});
setTimeout(tick, 1000);
print('climate-sensor (hand) online');
