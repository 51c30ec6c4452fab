// pico-actuator's job written by hand for Espruino (no framework): the baseline bench/engines.mjs
// compares the app against on the same engine. Same protocol as the app: AimX v3 (one JSON object
// per frame) in COBS frames on Serial1 at 115200 baud, serving `hello`, `ping`, `record.list`,
// `record.get`, `record.set`, `sub`/`unsub` (exact keys) with `subscribed`/`snap`/`event`, and
// `write`. Records: the valve command (Mailbox, writable), the valve state (set from each command,
// drives LED2), the LED command (Mailbox, writable, drives LED1) and the uptime (every 5 s).
// Frames are bounded (1 KB here: an experienced author sizes the buffer to the board).
var MAX = 1024;
var recs = {
  'actuator.valve.cmd': { v: undefined, w: true, buf: 'mailbox', n: 0 },
  'actuator.valve.state': { v: undefined, w: false, buf: 'single_latest', n: 0 },
  'actuator.led.cmd': { v: undefined, w: true, buf: 'mailbox', n: 0 },
  'actuator.uptime': { v: undefined, w: false, buf: 'single_latest', n: 0 }
};
var subs = {}, nsubs = 0, hello = false, inBuf = '', skipping = false;

function pin(name, on) {
  if (typeof global[name] !== 'undefined') digitalWrite(global[name], on);
}
function cobs(s) {
  // COBS over the frame's characters (Espruino strings are byte strings), then a 0x00 terminator.
  var out = '', block = '';
  for (var i = 0; i <= s.length; i++) {
    var c = i < s.length ? s.charCodeAt(i) : 0;
    if (c !== 0) block += s[i];
    if (c === 0 || block.length === 254) {
      out += String.fromCharCode(block.length + 1) + block;
      block = '';
    }
  }
  return out + '\0';
}
function send(obj) {
  Serial1.write(cobs(typeof obj === 'string' ? obj : JSON.stringify(obj)));
}
function publish(key) {
  var r = recs[key];
  r.n++;
  for (var id in subs) if (subs[id] === key) send({ t: 'event', seq: r.n, sub: id, data: r.v });
}
function set(key, value) {
  var r = recs[key];
  r.v = value;
  publish(key);
  if (key === 'actuator.valve.cmd') {
    pin('LED2', value.open);
    recs['actuator.valve.state'].v = { open: value.open, cmd: value.id, at: Math.round(getTime() * 1000) };
    publish('actuator.valve.state');
  } else if (key === 'actuator.led.cmd') pin('LED1', value.on);
}
function reply(id, ok, err) {
  send(err ? { t: 'reply', id: id, err: err } : { t: 'reply', id: id, ok: ok });
}
function request(f) {
  var p = f.params || {}, r = recs[p.name];
  if (f.method === 'hello') {
    hello = true;
    return reply(f.id, { version: '3.0', server: 'hand-pico', permissions: ['read', 'write'], writable_records: ['actuator.valve.cmd', 'actuator.led.cmd'], max_subscriptions: 8, authenticated: false, node_id: 'pico-actuator', runtime: 'espruino' });
  }
  if (!hello) return reply(f.id, 0, 'denied');
  if (f.method === 'record.list') {
    var rows = [], i = 0;
    for (var k in recs) rows.push({ record_id: i++, record_key: k, buffer_type: recs[k].buf, writable: recs[k].w, produced_count: recs[k].n });
    return reply(f.id, rows);
  }
  if (!r) return reply(f.id, 0, 'not_found');
  if (f.method === 'record.get') return r.v === undefined ? reply(f.id, 0, 'not_found') : reply(f.id, r.v);
  if (f.method === 'record.set') {
    if (!r.w) return reply(f.id, 0, 'denied');
    set(p.name, p.value);
    return reply(f.id, { status: 'success', value: p.value });
  }
  reply(f.id, 0, 'not_found');
}
function frame(text) {
  var f;
  try { f = JSON.parse(text); } catch (e) { return reply(0, 0, 'internal'); }
  if (!f || typeof f !== 'object') return reply(0, 0, 'internal');
  if (f.t === 'ping') return send('{"t":"pong"}');
  if (f.t === 'req') return request(f);
  if (f.t === 'sub') {
    if (!hello) return reply(f.id, 0, 'denied');
    if (!recs[f.topic]) return reply(f.id, 0, 'not_found');
    if (nsubs >= 8) return reply(f.id, 0, 'denied');
    subs[f.id] = f.topic;
    nsubs++;
    send({ t: 'subscribed', sub: String(f.id) });
    var r = recs[f.topic];
    if (r.v !== undefined && r.buf !== 'mailbox') send({ t: 'snap', seq: r.n, topic: f.topic, sub: String(f.id), data: r.v, last: true });
    return;
  }
  if (f.t === 'unsub') {
    if (subs[f.sub]) { delete subs[f.sub]; nsubs--; }
    return;
  }
  if (f.t === 'write' && hello && recs[f.topic] && recs[f.topic].w) set(f.topic, f.payload && f.payload.value !== undefined ? f.payload.value : f.payload);
}
function decode(s) {
  var out = '', i = 0;
  while (i < s.length) {
    var code = s.charCodeAt(i++);
    if (code === 0 || i + code - 1 > s.length) return null;
    out += s.substr(i, code - 1);
    i += code - 1;
    if (code < 255 && i < s.length) out += '\0';
  }
  return out;
}
Serial1.setup(115200);
Serial1.on('data', function (d) {
  for (;;) {
    var z = d.indexOf('\0');
    var part = z < 0 ? d : d.substr(0, z);
    if (!skipping) {
      if (inBuf.length + part.length > MAX) { inBuf = ''; skipping = true; reply(0, 0, 'internal'); }
      else inBuf += part;
    }
    if (z < 0) return;
    if (!skipping && inBuf.length) {
      var text;
      text = decode(inBuf);
      if (text !== null) frame(text);
    }
    inBuf = '';
    skipping = false;
    d = d.substr(z + 1);
  }
});
setInterval(function () {
  recs['actuator.uptime'].v = { s: Math.round(getTime()) };
  publish('actuator.uptime');
}, 5000);
print('hand pico-actuator serving AimX on Serial1');
