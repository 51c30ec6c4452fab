/**
 * The fault suite's rig: broker (aedes or mosquitto) ← fault proxy ← gateway ← simulated AimX device
 * on an in-memory serial line (with optional line noise), plus an independent receiver node and an
 * operator on the broker directly. Everything on 127.0.0.1; `stop()` ends every part it started.
 *
 * Records on the device (test/gateway/support.ts): `actuator.position` ring(128), `actuator.state`
 * SingleLatest, `actuator.cmd` Mailbox (writable; its tap executes the command and sets the state).
 */
import mqtt from 'mqtt';
import { builder, key, mailbox, ring, singleLatest, utf8Decode, type ByteChunk, type ByteStream, type Database, type LinkMetrics } from '../../core/index.js';
import { aimxServer, serveAimxOnStream, type AimxSession } from '../../core/aimx/index.js';
import { nodeRuntime } from '../../targets/node/index.js';
import { dialStream, memoryStreamPair } from '../../bridge/aimx/index.js';
import { nodeMqttConnector } from '../../bridge/mqtt/index.js';
import { checkConfig } from '../../bridge/gateway/config.js';
import { Gateway } from '../../bridge/gateway/gateway.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, startAedes } from '../mqtt/helpers.js';
import { Command, Pos, St, type Cmd, type Position, type State } from '../gateway/support.js';
import { startFaultProxy, type FaultProxy } from './proxy.js';

export { Pos, St, Command };
export type { Cmd, Position, State };

/** A deterministic PRNG (mulberry32), so a noisy run can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

import { sleep, waitFor } from '../support/wait.js';
export { sleep, waitFor };

/** Line noise applied to what the device writes (each write is one COBS frame). */
export interface LineNoise {
  /** Probability a frame gets one random bit flipped. */
  bitFlip: number;
  /** Probability a frame is cut short at a random point (its delimiter lost too). */
  truncate: number;
  /** Probability a burst of 1–64 random bytes (with zeros) goes down the line before a frame. */
  garbage: number;
}

export interface NoiseStats {
  frames: number;
  flipped: number;
  truncated: number;
  bursts: number;
}

/** The device's program: ring + state + command mailbox; commands executed are kept in order (the
 * state is set by the scenario, independently of the commands). */
export function deviceDb(): { db: Database; executed: Cmd[] } {
  const executed: Cmd[] = [];
  const db = builder(nodeRuntime({ sink: () => {} }))
    .nodeId('pico-sim')
    .configure(Pos, (r) => r.buffer(ring(128)))
    .configure(St, (r) => r.buffer(singleLatest()))
    .configure(Command, (r) =>
      r
        .buffer(mailbox())
        .remote({ writable: true })
        .tap((_ctx, c) => void c.each((cmd) => executed.push(cmd))),
    )
    .build();
  db.start();
  return { db, executed };
}

/** The serial line between device and gateway, with optional noise on the device → gateway path. */
export function noisyLine(db: Database, noise: LineNoise | null, seed = 1) {
  const { a, b } = memoryStreamPair();
  const rnd = prng(seed);
  const stats: NoiseStats = { frames: 0, flipped: 0, truncated: 0, bursts: 0 };
  const state = { noise };
  const link = serveAimxOnStream(aimxServer(db), { transport: 'serial', peer: 'pico', trusted: true });
  const raw = a.open(link);
  const stream: ByteStream = {
    write(chunk: ByteChunk) {
      const n = state.noise;
      if (!n) return raw.write(chunk);
      stats.frames++;
      const bytes = typeof chunk === 'string' ? Uint8Array.from(Buffer.from(chunk, 'latin1')) : Uint8Array.from(chunk as ArrayLike<number>);
      if (rnd() < n.garbage) {
        stats.bursts++;
        const g = new Uint8Array(1 + Math.floor(rnd() * 64));
        for (let i = 0; i < g.length; i++) g[i] = rnd() < 0.1 ? 0 : Math.floor(rnd() * 256);
        raw.write(g);
      }
      let out = bytes;
      if (rnd() < n.truncate) {
        stats.truncated++;
        out = bytes.subarray(0, Math.floor(rnd() * (bytes.length - 1)));
      } else if (rnd() < n.bitFlip) {
        stats.flipped++;
        out = Uint8Array.from(bytes);
        const i = Math.floor(rnd() * out.length);
        out[i] ^= 1 << Math.floor(rnd() * 8);
      }
      raw.write(out);
    },
    close: () => raw.close(),
  };
  link.attach(stream);
  return {
    open: () => dialStream((h) => b.open(h), 'pico'),
    gatewayEnd: b,
    deviceLink: link,
    stats,
    setNoise(n: LineNoise | null) {
      state.noise = n;
    },
    session: (): AimxSession | null => link.session,
  };
}

const RxPos = key<Position>('rx.position', 'Position');
const RxState = key<State>('rx.state', 'State');

function json<T>(p: string | ArrayLike<number>): T {
  return JSON.parse(typeof p === 'string' ? p : utf8Decode(p)) as T;
}

