import { expect } from 'chai';
import { WebSocket } from 'ws';
import { builder, key, manualRuntime, singleLatest } from '../../core/index.js';
import { normalizeDevice, startDashboard, type Dashboard } from '../../bridge/dashboard/index.js';
import { dashboardDb, loopbackConnector } from './fixture.js';
import { parsePrometheus } from './promparse.js';

/** Opens a WebSocket and collects parsed frames; resolves once open (or rejects with the HTTP status). */
function wsOpen(url: string, origin?: string): Promise<{ ws: WebSocket; frames: any[]; next(pred: (f: any) => boolean): Promise<any> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    const frames: any[] = [];
    const waiters: Array<{ pred: (f: any) => boolean; resolve: (f: any) => void }> = [];
    ws.on('message', (d) => {
      const f = JSON.parse(String(d));
      frames.push(f);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].pred(f)) {
          waiters[i].resolve(f);
          waiters.splice(i, 1);
        }
      }
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error('HTTP ' + res.statusCode)));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        frames,
        next(pred) {
          const seen = frames.find(pred);
          if (seen) return Promise.resolve(seen);
          return new Promise((res, rej) => {
            waiters.push({ pred, resolve: res });
            setTimeout(() => rej(new Error('no matching frame within 2 s')), 2000).unref();
          });
        },
      }),
    );
  });
}

