/**
 * The security suite's rig: a real gateway process (`aimdb edge` through tsx, with a small heap so
 * that unbounded growth ends it instead of swapping), its resident memory read from /proc, legitimate
 * clients that must be served throughout an attack, and the results file the GUARANTEES section is
 * made from (artifacts/security.json; `test/security/report.ts` writes docs/GUARANTEES.md's section).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AimxConnection } from '../../bridge/aimx/client.js';
import { tcpConn } from '../../bridge/aimx/tcp.js';
import type { GatewayEndpoints } from '../../bridge/gateway/gateway.js';
import { serveTcp, type AimxListener } from '../../bridge/aimx/index.js';
import { aimxServer } from '../../core/aimx/index.js';
import { builder, key, mailbox, ring, type Database } from '../../core/index.js';
import { nodeRuntime } from '../../targets/node/index.js';
export { freePort } from '../mqtt/helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS_FILE = path.join(ROOT, 'artifacts/security.json');

/** Heap limit of the gateway under attack, MB: what the crash was measured with. */
export const HEAP_MB = 256;

/** A gateway running as its own process. */
export interface GatewayProc {
  proc: ChildProcess;
  endpoints: GatewayEndpoints;
  /** Lines it wrote to stderr (its log). */
  log: string[];
  /** Resident set size now, bytes (0 once it exited). */
  rss(): number;
  alive(): boolean;
  stop(): Promise<void>;
}

const running = new Set<GatewayProc>();

/** Starts `aimdb edge` on a config object; resolves with its endpoints once it runs. */
export async function startGateway(config: unknown, o: { env?: { [k: string]: string }; text?: string; timeoutMs?: number } = {}): Promise<GatewayProc> {
  const timeoutMs = o.timeoutMs ?? 20000;
  const dir = fs.mkdtempSync(path.join(tmpdir(), 'aimdb-sec-'));
  const file = path.join(dir, 'edge.json');
  fs.writeFileSync(file, o.text ?? JSON.stringify(config));
  const env: { [k: string]: string | undefined } = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('AIMDB_')) delete env[k];
  Object.assign(env, o.env ?? {});
  const proc = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', path.join(ROOT, 'bridge/cli/main.ts'), '--json', 'edge', '--config', file], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  let errBuf = '';
  proc.stderr!.on('data', (b: Buffer) => {
    errBuf += b.toString('utf8');
    let i: number;
    while ((i = errBuf.indexOf('\n')) >= 0) {
      if (log.length < 100000) log.push(errBuf.slice(0, i));
      errBuf = errBuf.slice(i + 1);
    }
  });
  const endpoints = await new Promise<GatewayEndpoints>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('gateway did not start: ' + log.slice(-5).join(' | '))), timeoutMs);
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(out.slice(0, nl)) as GatewayEndpoints);
        } catch (e) {
          reject(e);
        }
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code}) before it ran: ${log.slice(-5).join(' | ')}`));
    });
  });
  const g: GatewayProc = {
    proc,
    endpoints,
    log,
    rss: () => {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : 0;
      } catch {
        return 0;
      }
    },
    alive: () => proc.exitCode === null && proc.signalCode === null,
    stop: async () => {
      running.delete(g);
      if (!g.alive()) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
  running.add(g);
  return g;
}

/** Stops every gateway a test left running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((g) => g.stop()));
}

/** The device's command record (a writable Mailbox) and its ring of readings. */
export const Cmd = key<{ open: boolean }>('actuator.cmd', 'Cmd');
export const Temp = key<{ c: number }>('sensor.temp', 'Temp');

/** A real device database (`actuator.cmd`, and `sensor.temp` when asked) served over AimX TCP. */
export async function realDevice(nodeId: string, withTemp: boolean): Promise<{ db: Database; url: string; commands: unknown[]; listener: AimxListener }> {
  const commands: unknown[] = [];
  const b = builder(nodeRuntime({ sink: () => {} })).nodeId(nodeId);
  if (withTemp) b.configure(Temp, (r) => r.buffer(ring(16)));
  const db = b
    .configure(Cmd, (r) =>
      r
        .buffer(mailbox())
        .remote({ writable: true })
        .tap((_ctx, c) => {
          c.each((v) => {
            commands.push(v);
          });
        }),
    )
    .build();
  db.start();
  const listener = await serveTcp(aimxServer(db), { port: 0 });
  return { db, url: listener.url, commands, listener };
}

/** MB, one decimal. */
export function mb(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}

/** Resolves after `ms` (for pacing an attack, never for waiting on a result). */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every 20 ms until it holds or `ms` pass. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** `tcp://host:port` → parts. */
export function tcpAddr(url: string): { host: string; port: number } {
  const u = url.replace(/^tcp:\/\//, '');
  const i = u.lastIndexOf(':');
  return { host: u.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(u.slice(i + 1)) };
}

/**
 * A legitimate AimX client over TCP from its own loopback address (127.0.0.2 by default), so that
 * per-address limits on the attacker (127.0.0.1) are not limits on it.
 */
export async function legitClient(url: string, token: string | undefined, localAddress = '127.0.0.2', timeoutMs = 5000): Promise<AimxConnection> {
  const { host, port } = tcpAddr(url);
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host, port, localAddress });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error('legit client: no connection within ' + timeoutMs + ' ms'));
    }, timeoutMs);
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.once('connect', () => {
      clearTimeout(t);
      resolve(s);
    });
  });
  const c = new AimxConnection(tcpConn(socket), url, timeoutMs);
  try {
    await c.hello('legit', token);
  } catch (e) {
    await c.close();
    throw e;
  }
  return c;
}

