/**
 * The dashboard end to end in headless Chromium (Debian's `chromium`, installed by
 * `tools/setup.sh --browser`): a real-time database (Node adapter, 50 ms sources) served by
 * `startDashboard`, the page driven by playwright-core. Saves `artifacts/dashboard.png`.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { nodeRuntime } from '../../targets/node/index.js';
import { startDashboard, type Dashboard } from '../../bridge/dashboard/index.js';
import type { Database } from '../../core/index.js';
import { dashboardDb, loopbackConnector } from './fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOT = path.join(process.cwd(), 'artifacts', 'dashboard.png');

describe('bridge/dashboard (headless Chromium)', function () {
  this.timeout(60000);
  let db: Database;
  let dash: Dashboard;
  let ctx: BrowserContext;
  let page: Page;
  let profile: string;
  const pageErrors: string[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      // Only when Chromium is absent: `make test` installs it first (tools/setup.sh --browser).
      console.warn('chromium not installed at ' + CHROMIUM + ': run tools/setup.sh --system-only --browser');
      this.skip();
    }
    db = dashboardDb(nodeRuntime({ level: 'error' }), loopbackConnector(150), { periodMs: 50 });
    db.start();
    dash = await startDashboard({
      db,
      port: 0,
      host: '127.0.0.1',
      pollMs: 300,
      devices: [
        { id: 'esp32-a', name: 'esp32-a (climate)', online: true, transport: 'serial', lastSeen: Date.now() - 1500, records: 4, detail: 'espruino 2v25' },
        { id: 'pico-b', online: false, transport: 'mqtt', lastSeen: Date.now() - 600000, records: 2, detail: 'last will received' },
      ],
    });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, viewport: { width: 1400, height: 1000 }, timeout: 30000 });
    page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(dash.url);
    await page.waitForSelector('#conn[data-state="open"]', { timeout: 10000 });
  });

  after(async () => {
    if (ctx) await ctx.close();
    if (dash) await dash.close();
    if (db) db.stop();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  it('draws every record as a graph node with its buffer type and origin', async () => {
    await page.waitForSelector('#graph [data-node="alarm.state"]');
    const nodes = await page.$$eval('#graph [data-node]', (els) => els.map((e) => [e.getAttribute('data-node'), e.getAttribute('data-buffer'), e.getAttribute('data-origin')]));
    expect(nodes).to.have.deep.members([
      ['sensor.temp', 'spmc_ring', 'source'],
      ['sensor.count', 'single_latest', 'source'],
      ['sensor.avg', 'single_latest', 'transform'],
      ['weather.outdoor', 'spmc_ring', 'link'],
      ['alarm.state', 'mailbox', 'transformJoin'],
      ['app.setpoint', 'single_latest', 'passive'],
    ]);
  });

  it('draws one edge per stage, styled by kind', async () => {
    const kinds = await page.$$eval('#graph path.edge', (els) => els.map((e) => e.getAttribute('data-kind')).sort());
    expect(kinds).to.deep.equal(['link', 'linkOut', 'source', 'source', 'tap', 'transform', 'transformJoin', 'transformJoin']);
    const ends = await page.$$eval('#graph [data-end]', (els) => els.map((e) => e.querySelector('text')!.childNodes[0].textContent).sort());
    expect(ends).to.deep.equal(['mqtt://site/temp', 'mqtt://weather/outdoor', '▶ source', '▶ source', '◉ tap #0']);
  });

  it('shows a live value that changes, in the card and in the graph node', async () => {
    const sel = '[data-value="sensor.temp"]';
    await page.waitForFunction((s) => /celsius/.test(document.querySelector(s)!.textContent || ''), sel);
    const first = await page.textContent(sel);
    await page.waitForFunction(([s, t]) => document.querySelector(s)!.textContent !== t, [sel, first] as const, { timeout: 5000 });
    expect(await page.textContent(sel)).to.match(/^celsius \d+(\.\d+)? · rh \d+(\.\d+)?$/);
    expect(await page.textContent('[data-node-value="sensor.count"]')).to.match(/^\d+$/);
    // The Mailbox record is peeked with record.get (a subscription would take its values).
    await page.waitForFunction(() => /^"(ok|cold-outside|hot)"$/.test(document.querySelector('[data-value="alarm.state"]')!.textContent || ''), undefined, { timeout: 5000 });
  });

  it('shows buffer metrics that grow: produced, consumed, occupancy/capacity, rate', async () => {
    const produced = async () => Number((await page.textContent('[data-record="sensor.temp"] [data-metric="produced"]'))!.replace(/,/g, ''));
    const a = await produced();
    await page.waitForFunction((n) => Number(document.querySelector('[data-record="sensor.temp"] [data-metric="produced"]')!.textContent!.replace(/,/g, '')) > n, a, { timeout: 5000 });
    expect(await produced()).to.be.greaterThan(a);
    expect(Number(await page.textContent('[data-record="sensor.temp"] [data-metric="consumed"]'))).to.be.greaterThan(0);
    expect(await page.textContent('[data-record="sensor.temp"] [data-metric="occupancy"]')).to.match(/^\d+\/16$/);
    expect(await page.textContent('[data-record="sensor.count"] [data-metric="occupancy"]')).to.equal('1/1');
    await page.waitForFunction(() => Number(document.querySelector('[data-record="sensor.temp"] [data-metric="rate"]')!.textContent) > 5, undefined, { timeout: 5000 });
  });

  it('draws sparklines for numeric records (one path per numeric field)', async () => {
    await page.waitForFunction(() => (document.querySelector('svg[data-spark="sensor.temp"] path[data-series="celsius"]')?.getAttribute('d') || '').split('L').length > 5, undefined, { timeout: 5000 });
    const series = await page.$$eval('svg[data-spark="sensor.temp"] path', (els) => els.map((e) => [e.getAttribute('data-series'), /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+$/.test(e.getAttribute('d') || '')]));
    expect(series).to.deep.equal([
      ['celsius', true],
      ['rh', true],
    ]);
    expect(await page.$$eval('svg[data-spark="sensor.count"] path', (els) => els.map((e) => e.getAttribute('data-series')))).to.deep.equal(['value']);
    expect(await page.$$('svg[data-spark="alarm.state"] path')).to.have.length(0);
  });

  it('lists link counters and device status', async () => {
    await page.waitForFunction(() => Number(document.querySelector('[data-link="sensor.temp out mqtt://site/temp"] td:nth-child(4)')?.textContent?.replace(/,/g, '')) > 0, undefined, { timeout: 5000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-link="weather.outdoor in mqtt://weather/outdoor"] td:nth-child(5)')?.textContent?.replace(/,/g, '')) > 0, undefined, { timeout: 5000 });
    const devices = await page.$$eval('#devices [data-device]', (els) => els.map((e) => [e.getAttribute('data-device'), e.getAttribute('data-online')]));
    expect(devices).to.deep.equal([
      ['esp32-a', 'true'],
      ['pico-b', 'false'],
    ]);
    dash.setDevices([{ id: 'esp32-c', online: true, transport: 'tcp' }]);
    await page.waitForSelector('#devices [data-device="esp32-c"]', { timeout: 5000 });
  });

  it('counts no seq gaps, logs no page errors, and saves a screenshot', async () => {
    expect(await page.textContent('#stat-gaps')).to.equal('0');
    expect(Number((await page.textContent('#stat-events'))!.replace(/,/g, ''))).to.be.greaterThan(10);
    dash.setDevices([
      { id: 'esp32-a', name: 'esp32-a (climate)', online: true, transport: 'serial', lastSeen: Date.now() - 1500, records: 4, detail: 'espruino 2v25' },
      { id: 'pico-b', online: false, transport: 'mqtt', lastSeen: Date.now() - 600000, records: 2, detail: 'last will received' },
    ]);
    await page.waitForSelector('#devices [data-device="pico-b"]', { timeout: 5000 });
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.statSync(SCREENSHOT).size).to.be.greaterThan(20000);
    expect(pageErrors).to.deep.equal([]);
  });
});
