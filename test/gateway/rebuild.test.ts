/**
 * A rebuild that fails (here: the broker CA file the new connector must read has gone) leaves the
 * previous twin database and its endpoints serving, and is counted; the process carries on.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAimx } from '../../bridge/aimx/index.js';
import { startEmbeddedBroker } from '../../bridge/gateway/broker.js';
import { checkConfig } from '../../bridge/gateway/config.js';
import { Gateway } from '../../bridge/gateway/gateway.js';
import { St, device, simulatedLine } from './support.js';

describe('gateway rebuild', function () {
  this.timeout(20000);

  it('keeps the previous database serving when the new one cannot be built', async () => {
    const broker = await startEmbeddedBroker('127.0.0.1', 0);
    const dir = mkdtempSync(join(tmpdir(), 'aimdb-rebuild-'));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, 'not used on mqtt://, but read at every build\n');
    const dev = device();
    const line = simulatedLine(dev.db);
    const logs: string[] = [];
    const gw = new Gateway(
      checkConfig({ node_id: 'edge-r', broker: { url: broker.url, ca }, devices: [{ name: 'pico', transport: 'sim://pico' }], remote: { tcp: '127.0.0.1:0' }, log: { level: 'warn' }, ownership: { enabled: false } }),
      { simulators: { pico: line.open }, onLog: (r) => logs.push(r.message) },
    );
    try {
      await gw.start();
      const url = gw.endpoints().aimx[0];
      const db = gw.db;
      rmSync(ca);
      await gw.rebuild();
      expect(gw.failedRebuilds).to.equal(1);
      expect(gw.db).to.equal(db);
      expect(logs.some((m) => m.includes('the previous one keeps serving'))).to.equal(true);
      dev.db.set(St, { open: true });
      const c = await connectAimx(url);
      try {
        const keys = ((await c.listRecords()) as Array<{ record_key?: string; name?: string }>).map((r) => r.record_key ?? r.name);
        expect(keys).to.include('pico.actuator.state');
      } finally {
        await c.close();
      }
    } finally {
      await gw.stop();
      dev.db.stop();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
