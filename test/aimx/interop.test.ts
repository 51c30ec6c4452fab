/**
 * Interoperability with AimDB's own clients, byte for byte. The client below is written from AimDB's
 * source (aimdb-dev/aimdb: aimdb-client/src/engine.rs, aimdb-core/src/session/client.rs and
 * aimx/codec.rs, the uds / websocket connectors), not from ours:
 * - request ids count from 1 on each connection, shared by calls and subscriptions;
 * - `hello` is an ordinary call, `{"client":"aimdb-client","version":"3.0"}`, with no token;
 * - params are serde_json objects (keys sorted), `null` for methods without params;
 * - writes wrap the value as `{"value": v}`;
 * - over a Unix socket one frame per line; over WebSocket one text message per frame, the version in
 *   the URL (`?v=3.0`), no `hello` at all; over a serial line COBS frames ended by 0x00.
 * Every frame it receives must decode as AimDB's codec decodes it and be exactly the bytes AimDB's
 * codec would write for the same content (fields in the order t,id,seq,last,method,topic,sub,
 * params,payload,data,ok,err; nothing else).
 *
 * It drives `make demo` (the gateway with a token configured, mirroring the Pico bundle over its
 * UART and the ESP32 bundle over MQTT) over the Unix socket and the WebSocket, and the Pico's real
 * firmware bundle directly over its UART.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { CobsFrameReader, cobsEncodeText } from '../../core/codec/cobs.js';
import { utf8Decode } from '../../core/index.js';
import { startDemo, type Demo } from '../../bridge/demo/demo.js';
import { bootBundle, type EspruinoSim } from '../../bridge/sim/espruino-sim.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIELD_ORDER = ['t', 'id', 'seq', 'last', 'method', 'topic', 'sub', 'params', 'payload', 'data', 'ok', 'err'];

/** serde_json's compact form of a `json!` value: object keys sorted (its map is a BTreeMap). */
function serde(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(serde).join(',') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).sort().map((k) => JSON.stringify(k) + ':' + serde(o[k])).join(',') + '}';
}

/** The bytes AimDB's codec writes for a frame: its fields in declaration order, absent ones skipped. */
function aimdbBytes(f: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const k of FIELD_ORDER) if (f[k] !== undefined) parts.push(JSON.stringify(k) + ':' + JSON.stringify(f[k]));
  return '{' + parts.join(',') + '}';
}

/** AimDB's `decode_outbound`: the frame a client accepts, or an error. */
function decodeOutbound(text: string): Record<string, any> {
  const f = JSON.parse(text);
  const u64 = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  switch (f.t) {
    case 'reply':
      if (!u64(f.id) || (f.ok === undefined && typeof f.err !== 'string')) throw new Error('malformed reply ' + text);
      return f;
    case 'event':
      if (typeof f.sub !== 'string' || !u64(f.seq)) throw new Error('malformed event ' + text);
      return f;
    case 'snap':
      if (typeof f.sub !== 'string' || typeof f.topic !== 'string') throw new Error('malformed snap ' + text);
      return f;
    case 'subscribed':
      if (typeof f.sub !== 'string') throw new Error('malformed subscribed ' + text);
      return f;
    case 'pong':
      return f;
  }
  throw new Error('a frame AimDB cannot decode: ' + text);
}

/** AimDB's client engine over one framed connection. */
class AimdbStyleClient {
  nextId = 1;
  frames: Array<Record<string, any>> = [];
  texts: string[] = [];
  waiters: Array<() => void> = [];
  constructor(private sendText: (t: string) => void) {}

  /** A frame from the server: decoded as AimDB decodes it, and its bytes checked against AimDB's. */
  receive(text: string): void {
    const f = decodeOutbound(text);
    expect(text, 'AimDB field order, no extra fields').to.equal(aimdbBytes(f));
    this.frames.push(f);
    this.texts.push(text);
    for (const w of this.waiters.splice(0)) w();
  }

  /** `call(method, params)`: `{"t":"req","id":n,"method":m,"params":p}`. Returns the id. */
  call(method: string, params: unknown = null): number {
    const id = this.nextId++;
    this.sendText('{"t":"req","id":' + id + ',"method":' + JSON.stringify(method) + ',"params":' + serde(params) + '}');
    return id;
  }

