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
    trimAge: Database.Statement;
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
                 CREATE INDEX IF NOT EXISTS history_rid ON history (rid);
                 CREATE INDEX IF NOT EXISTS history_ts ON history (ts);`);
        this.stmts = {
          insert: db.prepare('INSERT INTO history (rid, ts, value) VALUES (?, ?, ?)'),
          key: db.prepare('INSERT INTO records (key) VALUES (?) ON CONFLICT (key) DO NOTHING'),
          keyId: db.prepare('SELECT id FROM records WHERE key = ?'),
          // Everything of one record below its newest `maxRows` (rowid order is insertion order).
          trimRecord: db.prepare('DELETE FROM history WHERE rid = ? AND rowid <= (SELECT rowid FROM history WHERE rid = ? ORDER BY rowid DESC LIMIT 1 OFFSET ?)'),
          nthOldest: db.prepare('SELECT rowid FROM history ORDER BY rowid LIMIT 1 OFFSET ?'),
          trimOldest: db.prepare('DELETE FROM history WHERE rowid <= ?'),
          trimAge: db.prepare('DELETE FROM history WHERE ts < ?'),
        };
        this.total = (db.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;
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
      const touched = new Set<number>();
      this.db.transaction(() => {
        for (const [key, ts, json] of rows) {
          const rid = this.rid(key);
          st.insert.run(rid, ts, json);
          touched.add(rid);
        }
        this.total += rows.length;
        // Retention by count, in the same transaction: the store never holds more than the limits
        // once a batch committed.
        for (const rid of touched) trimmed += st.trimRecord.run(rid, rid, this.s.maxRows).changes;
        this.total -= trimmed;
        if (this.total > this.s.maxTotalRows) {
          const cut = st.nthOldest.get(this.total - this.s.maxTotalRows - 1) as { rowid: number } | undefined;
          if (cut) {
            const n = st.trimOldest.run(cut.rowid).changes;
            trimmed += n;
            this.total -= n;
          }
        }
      })();
      this.lastError = '';
      this.send({ type: 'stored', id, count: rows.length, total: this.total, trimmed });
    } catch (e) {
      // The transaction rolled back: the batch is not stored (the main thread counts it dropped).
      this.total = (this.db.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;
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
      const n = this.stmts.trimAge.run(now - this.s.maxAgeMs).changes;
      this.total -= n;
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

if (parentPort) {
  const port = parentPort;
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
