/**
 * The history writer: a worker thread that owns the one write connection to the SQLite file, so
 * that inserts, retention deletes and WAL checkpoints never run on the gateway's event loop (the
 * record → MQTT path). The main thread sends batches of rows; each batch is one transaction, and
 * the reply `stored` is sent only after it committed: a row acknowledged there survives a crash of
 * the process (WAL, `synchronous = NORMAL`: committed transactions are in the WAL file, which the
 * next open replays; only a power loss can lose the last ones).
 *
 * When the file cannot be opened or written (not a database, locked by another process, disk
 * full) the writer reports a clear error and retries every `retryMs`; the main thread keeps
 * bridging and counts what it could not store.
 */
import Database from 'better-sqlite3';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

/** Settings the writer starts with (`workerData`). */
export interface WriterSettings {
  path: string;
  maxAgeMs: number;
  maxRows: number;
  maxTotalRows: number;
  /** Open retry period after a failure, ms. */
  retryMs: number;
  /** Busy timeout of SQLite calls, ms (a lock held longer fails the call). */
  busyMs: number;
}

/** One row: record key, wall-clock ms, value as JSON text. */
export type Row = [key: string, ts: number, json: string];

/** Main → writer. */
export type ToWriter = { type: 'rows'; id: number; rows: Row[] } | { type: 'close' };
/** Writer → main. */
export type FromWriter =
  | { type: 'opened'; total: number }
  | { type: 'stored'; id: number; count: number; total: number; trimmed: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'error'; phase: 'open' | 'write' | 'retention'; message: string }
  | { type: 'closed' };

/** A readable message for an SQLite error (the code names the cause: SQLITE_NOTADB, SQLITE_BUSY, …). */
export function sqliteMessage(e: unknown, path: string): string {
  const err = e as { code?: string; message?: string };
  const code = err.code ?? '';
  const base = err.message ?? String(e);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return `${path} is not a usable SQLite database (${code}: ${base}); move it aside to start a new history`;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return `${path} is locked by another connection (${code}: ${base})`;
  return `${path}: ${code ? code + ': ' : ''}${base}`;
}

class Writer {
  private db: Database.Database | null = null;
  private total = 0;
  private keyIds = new Map<string, number>();
  /** Rows per record id (kept in step with every insert and delete, so trimming costs nothing until due). */
  private counts = new Map<number, number>();
  private lastAgeSweep = 0;
  private lastVacuum = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastError = '';
  private stmts: {
    insert: Database.Statement;
    key: Database.Statement;
    keyId: Database.Statement;
    trimRecord: Database.Statement;
    nthOldest: Database.Statement;
    trimOldest: Database.Statement;
    tsAt: Database.Statement;
    bounds: Database.Statement;
    countsUpTo: Database.Statement;
  } | null = null;

  constructor(
    private readonly s: WriterSettings,
    private readonly send: (m: FromWriter) => void,
  ) {}