/**
 * Proves the gateway serves a legitimate client now: connect with the token, `record.list`, close.
 * Returns the round trip, ms.
 */
export async function served(url: string, token: string | undefined): Promise<number> {
  const t0 = Date.now();
  const c = await legitClient(url, token);
  try {
    const rows = await c.listRecords();
    if (!Array.isArray(rows)) throw new Error('record.list did not answer a list');
  } finally {
    await c.close();
  }
  return Date.now() - t0;
}

/** One attack and what it measured. */
export interface AttackResult {
  /** Issue item (1-8) and a short title. */
  item: number;
  title: string;
  /** What the attacker did, with its figures. */
  attack: string;
  /** What happened, with the measured figures. */
  outcome: string;
  /** Resident memory of the gateway, MB, when the attack measures it. */
  rss?: { before: number; during: number; after: number };
  /** Legitimate requests served during the attack / attempted. */
  legit?: { served: number; tried: number; worstMs: number };
}

/** Records one attack's result (replacing an earlier run of the same id). */
export function recordAttack(id: string, r: AttackResult): void {
  let doc: { schema: number; updated: string; node: string; attacks: { [id: string]: AttackResult } } = { schema: 1, updated: '', node: process.version, attacks: {} };
  try {
    doc = JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8'));
  } catch {
    // First run.
  }
  doc.attacks[id] = r;
  doc.updated = new Date().toISOString();
  doc.node = process.version;
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  fs.writeFileSync(RESULTS_FILE, JSON.stringify(doc, null, 2) + '\n');
}

/**
 * Checks, while `attack` runs, that a legitimate client is served every `everyMs`; returns how many
 * of the tries were served and the slowest.
 */
export async function servedThroughout(url: string, token: string | undefined, attack: Promise<unknown>, everyMs = 250): Promise<{ served: number; tried: number; worstMs: number }> {
  let done = false;
  const r = { served: 0, tried: 0, worstMs: 0 };
  const watcher = (async () => {
    while (!done) {
      r.tried++;
      try {
        const ms = await served(url, token);
        r.served++;
        r.worstMs = Math.max(r.worstMs, ms);
      } catch {
        // Counted as not served.
      }
      await sleep(everyMs);
    }
  })();
  try {
    await attack;
  } finally {
    done = true;
    await watcher;
  }
  return r;
}
