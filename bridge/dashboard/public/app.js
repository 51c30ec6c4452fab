// The dashboard page: AimX v3 over WebSocket for the graph, record rows and live values; plain HTTP
// (`/api/status`) for what AimX does not carry (devices, link counters). Values arrive through one
// `sub "#"` (snap + event frames); Mailbox records are not subscribed (a remote reader would take
// the application's values, CONTRACT §2) and are shown by peeking with `record.get` instead.

import { AimxSocket } from './aimx.js';
import { bufferLabel, drawGraph, originName } from './graph.js';
import { drawSparkline, formatValue, History, SERIES_COLORS } from './spark.js';

const SPARK_W = 280;
const SPARK_H = 44;

const state = {
  config: null,
  sock: null,
  rows: new Map(), // key -> record.list row
  cards: new Map(), // key -> card elements
  graphNodes: new Map(), // key -> {group, value}
  values: new Map(), // key -> latest value
  hist: new Map(), // key -> History
  dirty: new Set(),
  lastProduced: new Map(),
  lastPoll: 0,
  rate: 0,
  pollTimer: 0,
  statusTimer: 0,
};

const $ = (id) => document.getElementById(id);

function h(tag, attrs, children) {
  const e = document.createElement(tag);
  if (attrs) for (const k in attrs) k === 'text' ? (e.textContent = attrs[k]) : e.setAttribute(k, attrs[k]);
  if (children) for (const c of children) e.appendChild(c);
  return e;
}

function setConn(st, detail) {
  const c = $('conn');
  c.className = 'conn conn-' + st;
  c.dataset.state = st;
  c.textContent = st === 'open' ? 'live' : st === 'connecting' ? 'connecting…' : 'disconnected';
  c.title = detail || '';
}

function fmtInt(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : '—';
}

function metric(name, label, title) {
  const dd = h('dd', { 'data-metric': name, text: '0' });
  const div = h('div', { title }, [h('dt', { text: label }), dd]);
  return { div, dd };
}

