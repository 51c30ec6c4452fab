/**
 * A device is untrusted input: a board (or whatever sits on its port) that reports bad record rows,
 * renumbers its events, or stops answering. The device here is a real AimX server over TCP that
 * lies on purpose; the gateway is a real `aimdb edge` process.
 */
import { expect } from 'chai';
import net from 'node:net';
import { LengthPrefixDecoder, lengthPrefixed } from '../../bridge/aimx/framing.js';
import { freePort, legitClient, mb, recordAttack, sleep, startGateway, stopAll, until } from './harness.js';

const TOKEN = 'sec-token-dev-41b2';

interface EvilDevice {
  url: string;
  /** record.list rows per connection (the last one repeats). */
  rows: unknown[][];
  connections: number;
  /** Stops answering anything (frames are read and ignored). */
  silent: boolean;
  /** Sends an event on every subscription of the current connection. */
  event(seq: number, data: unknown): void;
  /** Drops the current connection (the gateway reconnects). */
  drop(): void;
  close(): Promise<void>;
}

async function evilDevice(rows: unknown[][]): Promise<EvilDevice> {
  let current: net.Socket | null = null;
  let subs: string[] = [];
  const sockets = new Set<net.Socket>();
  const dev: EvilDevice = {
    url: '',
    rows,
    connections: 0,
    silent: false,
    event(seq, data) {
      for (const sub of subs) current?.write(lengthPrefixed(JSON.stringify({ t: 'event', seq, sub, data })));
    },
    drop() {
      current?.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    const n = dev.connections++;
    current = s;
    subs = [];
    const send = (o: unknown) => s.write(lengthPrefixed(JSON.stringify(o)));
    const dec = new LengthPrefixDecoder({
      onFrame: (text) => {
        if (dev.silent) return;
        const f = JSON.parse(text);
        if (f.t === 'ping') return send({ t: 'pong' });
        if (f.t === 'sub') {
          subs.push(String(f.id));
          return send({ t: 'subscribed', sub: String(f.id) });
        }
        if (f.t !== 'req') return;
        if (f.method === 'hello') return send({ t: 'reply', id: f.id, ok: { version: '3.0', server: 'evil-device', permissions: ['read'], writable_records: [], node_id: 'evil' } });
        if (f.method === 'record.list') return send({ t: 'reply', id: f.id, ok: dev.rows[Math.min(n, dev.rows.length - 1)] });
        send({ t: 'reply', id: f.id, err: 'not_found' });
      },
      onOversize: () => {},
    });
    s.on('data', (b: Buffer) => dec.push(b));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  dev.url = `tcp://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
  return dev;
}

const row = (key: string, buffer = 'single_latest', capacity = 1, writable = false) => ({ record_key: key, buffer_type: buffer, buffer_capacity: capacity, writable });

async function config(deviceUrl: string, extra: { [k: string]: unknown } = {}) {
  return {
    node_id: 'edge-dev',
    embedded_broker: { port: 0 },
    devices: [{ name: 'evil', transport: deviceUrl, reconnect_ms: 50, reconnect_max_ms: 200, resync_ms: 0, ...extra }],
    // A fixed port: a rebuild rebinds the endpoints.
    remote: { tcp: `127.0.0.1:${await freePort()}`, token: TOKEN },
    log: { level: 'info' },
  };
}

async function keys(url: string): Promise<string[]> {
  const c = await legitClient(url, TOKEN);
  try {
    return ((await c.listRecords()) as Array<{ record_key?: string; name?: string }>).map((r) => (r.record_key ?? r.name) as string);
  } finally {
    await c.close();
  }
}

describe('security: a lying device', function () {
  this.timeout(60000);
  const devs: EvilDevice[] = [];
  afterEach(async () => {
    await stopAll();
    for (const d of devs.splice(0)) await d.close();
  });

  it('3. bad record.list rows are skipped with a warning, the rest served; a rebuild on bad rows keeps serving', async () => {
    const bad = [
      row('with space'),
      row('hash#key'),
      row('$status'),
      row('huge.ring', 'spmc_ring', 2147483647),
      row('big.ring', 'spmc_ring', 20000000),
      row('fake.cmd.set'),
      { record_key: 42 },
      'not a row',
    ];
    const dev = await evilDevice([[row('ok.temp'), ...bad], [row('ok.temp'), row('ok.other'), ...bad, row('$status'), row('ok.temp')]]);
    devs.push(dev);
    const g = await startGateway(await config(dev.url));
    const url = g.endpoints.aimx[0];
    const before = g.rss();
    expect(await keys(url)).to.include.members(['evil.ok.temp', 'evil.$status']);
    expect((await keys(url)).filter((k) => /space|hash|huge|big|fake/.test(k))).to.deep.equal([]);
    // Reconnect with a changed list (more bad rows, a duplicate): the gateway rebuilds.
    dev.drop();
    await until(async () => (await keys(url).catch((): string[] => [])).includes('evil.ok.other'), 10000, 'rebuilt twins');
    const after = g.rss();
    const warnings = g.log.filter((l) => l.includes('skipped')).length;
    expect(g.alive()).to.equal(true);
    expect(after - before).to.be.below(64 << 20);
    expect(warnings).to.be.at.least(2);
    recordAttack('device-record-list', {
      item: 3,
      title: 'A device reports bad record.list rows',
      attack: "rows with a space and a '#' in the key, a second `$status`, capacities 2,147,483,647 and 20,000,000, a `.set` key, a numeric key, a non-object row; then a reconnect with a changed list and duplicates",
      outcome: `8 bad rows skipped with one warning line per reply (${warnings} lines), good rows mirrored, rebuild succeeded; gateway alive, RSS ${mb(before)} → ${mb(after)} MB`,
    });
  });

  it('4. a sequence that restarts is followed (counted); a device that goes silent is marked offline within 2 × heartbeat_ms', async () => {
    const dev = await evilDevice([[row('ok.temp', 'spmc_ring', 8)]]);
    devs.push(dev);
    const g = await startGateway(await config(dev.url, { heartbeat_ms: 500 }));
    const url = g.endpoints.aimx[0];
    const c = await legitClient(url, TOKEN);
    const seen: unknown[] = [];
    const statuses: Array<{ state: string; restarts?: number }> = [];
    c.client.subscribe('evil.ok.temp', { onUpdate: (u) => seen.push(u.value) });
    c.client.subscribe('evil.$status', { onUpdate: (u) => statuses.push(u.value as { state: string }) });
    await until(() => dev.connections > 0 && statuses.some((s) => s.state === 'online'), 5000, 'device online');
    await sleep(300);
    dev.event(1, { v: 1 });
    dev.event(2 ** 53 - 1, { v: 'max' });
    for (let i = 1; i <= 3; i++) dev.event(i, { v: 100 + i });
    await until(() => seen.some((v) => (v as { v: number }).v === 103), 5000, 'values after the restart');
    expect(seen.map((v) => (v as { v: unknown }).v)).to.deep.equal([1, 'max', 101, 102, 103]);
    // Silence: the link stays open, nothing answers.
    dev.silent = true;
    const t0 = Date.now();
    await until(() => statuses.length > 0 && statuses[statuses.length - 1].state !== 'online', 5000, 'offline');
    const offlineMs = Date.now() - t0;
    await c.close();
    expect(offlineMs).to.be.below(1000 + 300);
    expect(g.alive()).to.equal(true);
    const restartsLine = statuses.map((s) => s.restarts ?? 0);
    recordAttack('device-seq-and-silence', {
      item: 4,
      title: 'A device renumbers its events, then goes silent behind an open link',
      attack: 'events with seq 1, 2^53−1, then 1, 2, 3; then no answer to anything while the TCP link stays open (heartbeat_ms 500)',
      outcome: `every value after the restart delivered (${seen.length}/5); restart counted in the status record (restarts ${Math.max(0, ...restartsLine)}); marked offline ${offlineMs} ms after it went silent (bound 2 × heartbeat_ms = 1000 ms)`,
    });
  });
});
