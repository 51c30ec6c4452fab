/**
 * The dashboard in headless Chromium draws each record's stored history when the page opens:
 * values produced before the page existed appear in the sparkline with no new value arriving.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { connectAimx } from '../../bridge/aimx/index.js';
import { checkConfig } from '../../bridge/gateway/config.js';
import { Gateway } from '../../bridge/gateway/gateway.js';
import { device, Pos, simulatedLine, waitFor } from '../gateway/support.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('dashboard history (headless Chromium)', function () {
  this.timeout(60000);
  let dir: string;
  let dev: ReturnType<typeof device>;
  let gw: Gateway;
  let ctx: BrowserContext | undefined;
  let profile: string;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.warn('chromium not installed at ' + CHROMIUM + ': run tools/setup.sh --system-only --browser');
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-dash-h-'));
    dev = device();
    const line = simulatedLine(dev.db);
    gw = new Gateway(
      checkConfig({
        node_id: 'edge-d',
        embedded_broker: { port: 0 },
        devices: [{ name: 'pico', transport: 'sim://pico' }],
        remote: { tcp: '127.0.0.1:0' },
        dashboard: { host: '127.0.0.1', port: 0 },
        history: { path: path.join(dir, 'h.db'), flush_ms: 20 },
        log: { level: 'error' },
      }),
      { simulators: { pico: line.open }, onLog: () => {} },
    );
    await gw.start();
    await gw.ready();
    for (let i = 0; i < 40; i++) dev.db.set(Pos, { mm: 100 + 10 * Math.sin(i / 4) });
    await waitFor(() => gw.history!.stats.stored >= 40, 5000, 'stored');
  });

  after(async () => {
    if (ctx) await ctx.close();
    if (gw) await gw.stop();
    if (dev) dev.db.stop();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws the stored values of a record in its sparkline as soon as the page opens', async function () {
    const c = await connectAimx(gw.endpoints().aimx[0], { client: 'probe' });
    try {
      await c.call('record.query', { name: 'pico.#', limit: 1 });
    } catch (e) {
      // An AimX server without the record.query dispatch answers not_found for the method.
      if ((e as { details?: { wire?: string } }).details?.wire === 'not_found') return this.skip();
      throw e;
    } finally {
      await c.close();
    }
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, viewport: { width: 1400, height: 1000 }, timeout: 30000 });
    const page = await ctx.newPage();
    await page.goto(gw.endpoints().dashboard!);
    const sel = 'svg[data-spark="pico.actuator.position"] path[data-series="mm"]';
    // No value is produced after the page opened: 40 points can only come from the store.
    await page.waitForFunction((s) => (document.querySelector(s)?.getAttribute('d') || '').split('L').length >= 40, sel, { timeout: 10000 });
    const points = await page.$eval(sel, (e) => (e.getAttribute('d') || '').split('L').length);
    expect(points).to.equal(40);
    expect(dev.db.records().find((r) => r.key === 'actuator.position')!.metrics.produced).to.equal(40);
  });
});