  subscribe(topic: string): number {
    const id = this.nextId++;
    this.sendText('{"t":"sub","id":' + id + ',"topic":' + JSON.stringify(topic) + '}');
    return id;
  }

  write(topic: string, value: unknown): void {
    this.sendText('{"t":"write","topic":' + JSON.stringify(topic) + ',"payload":' + serde({ value }) + '}');
  }

  /** Waits (bounded) until a received frame matches. */
  async until(match: (f: Record<string, any>) => boolean, what: string, ms = 8000, pump?: () => void): Promise<Record<string, any>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.frames.find(match);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}; got ${JSON.stringify(this.texts.slice(-5))}`);
      if (pump) {
        pump();
        await new Promise((r) => setImmediate(r));
      } else {
        await new Promise<void>((r) => {
          const t = setTimeout(r, 100);
          this.waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    }
  }

  reply(id: number, ms?: number, pump?: () => void) {
    return this.until((f) => f.t === 'reply' && f.id === id, 'reply ' + id, ms, pump);
  }
}

/** A Unix-socket client (NDJSON, as AimDB's uds connector). */
async function unixClient(path: string): Promise<{ c: AimdbStyleClient; close(): void }> {
  const sock = net.connect({ path });
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  const c = new AimdbStyleClient((t) => sock.write(t + '\n'));
  let buf = '';
  sock.on('data', (b) => {
    buf += b.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      c.receive(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  return { c, close: () => sock.destroy() };
}

/** A WebSocket client as AimDB's: version in the URL, token (if any) at the upgrade, no hello. */
async function wsClient(url: string, headers: Record<string, string> = {}): Promise<{ c: AimdbStyleClient; close(): void }> {
  const ws = new WebSocket(url, { headers });
  await new Promise<void>((r, j) => ws.once('open', () => r()).once('error', j));
  const c = new AimdbStyleClient((t) => ws.send(t));
  ws.on('message', (d) => c.receive(d.toString()));
  return { c, close: () => ws.terminate() };
}

/** Status and body of a plain HTTP request, or of a refused upgrade. */
function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = http.get(url, { headers }, (r) => {
      let body = '';
      r.on('data', (b) => (body += b));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on('error', rej);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, r) => {
      res(r.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      res(101);
      ws.terminate();
    });
    ws.once('error', (e) => rej(e));
  });
}

const DIST = join(ROOT, 'dist');
const haveBundles = existsSync(join(DIST, 'pico-actuator.pico.js')) && existsSync(join(DIST, 'climate-sensor.esp32.js'));

describe('AimDB client interop: the gateway of `make demo` (token on network transports)', function () {
  this.timeout(60000);
  let demo: Demo;
  const TOKEN = 'interop-Token_1';
  before(async function () {
    if (!haveBundles) throw new Error('dist bundles missing: run make build');
    demo = await startDemo({ print: () => {}, mqttPort: 0, aimxPort: 0, wsPort: 0, dashboardPort: 0, mqttWsPort: 0, twinPort: 0, reportMs: 600000, commandMs: 600000, token: TOKEN });
  });
  after(async () => {
    await demo?.stop();
  });

  it('the Unix socket is owner-only (its mode is the credential)', () => {
    expect(statSync(demo.unixSocket).mode & 0o777).to.equal(0o600);
  });

  it('Unix socket: hello without a token, list, get, set, write, subscribe with snapshots, drain, graph', async () => {
    const { c, close } = await unixClient(demo.unixSocket);
    try {
      const hello = await c.reply(c.call('hello', { client: 'aimdb-client', version: '3.0' }));
      expect(hello.ok).to.include({ version: '3.0' });
      expect(hello.ok.permissions).to.include('read');
      expect(hello.ok.writable_records).to.be.an('array');

      // Wait until the gateway mirrors the Pico's records and an ESP32 reading arrived.
      let keys: string[] = [];
      for (let i = 0; i < 80; i++) {
        keys = ((await c.reply(c.call('record.list'))).ok as Array<{ record_key: string }>).map((r) => r.record_key);
        const temp = await c.reply(c.call('record.get', { name: 'esp32.climate.temp' }));
        if (keys.includes('pico.actuator.valve.state') && temp.ok !== undefined) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(keys).to.include.members(['pico.actuator.valve.cmd.set', 'pico.actuator.valve.state', 'esp32.climate.temp']);

      // record.set, then read back once the Pico applied it (the gateway mirrors its state).
      const set = c.call('record.set', { name: 'pico.actuator.valve.cmd.set', value: { id: 41, open: true } });
      expect((await c.reply(set)).ok).to.deep.include({ status: 'success' });
      let state: Record<string, any> = {};
      for (let i = 0; i < 80 && state.ok?.cmd !== 41; i++) {
        state = await c.reply(c.call('record.get', { name: 'pico.actuator.valve.state' }));
        if (state.ok?.cmd !== 41) await new Promise((r) => setTimeout(r, 100));
      }
      expect(state.ok).to.deep.include({ cmd: 41, open: true });

      // A pattern subscription: AimDB sends no `subscribed` on a socket, snapshots first (seq 1..N,
      // `last` on the final one: here at least the valve state), then events tagged with their record.
      const sub = c.subscribe('pico.actuator.#');
      const lastSnap = await c.until((f) => f.t === 'snap' && f.sub === String(sub) && f.last === true, 'the last snapshot');
      const snaps = c.frames.filter((f) => f.sub === String(sub) && f.t === 'snap');
      expect(snaps.map((f) => f.topic)).to.include('pico.actuator.valve.state');
      snaps.forEach((f, i) => {
        expect(f.seq).to.equal(i + 1);
        expect(f.last === true).to.equal(f === lastSnap);
      });
      expect(c.frames.some((f) => f.t === 'subscribed')).to.equal(false);

      // A fire-and-forget write, as AimDB's write_record: {"value": v}.
      c.write('pico.actuator.valve.cmd.set', { id: 42, open: false });
      const ev = await c.until((f) => f.t === 'event' && f.sub === String(sub) && f.topic === 'pico.actuator.valve.state' && f.data?.cmd === 42, 'valve state event after write');
      expect(ev.seq).to.be.greaterThan(snaps.length);
      expect((await c.reply(c.call('record.get', { name: 'pico.actuator.valve.state' }))).ok).to.deep.include({ cmd: 42, open: false });

      // Drain: the per-connection cursor, values since the previous drain.
      const first = await c.reply(c.call('record.drain', { name: 'esp32.climate.temp' }));
      expect(first.ok).to.include({ record_name: 'esp32.climate.temp' });
      await new Promise((r) => setTimeout(r, 1500));
      const second = await c.reply(c.call('record.drain', { limit: 100, name: 'esp32.climate.temp' }));
      expect(second.ok.count).to.equal(second.ok.values.length);
      expect(second.ok.count).to.be.greaterThan(0);

      // Graph methods.
      const nodes = (await c.reply(c.call('graph.nodes'))).ok as unknown[];
      const edges = (await c.reply(c.call('graph.edges'))).ok as unknown[];
      const topo = (await c.reply(c.call('graph.topo_order'))).ok as string[];
      expect(nodes.length).to.equal(keys.length);
      expect(edges).to.be.an('array');
      expect(topo).to.have.members(keys);

      // The demo keeps the readings' history: record.query answers from the store in AimDB's shape
      // (`{records: [{topic, payload, ts}], total}`); then an unknown method; a malformed frame (silence).
      const history = (await c.reply(c.call('record.query', { name: 'esp32.#' }))).ok as { records: Array<{ topic: string; ts: number }>; total: number };
      expect(history).to.have.keys(['records', 'total']);
      expect(history.records.length).to.be.above(0);
      expect(history.records.every((r) => r.topic.startsWith('esp32.') && typeof r.ts === 'number')).to.equal(true);
      expect((await c.reply(c.call('no.such.method'))).err).to.equal('not_found');
      expect((await c.reply(c.call('record.set', { name: 'no.such.record', value: 1 }))).err).to.equal('denied');
      const before = c.frames.length;
      (c as any).sendText('{"t":"req",');
      const after = c.call('graph.topo_order');
      await c.reply(after);
      expect(c.frames.length, 'nothing answers the malformed frame').to.equal(before + 1);
    } finally {
      close();
    }
  });

  it('WebSocket: AimDB’s upgrade contract, token at the upgrade, no hello', async () => {
    const wsUrl = demo.endpoints.aimx.find((u) => u.startsWith('ws://'))!;
    const base = wsUrl.replace(/^ws:/, 'http:').replace(/\/ws$/, '');
    expect(new URL(wsUrl).pathname).to.equal('/ws');
    expect(JSON.parse((await httpGet(base + '/version')).body)).to.deep.equal({ aimx: '3.0' });
    const health = JSON.parse((await httpGet(base + '/health')).body);
    expect(health).to.have.keys(['status', 'clients', 'uptime_secs']);
    expect(health.status).to.equal('ok');
    expect(await upgradeStatus(wsUrl)).to.equal(426);
    expect(await upgradeStatus(wsUrl + '?v=2.0')).to.equal(426);
    expect(await upgradeStatus(wsUrl + '?v=3.0', { authorization: 'Bearer wrong' })).to.equal(401);
    expect(await upgradeStatus(wsUrl + '?v=3.0&token=wrong')).to.equal(401);

    // Token in the query string (AimDB's WebSocket client can put it in its URL): no hello at all.
    const q = await wsClient(`${wsUrl}?v=3.0&token=${TOKEN}`);
    try {
      const list = await q.c.reply(q.c.call('record.list'));
      expect((list.ok as Array<{ record_key: string }>).map((r) => r.record_key)).to.include('pico.actuator.valve.state');
      // WebSocket sessions ack (AimDB's WebSocket connector runs acks_subscribe).
      const sub = q.c.subscribe('pico.actuator.valve.state');
      await q.c.until((f) => f.t === 'subscribed' && f.sub === String(sub), 'subscribed ack');
      // set, watch, get, drain over the same socket.
      expect((await q.c.reply(q.c.call('record.set', { name: 'pico.actuator.valve.cmd.set', value: { id: 51, open: true } }))).ok).to.deep.include({ status: 'success' });
      const ev = await q.c.until((f) => f.t === 'event' && f.sub === String(sub) && f.data?.cmd === 51, 'valve state event over WebSocket');
      expect(ev.topic).to.equal(undefined);
      expect((await q.c.reply(q.c.call('record.get', { name: 'pico.actuator.valve.state' }))).ok).to.deep.include({ cmd: 51, open: true });
      q.c.write('pico.actuator.valve.cmd.set', { id: 52, open: false });
      await q.c.until((f) => f.t === 'event' && f.sub === String(sub) && f.data?.cmd === 52, 'valve state event after a WebSocket write');
      const d0 = await q.c.reply(q.c.call('record.drain', { name: 'esp32.climate.temp' }));
      expect(d0.ok.record_name).to.equal('esp32.climate.temp');
      await new Promise((r) => setTimeout(r, 1500));
      expect((await q.c.reply(q.c.call('record.drain', { name: 'esp32.climate.temp' }))).ok.count).to.be.greaterThan(0);
    } finally {
      q.close();
    }

    // Token as a Bearer header.
    const h = await wsClient(`${wsUrl}?v=3.0`, { authorization: 'Bearer ' + TOKEN });
    try {
      expect((await h.c.reply(h.c.call('graph.topo_order'))).ok).to.include('esp32.climate.temp');
    } finally {
      h.close();
    }

    // No token at the upgrade: the session asks for it in hello, as before.
    const n = await wsClient(`${wsUrl}?v=3.0`);
    try {
      expect((await n.c.reply(n.c.call('record.list'))).err).to.equal('denied');
      expect((await n.c.reply(n.c.call('hello', { client: 'aimdb-client', token: TOKEN, version: '3.0' }))).ok.authenticated).to.equal(true);
      expect((await n.c.reply(n.c.call('graph.topo_order'))).ok).to.be.an('array');
    } finally {
      n.close();
    }
  });

  it('TCP: AimDB’s stock hello (no token) is denied — use the Unix socket or WebSocket', async () => {
    const tcp = new URL(demo.endpoints.aimx[0].replace('tcp://', 'http://'));
    const sock = net.connect({ host: tcp.hostname, port: Number(tcp.port) });
    await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
    try {
      let buf = Buffer.alloc(0);
      const c = new AimdbStyleClient((t) => {
        const body = Buffer.from(t, 'utf8');
        const head = Buffer.alloc(4);
        head.writeUInt32BE(body.length);
        sock.write(Buffer.concat([head, body]));
      });
      sock.on('data', (b) => {
        buf = Buffer.concat([buf, b]);
        while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
          const n = buf.readUInt32BE(0);
          c.receive(buf.subarray(4, 4 + n).toString('utf8'));
          buf = buf.subarray(4 + n);
        }
      });
      expect(await c.reply(c.call('hello', { client: 'aimdb-client', version: '3.0' }))).to.deep.equal({ t: 'reply', id: 1, err: 'denied' });
    } finally {
      sock.destroy();
    }
  });
});

describe('AimDB client interop: the Pico firmware bundle over its UART (COBS)', function () {
  this.timeout(30000);
  let sim: EspruinoSim;
  let c: AimdbStyleClient;
  const pump = () => sim.advance(5);
  before(function () {
    if (!haveBundles) throw new Error('dist bundles missing: run make build');
    sim = bootBundle(readFileSync(join(DIST, 'pico-actuator.pico.js'), 'utf8'), { board: 'PICO', jsVars: 5100, print: () => {} });
    sim.advance(50);
    const uart = sim.uart('Serial1');
    const reader = new CobsFrameReader({ onFrame: (b, n) => c.receive(utf8Decode(b, 0, n)) });
    uart.onData((b) => reader.push(b));
    c = new AimdbStyleClient((t) => uart.write(Buffer.from(cobsEncodeText(t), 'latin1')));
  });
  after(() => {
    sim?.kill();
    sim?.dispose();
  });

  it('hello, list, subscribe, write, set, get, drain and graph methods, every frame AimDB’s bytes', async () => {
    const hello = await c.reply(c.call('hello', { client: 'aimdb-client', version: '3.0' }), 5000, pump);
    expect(hello.ok).to.include({ version: '3.0', server: 'aimdb-js-pico' });
    const rows = (await c.reply(c.call('record.list'), 5000, pump)).ok as Array<{ record_key: string; buffer_type: string }>;
    const keys = rows.map((r) => r.record_key);
    const cmd = keys.find((k) => k.endsWith('valve.cmd'))!;
    const state = keys.find((k) => k.endsWith('valve.state'))!;
    const uptime = keys.find((k) => k.endsWith('uptime'))!;
    expect([cmd, state, uptime].every((k) => typeof k === 'string'), keys.join(' ')).to.equal(true);

    const sub = c.subscribe(state);
    c.write(cmd, { id: 7, open: true });
    const ev = await c.until((f) => f.t === 'event' && f.sub === String(sub), 'state event', 5000, pump);
    expect(ev).to.deep.include({ seq: 1 });
    expect(ev.topic).to.equal(undefined); // exact-key events are untagged
    expect(ev.data).to.deep.include({ cmd: 7, open: true });

    expect((await c.reply(c.call('record.set', { name: cmd, value: { id: 8, open: false } }), 5000, pump)).ok).to.deep.include({ status: 'success' });
    await c.until((f) => f.t === 'event' && f.sub === String(sub) && f.seq === 2, 'second state event', 5000, pump);
    expect((await c.reply(c.call('record.get', { name: state }), 5000, pump)).ok).to.deep.include({ cmd: 8, open: false });

    const drain0 = await c.reply(c.call('record.drain', { name: uptime }), 5000, pump);
    expect(drain0.ok).to.deep.include({ record_name: uptime });
    sim.advance(10000);
    const drain1 = await c.reply(c.call('record.drain', { name: uptime }), 5000, pump);
    expect(drain1.ok.count).to.be.greaterThan(0);

    expect((await c.reply(c.call('graph.nodes'), 5000, pump)).ok).to.have.length(keys.length);
    expect((await c.reply(c.call('graph.edges'), 5000, pump)).ok).to.be.an('array');
    expect((await c.reply(c.call('graph.topo_order'), 5000, pump)).ok).to.have.members(keys);
    expect((await c.reply(c.call('record.query', {}), 5000, pump)).err).to.equal('internal');
  });
});
