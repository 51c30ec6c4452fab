/**
 * The engine thread (a `worker_threads` worker started by `attach()`): loads the configuration
 * module, builds and starts the database on the Node runtime, and serves connections. It never
 * blocks; a blocking `get()` of a caller becomes a pending `reader.recv()` here, answered when the
 * scheduler delivers.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { builder, RECV_CLOSED, RECV_LAGGED, RECV_VALUE, type Database, type LogLevel, type Reader } from '../../core/index.js';
// runtime.js, not index.js: the index also loads serialport (native bindings), ~1 s per engine start.
import { nodeRuntime, type LogRecord } from '../../targets/node/runtime.js';
import {
  BELL,
  DONE,
  GET_BLOCK,
  GET_LATEST,
  INFLIGHT,
  OP_CANCEL,
  OP_CLOSE,
  OP_CLOSE_READER,
  OP_CONNECT,
  OP_DETACH,
  OP_GET,
  OP_METRICS,
  OP_SET,
  OP_SUBSCRIBE,
  R_CANCELLED,
  R_CLOSED,
  R_EMPTY,
  R_ERROR,
  R_FAILED,
  R_OK,
  R_READY,
  R_VALUE,
  STATE,
  STATE_FAILED,
  STATE_RUNNING,
  STATE_STOPPED,
  type RecordEntry,
} from './protocol.js';
import type { ConfigureFn } from './types.js';

/** What `attach()` hands the engine in `workerData`. Internal. */
export interface EngineData {
  module: string;
  export: string;
  data: unknown;
  nodeId?: string;
  logLevel: LogLevel;
  logPort?: MessagePort;
  port: MessagePort;
  state: SharedArrayBuffer;
  conn: SharedArrayBuffer;
}

/** One reader of one connection, and the get it is answering (0: none). */
interface Slot {
  reader: Reader<unknown>;
  pending: number;
  missed: number;
}

const wd = workerData as EngineData;
const state = new Int32Array(wd.state);
const conns: EngineConn[] = [];
let db: Database | undefined;

/** The engine's end of one connection. */
class EngineConn {
  port: MessagePort;
  words: Int32Array;
  slots: Array<Slot | undefined>;

  constructor(port: MessagePort, conn: SharedArrayBuffer) {
    this.port = port;
    this.words = new Int32Array(conn);
    this.slots = [];
    port.on('message', (m: any[]) => this.onMessage(m));
    // The peer closed its end or its thread ended: its readers must stop competing (Mailbox).
    port.on('close', () => this.dispose());
    conns.push(this);
  }

  ring(): void {
    Atomics.add(this.words, BELL, 1);
    Atomics.notify(this.words, BELL);
  }

  reply(msg: unknown[]): void {
    this.port.postMessage(msg);
    this.ring();
  }

  onMessage(m: any[]): void {
    const op = m[0];
    if (op === OP_SET) return this.set(m[1], m[2]);
    if (op === OP_GET) return this.get(m[1], m[2], m[3]);
    if (op === OP_CONNECT) return void new EngineConn(m[1], m[2]);
    if (db === undefined || !db.running) {
      if (op === OP_SUBSCRIBE || op === OP_METRICS || op === OP_CANCEL) this.reply([R_CLOSED, m[1]]);
      return;
    }
    try {
      if (op === OP_SUBSCRIBE) {
        this.slots.push({ reader: db.subscribeById(m[2]), pending: 0, missed: 0 });
        this.reply([R_OK, m[1], this.slots.length - 1]);
      } else if (op === OP_METRICS) {
        this.reply([R_OK, m[1], db.records()[m[2]].metrics]);
      } else if (op === OP_CANCEL) {
        const s = this.slots[m[2]];
        if (s !== undefined && s.pending === m[1]) {
          s.reader.cancelRecv();
          s.pending = 0;
        }
        this.reply([R_CANCELLED, m[1]]);
      } else if (op === OP_CLOSE_READER) {
        const s = this.slots[m[1]];
        this.slots[m[1]] = undefined;
        if (s !== undefined) s.reader.close();
      } else if (op === OP_CLOSE) {
        this.dispose();
      } else if (op === OP_DETACH) {
        // Values accepted before detach still reach their taps and links: let the scheduler drain
        // (bounded by half the caller's detach timeout), then stop.
        const until = performance.now() + (m[2] as number) / 2;
        const d = db;
        const finish = (): void => {
          if (d.schedulerStats().queued > 0 && performance.now() < until) return void setImmediate(finish);
          shutdown();
          this.reply([R_OK, m[1], 0]);
          // Let queued log messages and replies go out, then end the thread (sources and
          // connectors may hold handles open; the database is stopped already).
          setImmediate(() => process.exit(0));
        };
        finish();
      }
    } catch (e) {
      const err = e as { code?: string; message?: string };
      if (op !== OP_CLOSE_READER && op !== OP_CLOSE) this.reply([R_ERROR, m[1], { code: err.code, message: String(err.message ?? e) }]);
    }
  }

