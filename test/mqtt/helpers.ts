/**
 * Test support for the MQTT suites: real brokers on 127.0.0.1 (aedes in-process, mosquitto as a
 * child process), a real-time runtime context, route builders matching core/api.ts, and waits.
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, ChildProcess } from 'node:child_process';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import type { RuntimeAdapter, LogLevel } from '../../core/runtime/adapter.js';
import { makeContext, TimerSet, RuntimeContext } from '../../core/runtime/context.js';
import type { BufferKind, ConnectorContext, InboundRoute, LinkMetrics, LinkOptions, LinkUrl, OutboundRoute, Payload } from '../../core/api.js';
import { utf8Decode } from '../../core/bytes.js';

/** A running broker on 127.0.0.1. */
export interface TestBroker {
  port: number;
  url: string;
  /** Stops the broker (connections dropped). */
  stop(): Promise<void>;
  /** Starts it again on the same port (a fresh broker: no sessions, no retained messages). */
  restart(): Promise<void>;
}

/** Starts aedes on `port` (0: the OS chooses). */
export async function startAedes(port = 0): Promise<TestBroker & { aedes: Aedes }> {
  let aedes = await Aedes.createBroker();
  if (process.env.DBG) {
    aedes.on('publish', (p: any, c: any) => console.log('PUB', c && c.id, p.topic, String(p.payload)));
    aedes.on('subscribe', (s: any, c: any) => console.log('SUB', c && c.id, JSON.stringify(s)));
    aedes.on('clientError', (c: any, e: any) => console.log('CERR', c && c.id, e.message));
  }
  let server = net.createServer(aedes.handle);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((res) => server.listen(port, '127.0.0.1', () => res()));
  const actual = (server.address() as net.AddressInfo).port;
  let running = true;
  const b = {
    port: actual,
    url: 'mqtt://127.0.0.1:' + actual,
    aedes,
    async stop() {
      if (!running) return;
      running = false;
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
      await new Promise<void>((res) => aedes.close(() => res()));
    },
    async restart() {
      await b.stop();
      aedes = await Aedes.createBroker();
      b.aedes = aedes;
      server = net.createServer(aedes.handle);
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      await new Promise<void>((res) => server.listen(actual, '127.0.0.1', () => res()));
      running = true;
    },
  };
  return b;
}

/** A free TCP port on 127.0.0.1 (listen on 0, close). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', () => res()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

async function waitPort(port: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = net.createConnection({ host: '127.0.0.1', port });
      s.on('connect', () => {
        s.destroy();
        res(true);
      });
      s.on('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error('port ' + port + ' did not open');
    await sleep(50);
  }
}

/**
 * Starts /usr/sbin/mosquitto on a free loopback port with anonymous access. `files` are written
 * beside the configuration (`{dir}` in `extraConf` is their folder), e.g. an ACL file.
 */
export async function startMosquitto(extraConf = '', files: { [name: string]: string } = {}): Promise<TestBroker> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-mosq-'));
  const conf = path.join(dir, 'mosquitto.conf');
  let proc: ChildProcess | null = null;
  async function up() {
    // Written on every start: stop() removes the directory, and the suites restart a stopped broker.
    fs.mkdirSync(dir, { recursive: true });
    // mosquitto started as root drops to its own user: the files must be readable (and writable: the
    // dynamic-security plugin saves its configuration) by it.
    fs.chmodSync(dir, 0o777);
    for (const name of Object.keys(files)) {
      fs.writeFileSync(path.join(dir, name), files[name]);
      fs.chmodSync(path.join(dir, name), 0o666);
    }
    fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n` + extraConf.split('{dir}').join(dir));
    proc = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: process.env.DBG ? 'inherit' : 'ignore' });
    try {
      await waitPort(port, 5000);
    } catch (e) {
      await down(); // never leave a broker behind
      throw e;
    }
  }
  async function down() {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((res) => {
      p.on('exit', () => res());
      p.kill('SIGTERM');
    });
  }
  await up();
  return {
    port,
    url: 'mqtt://127.0.0.1:' + port,
    async stop() {
      await down();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await down();
      await up();
    },
  };
}

import { sleep, waitFor } from '../support/wait.js';
export { sleep, waitFor };

/** A real-time adapter over Node timers, with every log line kept. */
export function nodeTestAdapter(lines: string[] = []): RuntimeAdapter {
  const t0 = performance.now();
  return {
    name: 'node-test',
    joinQueueCapacity: 64,
    now: () => performance.now() - t0,
    wallClock: () => Date.now(),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (id) => clearTimeout(id as NodeJS.Timeout),
    defer: (fn) => setImmediate(fn),
    log: (level: LogLevel, source: string, msg: string) => {
      lines.push(level + ' ' + source + ' ' + msg);
    },
  };
}

/** A RuntimeContext on `adapter`; `timers.cancelAll()` stops everything it armed. */
export function testContext(adapter: RuntimeAdapter, key = 'mqtt'): { ctx: RuntimeContext; timers: TimerSet } {
  const timers = new TimerSet(adapter);
  return { ctx: makeContext({ adapter, minRank: 0 }, timers, key), timers };
}

export function newMetrics(): LinkMetrics {
  return { sent: 0, received: 0, decodeErrors: 0, encodeErrors: 0, dropped: 0, queued: 0, gaps: 0 };
}

/** Parses `scheme://address?a=b` the way core/api.ts describes `LinkUrl`. */
export function linkUrl(url: string): LinkUrl {
  const i = url.indexOf('://');
  const rest = url.slice(i + 3);
  const q = rest.indexOf('?');
  const query: { [k: string]: string } = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(rest.slice(q + 1))) query[k] = v;
  return { url, scheme: url.slice(0, i), address: q >= 0 ? rest.slice(0, q) : rest, query };
}

