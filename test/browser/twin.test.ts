/**
 * The browser twin end to end in headless Chromium: the page runs the ES5 core
 * (dist/aimdb-browser.js) with its own MQTT client over a WebSocket, observes the simulated ESP32's
 * temperature ring as a SingleLatest with a chart tap, and sends a Mailbox command the device acts
 * on. Once against the demo (aedes serving MQTT over WebSocket), once against mosquitto's
 * `protocol websockets` listener with the ESP32 bundle dialing mosquitto over TCP.
 * Saves artifacts/browser-twin.png.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDemo, type Demo } from '../../bridge/demo/demo.js';
import { startTwinPage, type TwinPage } from '../../bridge/browser/server.js';
import { bootBundle, type EspruinoSim } from '../../bridge/sim/espruino-sim.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DIST = path.join(process.cwd(), 'dist');
const SCREENSHOT = path.join(process.cwd(), 'artifacts', 'browser-twin.png');
const MOSQUITTO = fs.existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';

interface PageState {
  ready: boolean;
  error: string | null;
  temps: Array<{ v: number; t: number }>;
  ownership: Array<{ rule: string; refused: boolean; why?: string }>;
  runtime: string;
  records: Array<{ key: string; origin: string; bufferType: string; received: number; sent: number }>;
}

function pageState(page: Page): Promise<PageState> {
  return page.evaluate(() => {
    const t = (window as any).twin;
    return {
      ready: t.ready,
      error: t.error,
      temps: t.temps.map((p: any) => ({ v: p.v, t: p.t })),
      ownership: t.ownership,
      runtime: t.db ? t.db.runtimeName : '',
      records: t.db
        ? t.db.records().map((r: any) => ({
            key: r.key,
            origin: r.origin,
            bufferType: r.bufferType,
            received: r.links.reduce((n: number, l: any) => n + l.metrics.received, 0),
            sent: r.links.reduce((n: number, l: any) => n + l.metrics.sent, 0),
          }))
        : [],
    };
  });
}

async function openPage(url: string, errors: string[]): Promise<{ ctx: BrowserContext; page: Page; profile: string }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, viewport: { width: 1280, height: 1000 }, timeout: 30000 });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => (window as any).twin && ((window as any).twin.ready || (window as any).twin.error), undefined, { timeout: 10000 });
  return { ctx, page, profile };
}

/** Live values arrive, then a calibrate command shifts them by its offset: the device acted on it. */
async function liveAndCommand(page: Page, offset: number): Promise<{ before: number; after: number }> {
  await page.waitForFunction(() => (window as any).twin.temps.length >= 2, undefined, { timeout: 15000 });
  const s0 = await pageState(page);
  const before = s0.temps[s0.temps.length - 1].v;
  const n0 = s0.temps.length;
  await page.fill('#offset', String(offset));
  await page.click('#send-calibrate');
  // The sensor's curve moves < 0.1 °C per second; an offset of `offset` shows as a jump.
  await page.waitForFunction(
    ([n, b, off]) => {
      const ts = (window as any).twin.temps;
      const d = ts.length > n ? ts[ts.length - 1].v - b : 0;
      return off > 0 ? d > off * 0.8 : d < off * 0.8;
    },
    [n0, before, offset] as const,
    { timeout: 15000 },
  );
  const s1 = await pageState(page);
  return { before, after: s1.temps[s1.temps.length - 1].v };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function waitListening(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > until) reject(new Error(`nothing listens on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

describe('browser twin (headless Chromium)', function () {
  this.timeout(90000);

  before(function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.warn('chromium not installed at ' + CHROMIUM + ': run tools/setup.sh --system-only --browser');
      this.skip();
    }
    if (!fs.existsSync(path.join(DIST, 'aimdb-browser.js')) || !fs.existsSync(path.join(DIST, 'climate-sensor.esp32.js'))) {
      throw new Error('dist/ bundles missing: run make build first');
    }
  });

  describe('the demo: aedes serves MQTT over WebSocket', () => {
    let demo: Demo;
    let ctx: BrowserContext;
    let page: Page;
    let profile: string;
    const errors: string[] = [];
    const boardLines: string[] = [];

    before(async () => {
      demo = await startDemo({
        print: (l) => boardLines.push(l),
        mqttPort: 0,
        mqttWsPort: 0,
        twinPort: 0,
        aimxPort: 0,
        wsPort: 0,
        dashboardPort: 0,
        reportMs: 60000,
        commandMs: 60000,
      });
      ({ ctx, page, profile } = await openPage(demo.twin.url, errors));
    });

    after(async () => {
      if (ctx) await ctx.close();
      if (demo) await demo.stop();
      if (profile) fs.rmSync(profile, { recursive: true, force: true });
    });

    it('runs the core in the page with the browser runtime and the declared records', async () => {
      const s = await pageState(page);
      expect(s.error).to.equal(null);
      expect(s.runtime).to.equal('browser');
      const byKey = Object.fromEntries(s.records.map((r) => [r.key, r]));
      expect(byKey['climate.temp']).to.include({ bufferType: 'single_latest', origin: 'link' });
      expect(byKey['climate.hum']).to.include({ bufferType: 'single_latest', origin: 'link' });
      expect(byKey['climate.cmd']).to.include({ bufferType: 'mailbox', origin: 'source' });
    });

    it('enforces ownership: the page cannot write the device readings nor bypass its own command source', async () => {
      const s = await pageState(page);
      expect(s.ownership).to.have.length(2);
      for (const o of s.ownership) expect(o.refused, o.rule).to.equal(true);
      // Refused for the right reason: one authoritative producer per key.
      expect(s.ownership[0].why).to.match(/written by its source/);
      expect(s.ownership[1].why).to.match(/more than one kind of writer \(source, linkFrom\)/);
    });

    it('shows live values from the simulated board and the board acts on a command from the page', async () => {
      const { before, after } = await liveAndCommand(page, 10);
      expect(after - before).to.be.greaterThan(8);
      const s = await pageState(page);
      const temp = s.records.find((r) => r.key === 'climate.temp')!;
      const cmd = s.records.find((r) => r.key === 'climate.cmd')!;
      expect(temp.received).to.be.greaterThan(2);
      expect(cmd.sent).to.equal(1);
      // The device's own log says what it did (ESP32 firmware, simulated).
      expect(boardLines.some((l) => l.includes('calibrated: offset 10'))).to.equal(true);
      // The gateway's twin of the same ring saw the shifted value too: one record, two consumers.
      const db = demo.gateway.db!;
      const v = db.latest(db.findRecord('esp32.climate.temp')) as { v: number } | undefined;
      expect(v && v.v).to.be.greaterThan(before + 8);
      // Let the chart draw a few values after the jump, then keep the picture.
      await page.waitForTimeout(4000);
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(errors, errors.join('\n')).to.deep.equal([]);
    });
  });

  describe("mosquitto's websockets listener", () => {
    let mosq: ChildProcess;
    let dir: string;
    let esp32: EspruinoSim;
    let twin: TwinPage;
    let ctx: BrowserContext;
    let page: Page;
    let profile: string;
    const errors: string[] = [];
    const boardLines: string[] = [];

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-mosq-ws-'));
      const tcp = await freePort();
      const ws = await freePort();
      // Mosquitto 2.0 refuses to start with a websockets listener alone ("Unable to start any
      // listening sockets"): the TCP listener the board uses comes first.
      fs.writeFileSync(path.join(dir, 'm.conf'), `listener ${tcp} 127.0.0.1\nallow_anonymous true\nlistener ${ws} 127.0.0.1\nprotocol websockets\n`);
      mosq = spawn(MOSQUITTO, ['-c', path.join(dir, 'm.conf')], { stdio: 'ignore' });
      await waitListening(tcp, 5000);
      await waitListening(ws, 5000);
      const code = fs.readFileSync(path.join(DIST, 'climate-sensor.esp32.js'), 'utf8');
      esp32 = bootBundle(code, {
        board: 'ESP32',
        jsVars: 16383,
        time: 'real',
        wifi: { connectMs: 20 },
        storageFile: path.join(dir, 'esp32.json'),
        netRoute: (_h, port) => (port === 1883 ? { host: '127.0.0.1', port: tcp } : null),
        print: (l) => boardLines.push(l),
      });
      // A fast sampling interval, retained like the demo's operator does.
      const mqtt = (await import('mqtt')).default;
      const op = await mqtt.connectAsync(`mqtt://127.0.0.1:${tcp}`, { clientId: 'test-operator' });
      await op.publishAsync('climate/zone-a/config', JSON.stringify({ intervalMs: 500, tempOffset: 0 }), { qos: 1, retain: true });
      await op.endAsync();
      twin = await startTwinPage({ mqttWs: `ws://127.0.0.1:${ws}/mqtt`, zone: 'climate/zone-a', port: 0 });
      ({ ctx, page, profile } = await openPage(twin.url, errors));
    });

    after(async () => {
      if (ctx) await ctx.close();
      if (twin) await twin.close();
      if (esp32) {
        esp32.kill();
        esp32.dispose();
      }
      if (mosq) mosq.kill('SIGTERM');
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      if (profile) fs.rmSync(profile, { recursive: true, force: true });
    });

    it('shows live values and the board acts on a command, through mosquitto', async () => {
      const { before, after } = await liveAndCommand(page, -6);
      expect(after - before).to.be.lessThan(-4.8);
      expect(boardLines.some((l) => l.includes('calibrated: offset -6'))).to.equal(true);
      expect(errors, errors.join('\n')).to.deep.equal([]);
    });
  });
});
