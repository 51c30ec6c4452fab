/**
 * The gateway's history store: keeps chosen records' values in SQLite (better-sqlite3, WAL mode)
 * and answers `record.query`.
 *
 * Off the message path: a record's history reader only serializes the value and appends it to an
 * in-memory batch (bounded by `queue`; beyond it the oldest waiting rows are dropped and counted).
 * Batches go to the writer thread (writer.ts), one transaction each, one batch in flight at a time;
 * retention runs there too. Queries read through a second, read-only connection on this thread:
 * WAL lets them run while the writer writes.
 *
 * Failures never stop bridging: a file that is not a database or is locked is reported once with
 * the cause (`lastError`), the rows that could not be written are counted in `dropped`, and the
 * writer retries.
 */
import Database from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { RECV_LAGGED, RECV_VALUE } from '../../core/index.js';
import { keyMatches } from '../../core/aimx/index.js';
import type { Database as AimDatabase, Reader } from '../../core/index.js';
import { tsWorker } from '../sync/worker.js';
import type { HistoryConfig } from './config.js';
import type { FromWriter, Row, WriterSettings } from './writer.js';
import { sqliteMessage } from './writer.js';

/** Largest value kept, as JSON text (a bigger one is dropped and counted). */
export const MAX_VALUE_BYTES = 64 * 1024;

/** `record.query` parameters, as AimDB defines them. */
export interface QueryParams {
  /** Record pattern (`*` one segment, `#` the rest). Default `#`: every record. */
  name?: string;
  /** Rows per matching record, newest first when cut. Default 1. */
  limit?: number;
  /** Unix ms, inclusive bounds. */
  start?: number;
  end?: number;
}

/** One row of a `record.query` reply. */
export interface QueryRecord {
  topic: string;
  payload: unknown;
  ts: number;
}

/** The `record.query` reply: rows of every matching record sorted by `ts` ascending. */
export interface QueryReply {
  records: QueryRecord[];
  total: number;
  /** Present (true) when the reply was cut to fit `maxBytes`: the oldest rows were left out. */
  truncated?: boolean;
}

/** Counters of the store (also in the gateway's status). */
export interface HistoryStats {
  /** Values handed to the store. */
  accepted: number;
  /** Rows committed (acknowledged by the writer). */
  stored: number;
  /** Values not stored: queue overflow, oversized, or a failed write. */
  dropped: number;
  /** Rows in the file after the last write (after retention). */
  rows: number;
  /** Rows removed by retention. */
  trimmed: number;
  /** Rows waiting in memory or in flight. */
  pending: number;
}

/** Options of {@link HistoryStore}. */
export interface HistoryStoreOptions {
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Called with the rows of each committed batch (durability checks, tests). */
  onStored?: (rows: Row[]) => void;
  /** Open retry period after a failure, ms. Default 5000. */
  retryMs?: number;
  /** SQLite busy timeout, ms. Default 1000. */
  busyMs?: number;
}

const QUERY_MAX_LIMIT = 10_000;
/** Poll period of ring readers, ms: a twin ring of 64 slots then keeps up with 6,400 values/s. */
const POLL_MS = 10;

export class HistoryStore {
  readonly stats: HistoryStats = { accepted: 0, stored: 0, dropped: 0, rows: 0, trimmed: 0, pending: 0 };
  /** The last open or write error, cleared when a write succeeds. */
  lastError: string | null = null;
  /** True once the writer opened the file. */
  open = false;
  private worker: Worker | null = null;
  private queue: Row[] = [];
  private inflight: { id: number; rows: Row[] } | null = null;
  private nextId = 1;
  private timer: NodeJS.Timeout | null = null;
  private reader: Database.Database | null = null;
  private readers: Array<Reader<unknown>> = [];
  private polled: Array<{ key: string; reader: Reader<unknown> }> = [];
  private poller: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private firstOpen: Promise<void>;
  private resolveFirst!: () => void;

  constructor(
    readonly config: HistoryConfig,
    private readonly options: HistoryStoreOptions,
  ) {
    this.firstOpen = new Promise((r) => (this.resolveFirst = r));
  }

  /** True when record `key` is kept (it matches one of the configured patterns). */
  keeps(key: string): boolean {
    for (const p of this.config.records) if (keyMatches(p, key)) return true;
    return false;
  }