function makeCard(row) {
  const key = row.record_key;
  const type = row.buffer_type;
  const origin = originName(row.origin);
  const value = h('div', { class: 'value none', 'data-value': key, text: 'no value yet' });
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('viewBox', `0 0 ${SPARK_W} ${SPARK_H}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('data-spark', key);
  const keys = h('div', { class: 'spark-keys' });
  const fill = h('div', { class: 'fill' });
  const occText = h('span', { 'data-metric': 'occupancy', text: '0/' + row.buffer_capacity });
  const m = {
    produced: metric('produced', 'produced', 'values produced into the record'),
    consumed: metric('consumed', 'consumed', 'successful reads, summed over readers (this page is one of them)'),
    dropped: metric('dropped', 'dropped', 'values some reader never received'),
    errors: metric('errors', 'errors', 'exceptions thrown by its readers or by the transform writing it, plus values it refused'),
    lag: metric('lag', 'lag', type === 'spmc_ring' ? 'slowest reader backlog: values produced but not yet read' : 'values waiting (Mailbox: pending, unread)'),
    rate: metric('rate', 'rate/s', 'values per second over the last poll'),
  };
  const card = h('div', { class: 'card buf-' + type, 'data-record': key, 'data-buffer': type, 'data-origin': origin }, [
    h('div', { class: 'card-head' }, [
      h('span', { class: 'key', text: key }),
      h('span', { class: 'badge buf-' + type, text: bufferLabel(type, row.buffer_capacity) }),
      h('span', { class: 'badge', text: origin }),
      h('span', { class: 'badge', title: 'readers', text: row.consumer_count + ' rd' }),
    ]),
    value,
    svg,
    keys,
    h('div', { class: 'occ', title: 'occupancy / capacity' }, [h('span', { text: 'occupancy' }), h('div', { class: 'bar' }, [fill]), occText]),
    h('dl', { class: 'metrics' }, [m.produced.div, m.consumed.div, m.dropped.div, m.errors.div, m.lag.div, m.rate.div]),
  ]);
  return { card, value, svg, keys, fill, occText, m, readers: card.querySelector('.card-head .badge:last-child') };
}

function buildCards(rows) {
  const box = $('records');
  box.textContent = '';
  state.cards.clear();
  for (const row of rows) {
    const c = makeCard(row);
    state.cards.set(row.record_key, c);
    box.appendChild(c.card);
    if (state.values.has(row.record_key)) state.dirty.add(row.record_key);
  }
}

function updateMetrics(rows, now) {
  const dt = state.lastPoll ? (now - state.lastPoll) / 1000 : 0;
  let total = 0;
  for (const row of rows) {
    state.rows.set(row.record_key, row);
    const c = state.cards.get(row.record_key);
    const prev = state.lastProduced.get(row.record_key);
    const rate = dt > 0 && prev !== undefined && row.produced_count >= prev ? (row.produced_count - prev) / dt : 0;
    state.lastProduced.set(row.record_key, row.produced_count);
    total += rate;
    if (!c) continue;
    const occ = row.occupancy || [0, row.buffer_capacity];
    c.m.produced.dd.textContent = fmtInt(row.produced_count);
    c.m.consumed.dd.textContent = fmtInt(row.consumed_count);
    c.m.dropped.dd.textContent = fmtInt(row.dropped_count);
    c.m.dropped.dd.className = row.dropped_count > 0 ? 'warn' : '';
    const errors = (row.error_count || 0) + (row.rejected_count || 0);
    c.m.errors.dd.textContent = fmtInt(errors);
    c.m.errors.dd.className = errors > 0 ? 'warn' : '';
    c.m.lag.dd.textContent = row.buffer_type === 'spmc_ring' || row.buffer_type === 'mailbox' ? fmtInt(occ[0]) : '—';
    c.m.rate.dd.textContent = rate >= 10 ? rate.toFixed(0) : rate.toFixed(1);
    c.occText.textContent = occ[0] + '/' + occ[1];
    c.fill.style.width = (occ[1] > 0 ? Math.min(100, (100 * occ[0]) / occ[1]) : 0) + '%';
    c.readers.textContent = row.consumer_count + ' rd';
  }
  state.lastPoll = now;
  state.rate = total;
  $('stat-records').textContent = String(rows.length);
  $('stat-rate').textContent = total >= 10 ? total.toFixed(0) : total.toFixed(1);
}

function onValue(key, data) {
  state.values.set(key, data);
  let hist = state.hist.get(key);
  if (!hist) {
    hist = new History(state.config.historyLength);
    state.hist.set(key, hist);
  }
  hist.push(data);
  state.dirty.add(key);
  scheduleRender();
}

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  // rAF pauses in hidden tabs; a timer keeps at most 10 renders a second either way.
  setTimeout(() => {
    renderQueued = false;
    render();
  }, 100);
}

function render() {
  for (const key of state.dirty) {
    const v = state.values.get(key);
    const text = formatValue(v);
    const c = state.cards.get(key);
    if (c) {
      c.value.textContent = text;
      c.value.className = 'value';
      c.value.title = text;
      const hist = state.hist.get(key);
      if (hist && hist.names.length > 0) {
        drawSparkline(c.svg, hist, SPARK_W, SPARK_H);
        if (c.keys.childElementCount !== hist.names.length) {
          c.keys.textContent = '';
          hist.names.forEach((n, i) => {
            const sw = h('i');
            sw.style.background = SERIES_COLORS[i % SERIES_COLORS.length];
            c.keys.appendChild(h('span', {}, [sw, document.createTextNode(n)]));
          });
        }
      }
    }
    const g = state.graphNodes.get(key);
    if (g) {
      // About 23 monospace characters fit in a node (210 px box, 12 px font).
      g.value.textContent = text.length > 23 ? text.slice(0, 22) + '…' : text;
      g.group.classList.add('flash');
      setTimeout(() => g.group.classList.remove('flash'), 250);
    }
  }
  state.dirty.clear();
  const s = state.sock;
  if (s) {
    $('stat-events').textContent = fmtInt(s.events);
    $('stat-gaps').textContent = fmtInt(s.gaps);
  }
}

async function pollRecords() {
  const s = state.sock;
  if (!s || !s.ready) return;
  try {
    const rows = await s.request('record.list');
    updateMetrics(rows, performance.now());
    // Mailboxes are not subscribed: peek their pending value (record.get does not take it).
    for (const row of rows) {
      if (row.buffer_type !== 'mailbox') continue;
      s.request('record.get', { name: row.record_key }).then(
        (v) => {
          if (JSON.stringify(v) !== JSON.stringify(state.values.get(row.record_key))) onValue(row.record_key, v);
        },
        () => {},
      );
    }
  } catch (e) {
    // Connection dropped: onReady restarts polling.
  }
}

function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 60 ? s + ' s ago' : s < 3600 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
}

function fillTable(id, rows, cols, emptyText) {
  const body = $(id).tBodies[0];
  body.textContent = '';
  if (rows.length === 0) {
    body.appendChild(h('tr', { class: 'empty' }, [h('td', { colspan: String(cols), text: emptyText })]));
    return;
  }
  for (const r of rows) body.appendChild(r);
}

function num(n, warn) {
  return h('td', { class: 'n' + (warn && n > 0 ? ' warn' : ''), text: fmtInt(n) });
}

async function pollStatus() {
  let st;
  try {
    const res = await fetch('/api/status', { cache: 'no-store', headers: state.token ? { authorization: 'Bearer ' + state.token } : {} });
    st = await res.json();
  } catch (e) {
    return;
  }
  fillTable(
    'links',
    st.links.map((l) =>
      h('tr', { 'data-link': l.record + ' ' + l.direction + ' ' + l.url }, [
        h('td', { class: 'mono', text: l.record }),
        h('td', { text: l.direction === 'out' ? '→ out' : '← in' }),
        h('td', { class: 'mono', text: l.url }),
        num(l.sent),
        num(l.received),
        num(l.decodeErrors, true),
        num(l.encodeErrors, true),
        num(l.dropped, true),
        num(l.queued),
        num(l.gaps, true),
      ]),
    ),
    10,
    'No links',
  );
  fillTable(
    'devices',
    st.devices.map((d) =>
      h('tr', { 'data-device': d.id, 'data-online': String(!!d.online) }, [
        h('td', {}, [h('span', { class: 'dot' + (d.online ? ' up' : ''), title: d.online ? 'online' : 'offline' })]),
        h('td', { class: 'mono', text: d.name || d.id }),
        h('td', { text: d.transport || '' }),
        h('td', { text: typeof d.lastSeen === 'number' ? ago(d.lastSeen) : '—' }),
        h('td', { class: 'n', text: d.records === undefined ? '—' : String(d.records) }),
        h('td', { text: d.detail || '' }),
      ]),
    ),
    6,
    'No devices reported',
  );
}

/**
 * Fills the sparklines from the gateway's history store (`record.query`), so a page opened on a
 * running gateway shows each record's recent past at once. Without a store the server answers an
 * error and the sparklines fill as values arrive.
 */
async function seedHistory(s) {
  let reply;
  try {
    reply = await s.request('record.query', { name: '#', limit: state.config.historyLength });
  } catch (e) {
    return;
  }
  if (!reply || !Array.isArray(reply.records)) return;
  for (const r of reply.records) if (state.cards.has(r.topic)) onValue(r.topic, r.payload);
  // The subscription's snapshot repeats each record's current value, which the history already ends with.
  for (const r of reply.records) seeded.set(r.topic, JSON.stringify(r.payload));
}

const seeded = new Map(); // key -> JSON of the last stored value drawn

function onLiveValue(key, data) {
  const last = seeded.get(key);
  if (last !== undefined) {
    seeded.delete(key);
    if (JSON.stringify(data) === last) return;
  }
  onValue(key, data);
}

async function onReady(hello) {
  const s = state.sock;
  $('node').textContent = hello.node_id || '—';
  $('runtime').textContent = hello.runtime || '—';
  $('server').textContent = hello.server + ' · AimX ' + hello.version + ' · ' + (hello.permissions || []).join('/');
  try {
    const [rows, nodes, edges, topo] = await Promise.all([s.request('record.list'), s.request('graph.nodes'), s.request('graph.edges'), s.request('graph.topo_order')]);
    state.graphNodes = drawGraph($('graph'), nodes, edges, topo);
    buildCards(rows);
    state.lastPoll = 0;
    updateMetrics(rows, performance.now());
    await seedHistory(s);
    s.subscribe('#', (topic, data) => onLiveValue(topic, data));
    for (const k of state.values.keys()) state.dirty.add(k);
    scheduleRender();
  } catch (e) {
    setConn('closed', 'initial requests failed: ' + e.message);
  }
}

async function main() {
  const cfg = await (await fetch('/config.json', { cache: 'no-store' })).json();
  state.config = cfg;
  document.title = cfg.title;
  $('title').textContent = cfg.title;
  const url = cfg.wsUrl || (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + cfg.wsPath;
  $('foot-text').textContent = 'AimX v3 over WebSocket: ' + url;
  // A token, when the gateway requires one, comes in the URL fragment (#token=…): never sent to
  // the HTTP server, never stored in config.json.
  const token = new URLSearchParams(location.hash.slice(1)).get('token') || undefined;
  state.token = token;
  state.sock = new AimxSocket(url, { client: 'dashboard', token, onReady, onState: setConn });
  state.sock.start();
  state.pollTimer = setInterval(pollRecords, cfg.pollMs);
  state.statusTimer = setInterval(pollStatus, cfg.pollMs);
  pollStatus();
}

main().catch((e) => setConn('closed', String(e)));
