/**
 * The history store on a real SQLite file (better-sqlite3, WAL): batches acknowledged after commit,
 * `record.query` with AimDB's parameters and reply shape, retention by count and age enforced while
 * running (file size bounded), and clear errors with a corrupted or locked file while values keep
 * flowing.
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkHistoryConfig, HistoryStore, historyQueryHandler, type HistoryConfig } from '../../bridge/history/index.js';
import { waitFor } from '../gateway/support.js';

function config(dir: string, over: Partial<HistoryConfig> & { raw?: Record<string, unknown> } = {}): HistoryConfig {
  const problems: string[] = [];
  const c = checkHistoryConfig({ path: path.join(dir, 'h.db'), flush_ms: 10, ...(over.raw ?? {}) }, (p, m) => problems.push(`${p}: ${m}`));
  expect(problems).to.deep.equal([]);
  return { ...c!, ...over, raw: undefined } as HistoryConfig;
}

describe('bridge/history store (SQLite)', function () {
  this.timeout(30000);
  let dir: string;
  const stores: HistoryStore[] = [];
  const logs: string[] = [];
  const open = async (cfg: HistoryConfig, opts: { retryMs?: number; busyMs?: number } = {}) => {
    const s = new HistoryStore(cfg, { log: (l, m) => logs.push(`${l} ${m}`), ...opts });
    stores.push(s);
    await s.start();
    return s;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-history-'));
    logs.length = 0;
  });
  afterEach(async () => {
    while (stores.length) await stores.pop()!.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores values in batches, in WAL mode, and acknowledges them after commit', async () => {
    const acked: string[] = [];
    const s = new HistoryStore(config(dir, { batch: 7 }), { log: () => {}, onStored: (rows) => rows.forEach((r) => acked.push(r[2])) });
    stores.push(s);
    await s.start();
    expect(s.open).to.equal(true);
    for (let i = 0; i < 50; i++) s.add('dev.temp', { n: i });
    await waitFor(() => s.stats.stored === 50, 5000, 'stored');
    expect(acked).to.have.length(50);
    expect(s.stats).to.include({ accepted: 50, stored: 50, dropped: 0, rows: 50 });
    // An independent reader sees every acknowledged row, and the file is in WAL mode.
    const db = new Database(s.config.path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
    const rows = db.prepare('SELECT value FROM history ORDER BY rowid').all() as Array<{ value: string }>;
    db.close();
    expect(rows.map((r) => JSON.parse(r.value).n)).to.deep.equal([...Array(50).keys()]);
  });

  it('answers record.query as AimDB does: {records:[{topic,payload,ts}], total}, newest `limit` per record, ts ascending', async () => {
    const s = await open(config(dir));
    for (let i = 0; i < 5; i++) {
      s.add('esp32.climate.temp', { v: 20 + i });
      s.add('esp32.climate.hum', { v: 50 + i });
      s.add('pico.actuator.state', { open: i % 2 === 0 });
    }
    await waitFor(() => s.stats.stored === 15);
    const r = s.query({ name: 'esp32.climate.*', limit: 2 });
    expect(r.total).to.equal(4);
    expect(Object.keys(r)).to.deep.equal(['records', 'total']);
    expect(r.records.map((x) => Object.keys(x))).to.deep.equal([['topic', 'payload', 'ts'], ['topic', 'payload', 'ts'], ['topic', 'payload', 'ts'], ['topic', 'payload', 'ts']]);
    const byTopic = (t: string) => r.records.filter((x) => x.topic === t).map((x) => x.payload);
    expect(byTopic('esp32.climate.temp')).to.deep.equal([{ v: 23 }, { v: 24 }]);
    expect(byTopic('esp32.climate.hum')).to.deep.equal([{ v: 53 }, { v: 54 }]);
    for (let i = 1; i < r.records.length; i++) expect(r.records[i].ts).to.be.at.least(r.records[i - 1].ts);
    // limit defaults to 1 per record (AimDB's default); no name means every record.
    expect(s.query({}).records.map((x) => x.topic).sort()).to.deep.equal(['esp32.climate.hum', 'esp32.climate.temp', 'pico.actuator.state']);
    expect(s.query({ name: '#', limit: 100 }).total).to.equal(15);
    expect(s.query({ name: 'pico.#', limit: 100 }).total).to.equal(5);
    expect(s.query({ name: 'nothing.here', limit: 100 }).total).to.equal(0);
    // A time window: nothing before start, nothing after end.
    const all = s.query({ name: '#', limit: 100 }).records;
    const mid = all[7].ts;
    expect(s.query({ name: '#', limit: 100, start: mid + 1 }).records.every((x) => x.ts > mid)).to.equal(true);
    expect(s.query({ name: '#', limit: 100, end: mid - 1 }).records.every((x) => x.ts < mid)).to.equal(true);
    expect(s.query({ name: '#', limit: 100, start: Date.now() + 60000 }).total).to.equal(0);
    // The AimX handler answers the same thing through its callback.
    const viaHandler = await new Promise<unknown>((res, rej) => historyQueryHandler(s)({ name: 'pico.#', limit: 100 }, (e, v) => (e ? rej(new Error(e)) : res(v))));
    expect(viaHandler).to.deep.equal(s.query({ name: 'pico.#', limit: 100 }));
  });

  it('cuts a reply to the frame budget, dropping the oldest rows first', async () => {
    const s = await open(config(dir));
    for (let i = 0; i < 400; i++) s.add('big.record', { i, pad: 'x'.repeat(200) });
    await waitFor(() => s.stats.stored === 400);
    const r = s.query({ name: 'big.record', limit: 400 }, 16 * 1024);
    expect(r.truncated).to.equal(true);
    expect(JSON.stringify(r).length).to.be.at.most(16 * 1024);
    expect(r.total).to.equal(r.records.length).and.to.be.greaterThan(10);
    expect(r.records[r.records.length - 1].payload).to.deep.include({ i: 399 });
  });

  it('stays within max_rows per record and max_total_rows while running, and the file stays bounded', async () => {
    const s = await open(config(dir, { max_rows: 100, max_total_rows: 250, batch: 50 }));
    const pad = 'y'.repeat(300);
    const sizes: number[] = [];
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 500; i++) s.add(`r.${i % 4}`, { round, i, pad });
      await waitFor(() => s.stats.pending === 0 && s.stats.stored === (round + 1) * 500, 10000, 'round stored');
      const db = new Database(s.config.path, { readonly: true });
      const total = (db.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;
      const perRecord = db.prepare('SELECT rid, count(*) AS n FROM history GROUP BY rid').all() as Array<{ n: number }>;
      db.close();
      expect(total).to.be.at.most(250);
      for (const r of perRecord) expect(r.n).to.be.at.most(100);
      sizes.push(fs.statSync(s.config.path).size + (fs.existsSync(s.config.path + '-wal') ? fs.statSync(s.config.path + '-wal').size : 0));
    }
    expect(s.stats.rows).to.be.at.most(250);
    expect(s.stats.trimmed).to.equal(4000 - s.stats.rows);
    // 4,000 rows of ~330 bytes went in (1.3 MB); what stays on disk is bounded by the limits
    // (250 rows ≈ 85 KB of data, plus index pages and the WAL, capped at 4 MiB by journal_size_limit).
    expect(Math.max(...sizes.slice(2))).to.be.below(5 * 1024 * 1024);
    expect(fs.statSync(s.config.path).size).to.be.below(1024 * 1024);
    // The newest rows are the ones kept.
    const newest = s.query({ name: 'r.0', limit: 1 }).records[0].payload as { round: number };
    expect(newest.round).to.equal(7);
  });

  it('forgets rows older than max_age while running', async () => {
    const s = await open(config(dir, { max_age_ms: 300 }));
    for (let i = 0; i < 20; i++) s.add('old.one', { i });
    await waitFor(() => s.stats.stored === 20);
    const db = new Database(s.config.path, { readonly: true });
    const count = () => (db.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;
    expect(count()).to.equal(20);
    // No new row arrives: the writer's periodic sweep removes them (about once a second).
    await waitFor(() => count() === 0, 5000, 'age retention');
    db.close();
    expect(s.query({ name: '#', limit: 100 }).total).to.equal(0);
  });

  it('reports a corrupted file clearly, keeps accepting values and counts what it could not store', async () => {
    const file = path.join(dir, 'h.db');
    fs.writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const s = await open(config(dir, { queue: 100 }), { retryMs: 200 });
    expect(s.open).to.equal(false);
    expect(s.lastError).to.match(/is not a usable SQLite database \(SQLITE_NOTADB/);
    expect(logs.some((l) => l.startsWith('error history open failed') && l.includes('bridging continues'))).to.equal(true);
    for (let i = 0; i < 250; i++) s.add('dev.temp', { i });
    expect(s.stats.accepted).to.equal(250);
    expect(s.stats.dropped).to.equal(150); // the queue keeps the newest 100
    expect(() => s.query({ name: '#' })).to.throw(/not a usable SQLite database/);
    // Said once, not once per retry.
    await new Promise((r) => setTimeout(r, 700));
    expect(logs.filter((l) => l.startsWith('error history open failed'))).to.have.length(1);
  });

  it('reports a locked file, drops the batches it cannot write, and resumes when the lock goes', async () => {
    const s = await open(config(dir), { busyMs: 100 });
    s.add('dev.temp', { i: -1 });
    await waitFor(() => s.stats.stored === 1);
    const other = new Database(s.config.path, { timeout: 100 });
    other.exec('BEGIN EXCLUSIVE');
    for (let i = 0; i < 10; i++) s.add('dev.temp', { i });
    await waitFor(() => s.stats.dropped === 10, 5000, 'locked batch dropped');
    expect(s.lastError).to.match(/locked by another connection \(SQLITE_BUSY/);
    expect(logs.some((l) => l.startsWith('error history write failed'))).to.equal(true);
    other.exec('ROLLBACK');
    other.close();
    for (let i = 10; i < 15; i++) s.add('dev.temp', { i });
    await waitFor(() => s.stats.stored === 6, 5000, 'writes resume');
    expect(s.query({ name: 'dev.temp', limit: 100 }).records.map((r) => (r.payload as { i: number }).i)).to.deep.equal([-1, 10, 11, 12, 13, 14]);
  });
});