  /**
   * Starts the writer. Resolves once the file is open or its first open failed (the error is
   * logged and retried: the gateway starts either way).
   */
  start(): Promise<void> {
    const settings: WriterSettings = {
      path: this.config.path,
      maxAgeMs: this.config.max_age_ms,
      maxRows: this.config.max_rows,
      maxTotalRows: this.config.max_total_rows,
      retryMs: this.options.retryMs ?? 5000,
      busyMs: this.options.busyMs ?? 1000,
    };
    const w = tsWorker(new URL('./writer.ts', import.meta.url), { workerData: settings });
    this.worker = w;
    w.on('message', (m: FromWriter) => this.onWriter(m));
    w.on('error', (e) => {
      this.lastError = `history writer crashed: ${e.message}`;
      this.options.log('error', this.lastError);
      this.resolveFirst();
    });
    w.on('exit', () => {
      this.worker = null;
      this.open = false;
      this.resolveFirst();
    });
    // Once the first open is settled the writer must not keep a gateway that shuts down alive.
    return this.firstOpen.then(() => {
      w.unref();
    });
  }

  private onWriter(m: FromWriter): void {
    switch (m.type) {
      case 'opened':
        this.open = true;
        this.lastError = null;
        this.stats.rows = m.total;
        this.options.log('info', `history: ${this.config.path} open (${m.total} rows)`);
        this.resolveFirst();
        this.schedule(0);
        return;
      case 'error':
        this.lastError = m.message;
        this.options.log('error', `history ${m.phase} failed: ${m.message} — bridging continues without storing`);
        if (m.phase === 'open') this.resolveFirst();
        return;
      case 'stored': {
        const batch = this.inflight;
        this.inflight = null;
        this.stats.stored += m.count;
        this.stats.rows = m.total;
        this.stats.trimmed += m.trimmed;
        if (batch && this.options.onStored) this.options.onStored(batch.rows);
        this.pump();
        return;
      }
      case 'failed': {
        const batch = this.inflight;
        this.inflight = null;
        if (batch) this.stats.dropped += batch.rows.length;
        this.lastError = m.message;
        this.pump();
        return;
      }
      case 'closed':
        return;
    }
  }