describe('bridge/dashboard (HTTP)', () => {
  const rt = manualRuntime();
  const conn = loopbackConnector();
  const db = dashboardDb(rt, conn, { periodMs: 100 });
  let dash: Dashboard;
  let base: string;

  before(async () => {
    db.start();
    rt.advance(300);
    conn.deliver('12');
    rt.runUntilIdle();
    dash = await startDashboard({ db, port: 0, host: '127.0.0.1', devices: [{ id: 'esp32-a', online: true, transport: 'serial', lastSeen: 1700000000000 }] });
    base = dash.url;
  });

  after(async () => {
    await dash.close();
    db.stop();
  });

  describe('startDashboard', () => {
    it('listens on 127.0.0.1 with an OS-chosen port and reports its URLs', () => {
      expect(dash.port).to.be.greaterThan(0);
      expect(dash.url).to.equal(`http://127.0.0.1:${dash.port}/`);
      expect(dash.wsUrl).to.equal(`ws://127.0.0.1:${dash.port}/aimx`);
    });

    it('serves the page and its assets with their content types', async () => {
      const page = await fetch(base);
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-type')).to.equal('text/html; charset=utf-8');
      const html = await page.text();
      expect(html).to.contain('<script type="module" src="/app.js"></script>');
      for (const [path, type] of [
        ['/app.js', 'text/javascript; charset=utf-8'],
        ['/aimx.js', 'text/javascript; charset=utf-8'],
        ['/graph.js', 'text/javascript; charset=utf-8'],
        ['/spark.js', 'text/javascript; charset=utf-8'],
        ['/style.css', 'text/css; charset=utf-8'],
        ['/favicon.svg', 'image/svg+xml'],
      ]) {
        const r = await fetch(base + path.slice(1));
        expect(r.status, path).to.equal(200);
        expect(r.headers.get('content-type'), path).to.equal(type);
        expect((await r.arrayBuffer()).byteLength, path).to.be.greaterThan(100);
      }
    });

    it('serves /config.json pointing the page at its own /aimx endpoint', async () => {
      const cfg = await (await fetch(base + 'config.json')).json();
      expect(cfg).to.deep.equal({ title: 'AimDB edge-test', wsUrl: null, wsPath: '/aimx', pollMs: 1000, historyLength: 120 });
    });

    it('serves /api/status with devices, link counters and scheduler figures', async () => {
      const st: any = await (await fetch(base + 'api/status')).json();
      expect(st.node).to.equal('edge-test');
      expect(st.runtime).to.equal('host');
      expect(st.devices).to.deep.equal([{ id: 'esp32-a', online: true, transport: 'serial', lastSeen: 1700000000000 }]);
      expect(st.links).to.deep.equal([
        { record: 'sensor.temp', direction: 'out', url: 'mqtt://site/temp', sent: 3, received: 0, decodeErrors: 0, encodeErrors: 0, dropped: 0, queued: 0, gaps: 0 },
        { record: 'weather.outdoor', direction: 'in', url: 'mqtt://weather/outdoor', sent: 0, received: 1, decodeErrors: 0, encodeErrors: 0, dropped: 0, queued: 0, gaps: 0 },
      ]);
      expect(st.scheduler.queued).to.equal(0);
      expect(st.joins).to.deep.equal([{ key: 'alarm.state', handled: 4, stalls: 0 }]);
      expect(st.aimx).to.deep.equal({ sessions: 0, refused: 0 });
    });

    it('replaces the device list with setDevices', async () => {
      dash.setDevices([{ id: 'pico-b', online: false, transport: 'mqtt' }]);
      const st: any = await (await fetch(base + 'api/status')).json();
      expect(st.devices).to.deep.equal([{ id: 'pico-b', online: false, transport: 'mqtt' }]);
      const text = await (await fetch(base + 'metrics')).text();
      expect(text).to.contain('aimdb_device_up{device="pico-b",transport="mqtt"} 0\n');
      dash.setDevices([{ id: 'esp32-a', online: true, transport: 'serial', lastSeen: 1700000000000 }]);
    });

    it('serves Prometheus /metrics in the 0.0.4 text format, process gauges included', async () => {
      const r = await fetch(base + 'metrics');
      expect(r.status).to.equal(200);
      expect(r.headers.get('content-type')).to.equal('text/plain; version=0.0.4; charset=utf-8');
      const families = parsePrometheus(await r.text());
      const names = families.map((f) => f.name);
      expect(names).to.include.members(['aimdb_record_produced_total', 'aimdb_link_sent_total', 'aimdb_device_up', 'aimdb_aimx_sessions', 'process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_eventloop_delay_p99_seconds']);
      const produced = families.find((f) => f.name === 'aimdb_record_produced_total')!;
      expect(produced.samples[0]).to.deep.equal({ name: 'aimdb_record_produced_total', labels: { record: 'sensor.temp', buffer: 'spmc_ring' }, value: 3 });
    });

    it('answers HEAD without a body, 405 to other methods, 404 to unknown paths and escapes', async () => {
      const head = await fetch(base + 'metrics', { method: 'HEAD' });
      expect(head.status).to.equal(200);
      expect(await head.text()).to.equal('');
      expect((await fetch(base + 'config.json', { method: 'POST', body: 'x' })).status).to.equal(405);
      expect((await fetch(base + 'metrics', { method: 'DELETE' })).status).to.equal(405);
      expect((await fetch(base + 'nope')).status).to.equal(404);
      expect((await fetch(base + '..%2Fpackage.json')).status).to.equal(404);
      expect((await fetch(base + 'public/app.js')).status).to.equal(404);
    });
  });

  describe('the /aimx WebSocket endpoint', () => {
    it('speaks AimX v3: hello, record.list, graph.topo_order and a "#" subscription with snapshots and events', async () => {
      const c = await wsOpen(dash.wsUrl);
      c.ws.send(JSON.stringify({ t: 'req', id: 1, method: 'hello', params: { version: '3.0', client: 'test' } }));
      const hello = await c.next((f) => f.t === 'reply' && f.id === 1);
      expect(hello.ok.version).to.equal('3.0');
      expect(hello.ok.node_id).to.equal('edge-test');
      c.ws.send(JSON.stringify({ t: 'req', id: 2, method: 'record.list', params: {} }));
      const list = await c.next((f) => f.t === 'reply' && f.id === 2);
      expect(list.ok.map((r: any) => [r.record_key, r.buffer_type])).to.deep.equal([
        ['sensor.temp', 'spmc_ring'],
        ['sensor.count', 'single_latest'],
        ['sensor.avg', 'single_latest'],
        ['weather.outdoor', 'spmc_ring'],
        ['alarm.state', 'mailbox'],
        ['app.setpoint', 'single_latest'],
      ]);
      c.ws.send(JSON.stringify({ t: 'req', id: 3, method: 'graph.topo_order', params: {} }));
      expect((await c.next((f) => f.t === 'reply' && f.id === 3)).ok).to.deep.equal(['sensor.temp', 'sensor.count', 'sensor.avg', 'weather.outdoor', 'alarm.state', 'app.setpoint']);
      c.ws.send(JSON.stringify({ t: 'sub', id: 4, topic: '#' }));
      const last = await c.next((f) => f.t === 'snap' && f.last === true);
      const snaps = c.frames.filter((f) => f.t === 'snap');
      expect(snaps.map((f) => [f.seq, f.topic])).to.deep.equal([
        [1, 'sensor.temp'],
        [2, 'sensor.count'],
        [3, 'sensor.avg'],
        [4, 'weather.outdoor'],
      ]);
      expect(last.seq).to.equal(4);
      rt.advance(100);
      const ev = await c.next((f) => f.t === 'event' && f.topic === 'sensor.temp');
      expect(ev.seq).to.be.greaterThan(4);
      expect(ev.data).to.have.keys(['celsius', 'rh']);
      c.ws.close();
    });

    it('refuses a browser Origin from another site (403) and upgrades on other paths (404)', async () => {
      let err = await wsOpen(dash.wsUrl, 'http://evil.example').then(
        () => null,
        (e: Error) => e,
      );
      expect(String(err)).to.contain('HTTP 403');
      const own = await wsOpen(dash.wsUrl, `http://127.0.0.1:${dash.port}`);
      own.ws.close();
      err = await wsOpen(`ws://127.0.0.1:${dash.port}/other`).then(
        () => null,
        (e: Error) => e,
      );
      expect(String(err)).to.contain('HTTP 404');
    });
  });

  describe('with wsUrl', () => {
    it('points the page at the given endpoint and mounts no WebSocket of its own', async () => {
      const other = await startDashboard({ db, port: 0, wsUrl: 'ws://gateway.local:9001/aimx', devices: { record: 'app.setpoint' } });
      try {
        expect(other.wsUrl).to.equal('ws://gateway.local:9001/aimx');
        const cfg: any = await (await fetch(other.url + 'config.json')).json();
        expect(cfg.wsUrl).to.equal('ws://gateway.local:9001/aimx');
        const err = await wsOpen(`ws://127.0.0.1:${other.port}/aimx`).then(
          () => null,
          (e: Error) => e,
        );
        expect(err).to.be.an('error');
        // A devices record whose value is not a list shows no devices.
        const st: any = await (await fetch(other.url + 'api/status')).json();
        expect(st.devices).to.deep.equal([]);
        expect(st.aimx).to.equal(null);
      } finally {
        await other.close();
      }
    });
  });

  describe('device sources', () => {
    it('reads the gateway status twins matching a pattern ({device, state, since, …} shape)', async () => {
      const Status = key<unknown>('pico.$status', 'DeviceStatus');
      const Other = key<unknown>('esp.$status', 'DeviceStatus');
      const twins = builder(manualRuntime())
        .configure(Status, (r) => r.buffer(singleLatest()))
        .configure(Other, (r) => r.buffer(singleLatest()))
        .build();
      twins.start();
      twins.set(Status, { device: 'pico', state: 'offline', since: 1700000000000, records: 3, reconnects: 2, error: 'ENOENT /dev/ttyACM0' });
      twins.set(Other, { device: 'esp', state: 'online', since: 1700000000000, records: 5, reconnects: 0, node: 'esp-1' });
      const d = await startDashboard({ db: twins, port: 0, devices: { pattern: '*.$status' } });
      try {
        const st: any = await (await fetch(d.url + 'api/status')).json();
        expect(st.devices.map((x: any) => [x.id, x.online, x.records, x.detail])).to.deep.equal([
          ['pico', false, 3, 'offline · ENOENT /dev/ttyACM0 · 2 reconnects'],
          ['esp', true, 5, 'node esp-1'],
        ]);
        expect(st.devices[0].lastSeen).to.equal(1700000000000);
        const text = await (await fetch(d.url + 'metrics')).text();
        expect(text).to.contain('aimdb_device_up{device="pico",transport=""} 0\n');
        expect(text).to.contain('aimdb_device_up{device="esp",transport=""} 1\n');
      } finally {
        await d.close();
        twins.stop();
      }
    });

    it('normalizeDevice keeps the dashboard shape, converts the gateway shape, refuses anything else', () => {
      expect(normalizeDevice({ id: 'a', online: true })).to.deep.equal({ id: 'a', online: true });
      expect(normalizeDevice({ device: 'b', state: 'connecting', since: 5, records: 0, reconnects: 0 })).to.deep.equal({ id: 'b', online: false, lastSeen: 5, records: 0, detail: 'connecting' });
      for (const bad of [null, 3, 'x', [], { id: 1 }, { device: 'c' }]) expect(normalizeDevice(bad)).to.equal(undefined);
    });

    it('shows no devices when a provider throws', async () => {
      const d = await startDashboard({
        db,
        port: 0,
        devices: () => {
          throw new Error('boom');
        },
      });
      try {
        const st: any = await (await fetch(d.url + 'api/status')).json();
        expect(st.devices).to.deep.equal([]);
        expect((await fetch(d.url + 'metrics')).status).to.equal(200);
      } finally {
        await d.close();
      }
    });
  });
});