  set(recordId: number, value: unknown): void {
    if (db !== undefined && db.running) {
      try {
        db.setById(recordId, value);
      } catch (e) {
        db.context('sync').log.error('set from a sync handle failed: ' + String(e));
      }
    }
    Atomics.sub(this.words, INFLIGHT, 1);
    Atomics.add(this.words, DONE, 1);
    this.ring();
  }

  get(gid: number, rid: number, mode: number): void {
    const s = this.slots[rid];
    if (s === undefined || db === undefined || !db.running) return this.reply([R_CLOSED, gid]);
    const r = s.reader;
    let missed = 0;
    let have = false;
    let last: unknown;
    let lastSeq = 0;
    for (;;) {
      const st = r.tryRecv();
      if (st === RECV_LAGGED) {
        missed += r.missed;
        continue;
      }
      if (st === RECV_VALUE) {
        if (mode !== GET_LATEST) return this.reply([R_VALUE, gid, r.value, r.seq, missed]);
        have = true;
        last = r.value;
        lastSeq = r.seq;
        continue;
      }
      if (st === RECV_CLOSED) return this.reply([R_CLOSED, gid]);
      break;
    }
    if (have) return this.reply([R_VALUE, gid, last, lastSeq, missed]);
    if (mode !== GET_BLOCK) return this.reply([R_EMPTY, gid, missed]);
    s.pending = gid;
    s.missed = missed;
    this.wait(s, gid);
  }

  wait(s: Slot, gid: number): void {
    s.reader.recv((st, v, missed) => {
      if (s.pending !== gid) return;
      if (st === RECV_LAGGED) {
        s.missed += missed;
        this.wait(s, gid);
        return;
      }
      s.pending = 0;
      if (st === RECV_VALUE) this.reply([R_VALUE, gid, v, s.reader.seq, s.missed]);
      else this.reply([R_CLOSED, gid]);
    });
  }

  /** Answers pending gets with CLOSED (shutdown) and rings. */
  closePending(): void {
    for (const s of this.slots) {
      if (s !== undefined && s.pending !== 0) {
        s.reader.cancelRecv();
        this.port.postMessage([R_CLOSED, s.pending]);
        s.pending = 0;
      }
    }
    this.ring();
  }

  dispose(): void {
    const i = conns.indexOf(this);
    if (i < 0) return;
    conns.splice(i, 1);
    for (const s of this.slots) if (s !== undefined) s.reader.close();
    this.slots = [];
    this.port.close();
  }
}

/** Stops the database; every blocked caller of every connection is answered and woken. */
function shutdown(): void {
  Atomics.store(state, STATE, STATE_STOPPED);
  for (const c of conns) c.closePending();
  if (db !== undefined) {
    try {
      db.stop();
    } catch (e) {
      process.stderr.write('aimdb sync engine: stop failed: ' + String(e) + '\n');
    }
  }
  for (const c of conns) c.ring();
}

function tableOf(d: Database): RecordEntry[] {
  return d.records().map((r) => ({ name: r.key, id: r.id, bufferType: r.bufferType, bufferCapacity: r.bufferCapacity, settable: r.origin === 'passive' }));
}

async function main(): Promise<void> {
  const owner = new EngineConn(wd.port, wd.conn);
  // The thread ends (process.exit from a stage, a fatal error): blocked callers must not hang.
  process.on('exit', () => {
    if (Atomics.load(state, STATE) === STATE_RUNNING) Atomics.store(state, STATE, STATE_STOPPED);
    for (const c of conns) c.ring();
  });
  const logPort = wd.logPort;
  // A stage that throws from a timer must not take the engine down (STYLE principle 4).
  process.on('uncaughtException', (e) => {
    if (db !== undefined) db.context('sync').log.error('uncaught in engine: ' + String((e && e.stack) || e));
    else process.stderr.write('aimdb sync engine: ' + String(e) + '\n');
  });
  try {
    const mod = await import(wd.module);
    const fn = mod[wd.export] as ConfigureFn | undefined;
    if (typeof fn !== 'function') throw new Error("module '" + wd.module + "' exports no function '" + wd.export + "'");
    const rt = nodeRuntime({ level: wd.logLevel, onLog: logPort ? (r: LogRecord) => logPort.postMessage(r) : undefined });
    const b = builder(rt).logLevel(wd.logLevel);
    if (wd.nodeId !== undefined) b.nodeId(wd.nodeId);
    await fn(b, wd.data);
    db = b.build();
    db.start();
  } catch (e) {
    const err = e as Error;
    Atomics.store(state, STATE, STATE_FAILED);
    owner.reply([R_FAILED, 0, String((err && err.message) || e), String((err && err.stack) || '')]);
    setImmediate(() => process.exit(1));
    return;
  }
  Atomics.store(state, STATE, STATE_RUNNING);
  owner.reply([R_READY, 0, tableOf(db)]);
}

void main();