  /** Keeps `value` of record `key`, stamped now. Never throws, never blocks. */
  add(key: string, value: unknown): void {
    this.stats.accepted++;
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      json = undefined;
    }
    if (json === undefined || json.length > MAX_VALUE_BYTES) {
      this.stats.dropped++;
      return;
    }
    if (this.queue.length >= this.config.queue) {
      // Keep the newest: the oldest waiting row goes.
      this.queue.shift();
      this.stats.dropped++;
    }
    this.queue.push([key, Date.now(), json]);
    if (this.queue.length >= this.config.batch) this.schedule(0);
    else this.schedule(this.config.flush_ms);
  }

  private schedule(ms: number): void {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, ms);
    this.timer.unref();
  }

  /** Sends the next batch when none is in flight and the writer is open. */
  private pump(): void {
    this.stats.pending = this.queue.length + (this.inflight ? this.inflight.rows.length : 0);
    if (this.inflight || !this.worker || !this.open || this.queue.length === 0) return;
    const rows = this.queue.length <= this.config.batch ? this.queue : this.queue.slice(0, this.config.batch);
    this.queue = rows === this.queue ? [] : this.queue.slice(this.config.batch);
    this.inflight = { id: this.nextId++, rows };
    this.worker.postMessage({ type: 'rows', id: this.inflight.id, rows });
    if (this.queue.length > 0) this.schedule(this.config.flush_ms);
  }

  /**
   * Keeps the history of every matching record of `db` (rings and SingleLatest; a Mailbox is
   * skipped: reading it would take commands from their consumer). Call again after a rebuild.
   *
   * A ring's reader is polled every `POLL_MS` instead of being handed each value by the scheduler:
   * the scheduler's delivery budget then goes to the bridging links alone, and a burst costs the
   * history one loop over the ring's backlog. A value the ring overwrote before the poll is counted
   * in `dropped`. SingleLatest readers take each new state as it comes.
   */
  attach(db: AimDatabase): number {
    this.detach();
    for (const r of db.records()) {
      if (r.bufferType === 'mailbox' || r.bufferType === 'none' || !this.keeps(r.key)) continue;
      const reader = db.subscribeById(r.id);
      const key = r.key;
      if (r.bufferType === 'spmc_ring') this.polled.push({ key, reader });
      else reader.each((v) => this.add(key, v));
      this.readers.push(reader);
    }
    if (this.polled.length > 0) {
      this.poller = setInterval(() => this.poll(), POLL_MS);
      this.poller.unref();
    }
    return this.readers.length;
  }

  /** Reads every polled ring's backlog into the store. */
  private poll(): void {
    for (const { key, reader } of this.polled) {
      for (;;) {
        const st = reader.tryRecv();
        if (st === RECV_VALUE) this.add(key, reader.value);
        else if (st === RECV_LAGGED) this.stats.dropped += reader.missed;
        else break;
      }
    }
  }

  /** Stops reading the attached database's records (what the rings hold now is kept first). */
  detach(): void {
    if (this.poller) {
      clearInterval(this.poller);
      this.poller = null;
      this.poll();
    }
    for (const r of this.readers) r.close();
    this.readers = [];
    this.polled = [];
  }

  /**
   * Answers `record.query`: for every record matching `name`, its newest `limit` rows in
   * [`start`, `end`], all sorted by `ts` ascending. The reply is cut (oldest rows first) to stay
   * under `maxBytes` of JSON. Throws with a clear message when the file cannot be read.
   */
  query(params: QueryParams, maxBytes = 60 * 1024): QueryReply {
    const name = typeof params.name === 'string' && params.name !== '' ? params.name : '#';
    const limit = Math.min(typeof params.limit === 'number' && params.limit >= 1 ? Math.floor(params.limit) : 1, QUERY_MAX_LIMIT);
    const start = typeof params.start === 'number' && Number.isFinite(params.start) ? params.start : 0;
    const end = typeof params.end === 'number' && Number.isFinite(params.end) ? params.end : Number.MAX_SAFE_INTEGER;
    const db = this.readConnection();
    let rows: QueryRecord[] = [];
    try {
      const keys = db.prepare('SELECT id, key FROM records').all() as Array<{ id: number; key: string }>;
      const pick = db.prepare('SELECT ts, value FROM history WHERE rid = ? AND ts >= ? AND ts <= ? ORDER BY rowid DESC LIMIT ?');
      for (const k of keys) {
        if (!keyMatches(name, k.key)) continue;
        // Newest first from the index; pushed oldest first so that rows with equal `ts` keep their
        // order through the (stable) sort below.
        const got = pick.all(k.id, start, end, limit) as Array<{ ts: number; value: string }>;
        for (let i = got.length - 1; i >= 0; i--) rows.push({ topic: k.key, payload: JSON.parse(got[i].value), ts: got[i].ts });
      }
    } catch (e) {
      this.closeReader();
      throw new Error(sqliteMessage(e, this.config.path));
    }
    rows.sort((a, b) => a.ts - b.ts);
    let truncated = false;
    let size = 40;
    for (const r of rows) size += JSON.stringify(r).length + 1;
    while (size > maxBytes && rows.length > 0) {
      size -= JSON.stringify(rows[0]).length + 1;
      rows = rows.slice(1);
      truncated = true;
    }
    const reply: QueryReply = { records: rows, total: rows.length };
    if (truncated) reply.truncated = true;
    return reply;
  }

  private readConnection(): Database.Database {
    if (this.reader) return this.reader;
    try {
      this.reader = new Database(this.config.path, { readonly: true, fileMustExist: true, timeout: this.options.busyMs ?? 1000 });
    } catch (e) {
      throw new Error(sqliteMessage(e, this.config.path));
    }
    return this.reader;
  }

  private closeReader(): void {
    try {
      this.reader?.close();
    } catch {
      /* already broken */
    }
    this.reader = null;
  }

  /** Writes what is waiting (up to `timeoutMs`), then closes the writer and the reader. */
  stop(timeoutMs = 3000): Promise<void> {
    if (this.closing) return this.closing;
    this.detach();
    this.closing = (async () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      const until = Date.now() + timeoutMs;
      while (this.worker && this.open && (this.queue.length > 0 || this.inflight) && Date.now() < until) {
        this.pump();
        await new Promise((r) => setTimeout(r, 10));
      }
      const w = this.worker;
      if (w) {
        const exited = new Promise<void>((r) => w.once('exit', () => r()));
        w.postMessage({ type: 'close' });
        await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
        if (this.worker) await w.terminate();
      }
      this.closeReader();
    })();
    return this.closing;
  }
}
