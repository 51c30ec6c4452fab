/*
 * The browser twin: this page runs the AimDB core (dist/aimdb-browser.js, global `AimDB`) and
 * declares its records the way a board does. The device owns its readings (`climate.temp`,
 * `climate.hum`: rings on the board); the page observes them as SingleLatest records fed by
 * `linkFrom` on the same MQTT topics, with taps that draw the chart. The page owns its command
 * record (`climate.cmd`, a Mailbox whose only writer is the page's source), which `linkTo` publishes
 * to the device. MQTT runs over a WebSocket to the broker, through the core's own MQTT client.
 */
(function () {
  'use strict';
  var A = window.AimDB;
  var MAX_POINTS = 240;
  var MAX_LOG = 60;
  var $ = function (id) { return document.getElementById(id); };

  // What the test harness and the console can inspect.
  var twin = (window.twin = { ready: false, db: null, temps: [], hums: [], sent: [], ownership: [], error: null });

  function text(id, s) { $(id).textContent = s; }

  function addLog(level, source, message) {
    var li = document.createElement('li');
    li.className = level;
    li.textContent = new Date().toISOString().slice(11, 19) + ' ' + level + ' ' + source + ': ' + message;
    var log = $('log');
    log.insertBefore(li, log.firstChild);
    while (log.children.length > MAX_LOG) log.removeChild(log.lastChild);
  }

  function json(_ctx, payload) {
    return JSON.parse(typeof payload === 'string' ? payload : A.utf8Decode(payload));
  }
  function serialize(_ctx, value) { return JSON.stringify(value); }

  // ---------------------------------------------------------------------------------- the chart
  var chart = $('chart');
  function drawChart() {
    var dpr = window.devicePixelRatio || 1;
    var w = chart.clientWidth, h = chart.clientHeight;
    if (chart.width !== Math.round(w * dpr)) { chart.width = Math.round(w * dpr); chart.height = Math.round(h * dpr); }
    var g = chart.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    var left = 52, right = 56, top = 12, bottom = 26;
    var pw = w - left - right, ph = h - top - bottom;
    g.font = '12px system-ui, sans-serif';
    g.strokeStyle = '#e2e8f0';
    g.lineWidth = 1;
    var series = [
      { pts: twin.temps, color: '#dc2626', axis: 'left', unit: '°C' },
      { pts: twin.hums, color: '#2563eb', axis: 'right', unit: '%' },
    ];
    var now = performance.now();
    var span = 120000; // the last two minutes
    for (var gy = 0; gy <= 4; gy++) {
      var y = top + (ph * gy) / 4;
      g.beginPath(); g.moveTo(left, y); g.lineTo(left + pw, y); g.stroke();
    }
    g.fillStyle = '#64748b';
    g.textAlign = 'center';
    for (var s = 0; s <= 120; s += 30) {
      var x = left + pw - (s * 1000 * pw) / span;
      g.fillText(s === 0 ? 'now' : '-' + s + ' s', x, h - 8);
    }
    series.forEach(function (se) {
      if (se.pts.length === 0) return;
      var lo = Infinity, hi = -Infinity;
      se.pts.forEach(function (p) { if (p.v < lo) lo = p.v; if (p.v > hi) hi = p.v; });
      var pad = Math.max(0.5, (hi - lo) * 0.15);
      lo -= pad; hi += pad;
      g.fillStyle = se.color;
      g.textAlign = se.axis === 'left' ? 'right' : 'left';
      for (var k = 0; k <= 4; k++) {
        var val = hi - ((hi - lo) * k) / 4;
        g.fillText(val.toFixed(1) + (k === 0 ? ' ' + se.unit : ''), se.axis === 'left' ? left - 6 : left + pw + 6, top + (ph * k) / 4 + 4);
      }
      g.strokeStyle = se.color;
      g.lineWidth = 2;
      g.beginPath();
      var started = false;
      se.pts.forEach(function (p) {
        var px = left + pw - ((now - p.at) * pw) / span;
        if (px < left) return;
        var py = top + ((hi - p.v) * ph) / (hi - lo);
        if (!started) { g.moveTo(px, py); started = true; } else g.lineTo(px, py);
      });
      g.stroke();
      var last = se.pts[se.pts.length - 1];
      g.beginPath();
      g.arc(left + pw - ((now - last.at) * pw) / span, top + ((hi - last.v) * ph) / (hi - lo), 3.5, 0, 2 * Math.PI);
      g.fillStyle = se.color;
      g.fill();
    });
    g.strokeStyle = '#94a3b8';
    g.lineWidth = 1;
    g.strokeRect(left, top, pw, ph);
  }

  function push(list, v) {
    list.push({ at: performance.now(), v: v.v, t: v.t });
    if (list.length > MAX_POINTS) list.shift();
  }

  // ------------------------------------------------------------------------------ the records
  function declare(cfg, nodeId) {
    var url = new URL(cfg.mqtt, location.href);
    var sockets = A.webSocketSockets({ path: url.pathname, secure: url.protocol === 'wss:' });
    var connector = A.mqttConnector({ url: 'mqtt://' + url.hostname + ':' + (url.port || (url.protocol === 'wss:' ? 443 : 80)), sockets: sockets, keepalive: 30 });
    var rt = A.browserRuntime({ onLog: addLog });
    var zone = cfg.zone;
    var Temp = A.key('climate.temp', 'Reading');
    var Hum = A.key('climate.hum', 'Reading');
    var Cmd = A.key('climate.cmd', 'Command');
    // A device reading, observed: SingleLatest fed by linkFrom on the device's topic; the tap draws.
    function observe(name, points) {
      return function (r) {
        return r
          .buffer(A.singleLatest())
          .linkFrom('mqtt://' + zone + '/' + name).withDeserializer(json).finish()
          .tap(function (_ctx, reader) {
            reader.each(function (v) { push(points, v); text(name + '-value', v.v.toFixed(1)); });
          });
      };
    }
    var db = A.builder(rt)
      .nodeId(nodeId)
      .withConnector(connector)
      .configure(Temp, observe('temp', twin.temps))
      .configure(Hum, observe('hum', twin.hums))
      .configure(Cmd, function (r) {
        return r
          .buffer(A.mailbox())
          .source(function (_ctx, producer) {
            twin.send = function (cmd) {
              producer.produce(cmd);
              return true;
            };
          })
          .linkTo('mqtt://' + zone + '/cmd').withSerializer(serialize).finish();
      })
      .build();
    text('cmd-topic', zone + '/cmd');
    return { db: db, connector: connector, keys: { Temp: Temp, Hum: Hum, Cmd: Cmd }, rt: rt };
  }

  /** The ownership rules, tried against this page's own core: each attempt must be refused. */
  function checkOwnership(t, zone) {
    var out = [];
    try {
      t.db.set(t.keys.Cmd, { action: 'report' });
      out.push({ rule: 'a second writer of climate.cmd (the page source owns it)', refused: false });
    } catch (e) {
      out.push({ rule: 'a second writer of climate.cmd (the page source owns it)', refused: true, why: e.message });
    }
    try {
      // The same connector, so that the only problem left is the second writer (build() starts nothing).
      A.builder(A.browserRuntime({ onLog: function () {} }))
        .withConnector(t.connector)
        .configure(t.keys.Temp, function (r) {
          return r.buffer(A.singleLatest()).source(function () {}).linkFrom('mqtt://' + zone + '/temp').withDeserializer(json).finish();
        })
        .build();
      out.push({ rule: 'the page producing climate.temp (the device owns it)', refused: false });
    } catch (e) {
      var lines = (e.message || '').split('\n');
      var why = lines.filter(function (l) { return l.indexOf('writer') >= 0; })[0] || lines[lines.length - 1];
      out.push({ rule: 'the page producing climate.temp (the device owns it)', refused: true, why: why.replace(/^\s*-\s*/, '') });
    }
    return out;
  }

  function renderRecords(db) {
    var rows = db.records();
    var body = $('records');
    body.textContent = '';
    rows.forEach(function (r) {
      var tr = document.createElement('tr');
      var link = r.links[0];
      var owner = r.origin === 'link' ? 'device (linkFrom)' : r.origin === 'source' ? 'this page (source)' : r.origin;
      [r.key, r.bufferType, owner, link ? (link.direction === 'in' ? '← ' : '→ ') + link.url.replace('mqtt://', '') : '–', String(link ? (link.direction === 'in' ? link.metrics.received : link.metrics.sent) : r.metrics.produced)].forEach(function (s, i) {
        var td = document.createElement('td');
        td.textContent = s;
        if (i === 4) td.className = 'n';
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function renderOwnership(list) {
    var ul = $('ownership');
    ul.textContent = '';
    list.forEach(function (o) {
      var li = document.createElement('li');
      var b = document.createElement('span');
      b.className = o.refused ? 'refused' : 'bad';
      b.textContent = o.refused ? 'refused' : 'ALLOWED';
      li.appendChild(b);
      li.appendChild(document.createTextNode(': ' + o.rule + (o.why ? ' — ' + o.why : '')));
      ul.appendChild(li);
    });
  }

  function sendCommand(cmd) {
    if (!twin.send) return;
    twin.send(cmd);
    var entry = { at: new Date().toISOString().slice(11, 19), cmd: cmd };
    addLog('info', 'climate.cmd', 'produced ' + JSON.stringify(cmd));
    twin.sent.push(entry);
    var li = document.createElement('li');
    li.textContent = entry.at + '  ' + JSON.stringify(cmd);
    var list = $('sent');
    list.insertBefore(li, list.firstChild);
  }

  function start(cfg) {
    var nodeId = 'browser-' + Math.floor(Math.random() * 0xffffff).toString(16);
    var t = declare(cfg, nodeId);
    twin.db = t.db;
    text('node', nodeId);
    text('runtime', t.db.runtimeName + ' runtime');
    text('broker', cfg.mqtt);
    twin.ownership = checkOwnership(t, cfg.zone);
    renderOwnership(twin.ownership);
    t.db.start();
    $('cmd-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var v = Number($('offset').value);
      if (!isFinite(v)) return;
      sendCommand({ action: 'calibrate', value: v });
    });
    $('send-report').addEventListener('click', function () { sendCommand({ action: 'report' }); });
    var conn = $('conn');
    var wasUp = false;
    setInterval(function () {
      var c = t.connector.client;
      var up = !!(c && c.connected);
      if (up !== wasUp) addLog(up ? 'info' : 'warn', 'mqtt', up ? 'connected to ' + cfg.mqtt : 'disconnected from ' + cfg.mqtt);
      wasUp = up;
      conn.className = 'conn ' + (up ? 'conn-open' : 'conn-connecting');
      conn.textContent = up ? 'MQTT connected' : 'connecting…';
      var received = t.db.records().reduce(function (n, r) {
        return n + r.links.reduce(function (m, l) { return m + (l.direction === 'in' ? l.metrics.received : 0); }, 0);
      }, 0);
      text('received', String(received));
      var last = twin.temps[twin.temps.length - 1];
      text('age', last ? ((performance.now() - last.at) / 1000).toFixed(1) + ' s ago' : '–');
      renderRecords(t.db);
    }, 500);
    (function frame() {
      drawChart();
      requestAnimationFrame(frame);
    })();
    twin.ready = true;
  }

  fetch('config.json')
    .then(function (r) { return r.json(); })
    .then(start)
    .catch(function (e) {
      twin.error = String(e && e.stack ? e.stack : e);
      addLog('error', 'page', twin.error);
    });
})();