export function outRoute(key: string, url: string, bufferKind: BufferKind, options: LinkOptions = {}): OutboundRoute {
  return { key, link: linkUrl(url), bufferKind, options, metrics: newMetrics(), send: null };
}

/** An inbound route that decodes UTF-8 and keeps what it got; a payload `bad` fails to decode. */
export interface TestInbound extends InboundRoute {
  got: Array<{ topic: string | undefined; text: string }>;
}

export function inRoute(key: string, url: string, bufferKind: BufferKind, options: LinkOptions = {}): TestInbound {
  const r: TestInbound = {
    key, link: linkUrl(url), bufferKind, options, metrics: newMetrics(), got: [],
    deliver(payload: Payload, topic?: string): boolean {
      r.metrics.received++; // as core/links.ts makeInboundRoute does
      const text = typeof payload === 'string' ? payload : utf8Decode(payload);
      if (text === 'bad') {
        r.metrics.decodeErrors++;
        return false;
      }
      r.got.push({ topic, text });
      return true;
    },
  };
  return r;
}

/** A ConnectorContext over `adapter`. */
export function connectorContext(adapter: RuntimeAdapter, nodeId: string, outbound: OutboundRoute[], inbound: InboundRoute[]): { ctx: ConnectorContext; timers: TimerSet } {
  const { ctx, timers } = testContext(adapter, 'connector');
  // The context keeps its methods on a prototype: extend it, do not copy its own fields.
  const c: ConnectorContext = Object.assign(Object.create(ctx), { outbound, inbound, nodeId });
  return { ctx: c, timers };
}

/** An MQTT.js observer client; records every message as text. */
export async function observer(url: string, filters: string[], qos: 0 | 1 | 2 = 1): Promise<{ client: mqtt.MqttClient; msgs: Array<{ topic: string; text: string; retain: boolean; raw: Buffer }>; end(): Promise<void> }> {
  const client = mqtt.connect(url, { reconnectPeriod: 100, connectTimeout: 3000 });
  const msgs: Array<{ topic: string; text: string; retain: boolean; raw: Buffer }> = [];
  client.on('message', (topic, payload, packet) => msgs.push({ topic, text: payload.toString('utf8'), retain: !!packet.retain, raw: payload }));
  client.on('error', () => {});
  await new Promise<void>((res, rej) => {
    client.once('connect', () => res());
    setTimeout(() => rej(new Error('observer did not connect')), 3000);
  });
  if (filters.length) await client.subscribeAsync(filters, { qos });
  return { client, msgs, end: () => client.endAsync(true) };
}

/** A TCP proxy to 127.0.0.1:`targetPort`; `killAll()` drops every proxied connection abruptly, `block()` partitions. */
export async function startProxy(targetPort: number): Promise<{ port: number; url: string; killAll(): void; block(on: boolean): void; close(): Promise<void> }> {
  const pairs = new Set<net.Socket>();
  let blocked = false;
  const server = net.createServer((inbound) => {
    if (blocked) {
      inbound.destroy();
      return;
    }
    const outbound = net.createConnection({ host: '127.0.0.1', port: targetPort });
    pairs.add(inbound);
    pairs.add(outbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
      pairs.delete(inbound);
      pairs.delete(outbound);
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: 'mqtt://127.0.0.1:' + port,
    killAll() {
      for (const s of pairs) s.destroy();
      pairs.clear();
    },
    /** While on, new connections are dropped at once (a network partition). */
    block(on: boolean) {
      blocked = on;
    },
    async close() {
      for (const s of pairs) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}