/** An independent AimDB node mirroring the gateway's topics; counts ring values and gaps. */
export function receiver(url: string) {
  const got: number[] = [];
  let lastStateAt = 0;
  const db = builder(nodeRuntime({ sink: () => {} }))
    .nodeId('receiver')
    .withConnector(nodeMqttConnector({ url, reconnectMinMs: 100, reconnectMaxMs: 300, status: false }))
    .configure(RxPos, (r) =>
      r
        .buffer(ring(4096))
        .linkFrom('mqtt://aimdb/pico/actuator/position')
        .withDeserializer((_c, p) => json<Position>(p))
        .finish()
        .tap((_c, c) => void c.each((v) => got.push(v.mm))),
    )
    .configure(RxState, (r) =>
      r
        .buffer(singleLatest())
        .linkFrom('mqtt://aimdb/pico/actuator/state')
        .withDeserializer((_c, p) => json<State>(p))
        .finish()
        .tap((_c, c) => void c.each(() => (lastStateAt = Date.now()))),
    )
    .build()
    .start();
  const inLink = (): LinkMetrics => db.records().find((r) => r.key === 'rx.position')!.links[0].metrics;
  return { db, got, inLink, state: () => db.peek(RxState) as State | undefined, lastStateAt: () => lastStateAt };
}

export type BrokerKind = 'aedes' | 'mosquitto';

/** A broker the scenario can kill (connections dropped, state lost) and start again on its port. */
export interface BrokerCtl {
  readonly kind: BrokerKind;
  readonly port: number;
  readonly url: string;
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function portOpen(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = net.createConnection({ host: '127.0.0.1', port });
      s.on('connect', () => (s.destroy(), res(true)));
      s.on('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error('port ' + port + ' did not open');
    await sleep(20);
  }
}

/** aedes in-process, or /usr/sbin/mosquitto (no persistence: a restart loses retained messages). */
export async function startBroker(kind: BrokerKind): Promise<BrokerCtl> {
  if (kind === 'aedes') {
    const b = await startAedes(0);
    return { kind, port: b.port, url: b.url, kill: () => b.stop(), start: () => b.restart(), stop: () => b.stop() };
  }
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-faults-mosq-'));
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000\n`);
  let proc: ChildProcess | null = null;
  const kill = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((res) => {
      p.on('exit', () => res());
      p.kill('SIGKILL');
    });
  };
  const start = async () => {
    proc = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: 'ignore' });
    try {
      await portOpen(port, 5000);
    } catch (e) {
      await kill();
      throw e;
    }
  };
  await start();
  return {
    kind, port, url: 'mqtt://127.0.0.1:' + port, kill, start,
    stop: async () => {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Options of {@link startRig}. */
export interface RigOptions {
  broker: BrokerKind;
  /** Put the fault proxy between gateway and broker. Default true. */
  proxy?: boolean;
  noise?: LineNoise | null;
  seed?: number;
}

/** Starts broker, proxy, device, gateway, receiver and operator. */
export async function startRig(o: RigOptions) {
  const parts: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const p of parts.reverse()) {
      try {
        await p();
      } catch {
        /* keep stopping the rest */
      }
    }
  };
  try {
    const broker = await startBroker(o.broker);
    parts.push(() => broker.stop());
    const proxy: FaultProxy | null = o.proxy === false ? null : await startFaultProxy(broker.port);
    if (proxy) parts.push(() => proxy.close());
    const dev = deviceDb();
    parts.push(() => dev.db.stop());
    const line = noisyLine(dev.db, o.noise ?? null, o.seed ?? 1);
    const gw = new Gateway(
      checkConfig({
        node_id: 'edge-f',
        broker: { url: proxy ? proxy.url : broker.url },
        devices: [{ name: 'pico', transport: 'sim://pico', reconnect_ms: 50, reconnect_max_ms: 200 }],
        log: { level: 'error' },
        ownership: { enabled: false },
      }),
      { simulators: { pico: line.open }, onLog: () => {} },
    );
    parts.push(() => gw.stop());
    await gw.start();
    await gw.ready(5000);
    const rx = receiver(broker.url);
    parts.push(() => void rx.db.stop());
    const op = await mqtt.connectAsync(broker.url, { clientId: 'operator-' + process.pid, reconnectPeriod: 100, connectTimeout: 2000 });
    op.on('error', () => {});
    parts.push(() => op.endAsync(true));
    // The receiver subscribes asynchronously; give it its SUBACK before the scenario produces.
    await sleep(300);
    return { broker, proxy, dev, line, gw, rx, op, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

export type Rig = Awaited<ReturnType<typeof startRig>>;

/** The gateway's figures for the position ring (twin record, its inbound and outbound links). */
export function gatewayRing(rig: Rig) {
  const rec = rig.gw.db!.records().find((r) => r.key === 'pico.actuator.position')!;
  const inLink = rec.links.find((l) => l.direction === 'in')!.metrics;
  const out = rec.links.find((l) => l.direction === 'out')!.metrics;
  return { rec, inLink, out };
}

/**
 * Teardown steps of a suite: push a stop function as each part starts; after each test they run in
 * reverse order, every one even if an earlier one throws. Call inside `describe`.
 */
export function cleanupStack(): Array<() => unknown> {
  const stops: Array<() => unknown> = [];
  afterEach(async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch {
        /* keep going: the next part must still stop */
      }
    }
    stops.length = 0;
  });
  return stops;
}