  open(): boolean {
    try {
      const db = new Database(this.s.path, { timeout: this.s.busyMs });
      try {
        // auto_vacuum applies to a new file only (set before the first table): freed pages can
        // then be returned to the file system, so the file shrinks after retention deletes.
        db.pragma('auto_vacuum = INCREMENTAL');
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('journal_size_limit = 4194304');
        db.exec(`CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
                 CREATE TABLE IF NOT EXISTS history (rid INTEGER NOT NULL, ts INTEGER NOT NULL, value TEXT NOT NULL);
                 CREATE INDEX IF NOT EXISTS history_rid ON history (rid);`);
        this.stmts = {
          insert: db.prepare('INSERT INTO history (rid, ts, value) VALUES (?, ?, ?)'),
          key: db.prepare('INSERT INTO records (key) VALUES (?) ON CONFLICT (key) DO NOTHING'),
          keyId: db.prepare('SELECT id FROM records WHERE key = ?'),
          // Everything of one record below its newest `maxRows` (rowid order is insertion order).
          trimRecord: db.prepare('DELETE FROM history WHERE rid = ? AND rowid <= (SELECT rowid FROM history WHERE rid = ? ORDER BY rowid DESC LIMIT 1 OFFSET ?)'),
          nthOldest: db.prepare('SELECT rowid FROM history ORDER BY rowid LIMIT 1 OFFSET ?'),
          trimOldest: db.prepare('DELETE FROM history WHERE rowid <= ?'),
          tsAt: db.prepare('SELECT ts FROM history WHERE rowid >= ? ORDER BY rowid LIMIT 1'),
          bounds: db.prepare('SELECT min(rowid) AS lo, max(rowid) AS hi FROM history'),
          countsUpTo: db.prepare('SELECT rid, count(*) AS n FROM history WHERE rowid <= ? GROUP BY rid'),
        };
        this.recount(db);
        for (const r of db.prepare('SELECT id, key FROM records').all() as Array<{ id: number; key: string }>) this.keyIds.set(r.key, r.id);
      } catch (e) {
        db.close();
        throw e;
      }
      this.db = db;
      this.lastError = '';
      this.send({ type: 'opened', total: this.total });
      this.retention(true);
      return true;
    } catch (e) {
      this.fail('open', e);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.open();
      }, this.s.retryMs);
      return false;
    }
  }

  /** Reads the row counts from the file (at open, and after anything that may have deleted rows). */
  private recount(db: Database.Database): void {
    this.counts.clear();
    this.total = 0;
    for (const r of db.prepare('SELECT rid, count(*) AS n FROM history GROUP BY rid').all() as Array<{ rid: number; n: number }>) {
      this.counts.set(r.rid, r.n);
      this.total += r.n;
    }
  }

  /** Deletes every row up to `rowid` (the oldest ones), keeping the counts in step. */
  private deleteUpTo(rowid: number): number {
    const st = this.stmts!;
    for (const r of st.countsUpTo.all(rowid) as Array<{ rid: number; n: number }>) this.counts.set(r.rid, (this.counts.get(r.rid) ?? 0) - r.n);
    const n = st.trimOldest.run(rowid).changes;
    this.total -= n;
    return n;
  }

  /**
   * The last rowid whose row is older than `cutoff`, or 0. Rows are appended in time order (each is
   * stamped when it is handed to the store), so a binary search over rowids finds the boundary
   * without an index on `ts`; after a wall-clock step backwards some rows may outlive `maxAgeMs`
   * until newer ones pass them (the count limits still hold).
   */
  private lastOlderThan(cutoff: number): number {
    const st = this.stmts!;
    const b = st.bounds.get() as { lo: number | null; hi: number | null };
    if (b.lo === null || b.hi === null) return 0;
    const tsFrom = (id: number) => (st.tsAt.get(id) as { ts: number } | undefined)?.ts ?? Infinity;
    if (tsFrom(b.lo) >= cutoff) return 0;
    let lo = b.lo;
    let hi = b.hi + 1;
    // Invariant: the row at or after `lo` is older than cutoff; the first row at or after `hi` is not.
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (tsFrom(mid) < cutoff) lo = mid;
      else hi = mid;
    }
    // Here the first row from `lo` is older and the first row from `lo + 1` is not: so a row with
    // rowid `lo` exists, and it is the last one to go.
    return lo;
  }

  private fail(phase: 'open' | 'write' | 'retention', e: unknown): void {
    const message = sqliteMessage(e, this.s.path);
    // The same failure every retry is said once; a new one is said at once.
    if (message !== this.lastError) this.send({ type: 'error', phase, message });
    this.lastError = message;
  }

  private rid(key: string): number {
    let id = this.keyIds.get(key);
    if (id === undefined) {
      this.stmts!.key.run(key);
      id = (this.stmts!.keyId.get(key) as { id: number }).id;
      this.keyIds.set(key, id);
    }
    return id;
  }

  write(id: number, rows: Row[]): void {
    if (!this.db || !this.stmts) {
      this.send({ type: 'failed', id, message: this.lastError || 'history store not open' });
      return;
    }
    const st = this.stmts;
    try {
      let trimmed = 0;
      this.db.transaction(() => {
        const touched = new Set<number>();
        for (const [key, ts, json] of rows) {
          const rid = this.rid(key);
          st.insert.run(rid, ts, json);
          this.counts.set(rid, (this.counts.get(rid) ?? 0) + 1);
          touched.add(rid);
        }
        this.total += rows.length;
        // Retention by count, in the same transaction: the store never holds more than the limits
        // once a batch committed.
        for (const rid of touched) {
          const over = (this.counts.get(rid) ?? 0) - this.s.maxRows;
          if (over <= 0) continue;
          const n = st.trimRecord.run(rid, rid, this.s.maxRows).changes;
          this.counts.set(rid, (this.counts.get(rid) ?? 0) - n);
          this.total -= n;
          trimmed += n;
        }
        if (this.total > this.s.maxTotalRows) {
          const cut = st.nthOldest.get(this.total - this.s.maxTotalRows - 1) as { rowid: number } | undefined;
          if (cut) trimmed += this.deleteUpTo(cut.rowid);
        }
      })();
      this.lastError = '';
      this.send({ type: 'stored', id, count: rows.length, total: this.total, trimmed });
    } catch (e) {
      // The transaction rolled back: the batch is not stored (the main thread counts it dropped).
      try {
        this.recount(this.db);
      } catch {
        /* still locked: counted again after the next successful write */
      }
      this.fail('write', e);
      this.send({ type: 'failed', id, message: sqliteMessage(e, this.s.path) });
    }
    this.retention(false);
  }

  /** Age retention and space reclaim, at most once a second (each is a scan). */
  retention(force: boolean): void {
    if (!this.db || !this.stmts) return;
    const now = Date.now();
    if (!force && now - this.lastAgeSweep < 1000) return;
    this.lastAgeSweep = now;
    try {
      const upTo = this.lastOlderThan(now - this.s.maxAgeMs);
      if (upTo > 0) this.db.transaction(() => this.deleteUpTo(upTo))();
      if (force || now - this.lastVacuum > 10_000) {
        this.lastVacuum = now;
        this.db.pragma('incremental_vacuum');
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      }
    } catch (e) {
      this.fail('retention', e);
    }
  }

  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    try {
      this.db?.close();
    } catch {
      /* closing a broken handle */
    }
    this.db = null;
    this.send({ type: 'closed' });
  }
}

/**
 * Lowers this thread's scheduling priority (Linux: a thread id is a valid target of setpriority), so
 * that on a busy machine the bridging thread gets the CPU first and the writer uses what is left;
 * the bounded queue absorbs the delay. Elsewhere, or when refused, nothing changes.
 */
function niceThisThread(nice: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    /* not Linux, or not allowed */
  }
}

if (parentPort) {
  const port = parentPort;
  niceThisThread(10);
  const w = new Writer(workerData as WriterSettings, (m) => port.postMessage(m));
  // Age retention also runs when no row arrives (a quiet gateway still forgets old history).
  const sweep = setInterval(() => w.retention(false), 1000);
  port.on('message', (m: ToWriter) => {
    if (m.type === 'rows') w.write(m.id, m.rows);
    else if (m.type === 'close') {
      clearInterval(sweep);
      w.close();
      port.close();
    }
  });
  w.open();
}
