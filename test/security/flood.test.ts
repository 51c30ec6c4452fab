/**
 * Attacks on the AimX endpoints by clients without the token (and one with it that never reads):
 * memory exhaustion by unanswered error replies, lock-out by silent connections, token guessing.
 * Each runs against a real `aimdb edge` process on loopback; a legitimate client from another
 * loopback address (127.0.0.2) must be served throughout.
 */
import { expect } from 'chai';
import net from 'node:net';
import { WebSocket } from 'ws';
import { AimxConnection, connectAimx } from '../../bridge/aimx/client.js';
import { lengthPrefixed } from '../../bridge/aimx/framing.js';
import { legitClient, mb, recordAttack, servedThroughout, sleep, startGateway, stopAll, tcpAddr, until, type GatewayProc } from './harness.js';

const TOKEN = 'sec-token-7f3a9c';

function config(extra: { [k: string]: unknown } = {}) {
  return {
    node_id: 'edge-sec',
    embedded_broker: { port: 0 },
    remote: { tcp: '127.0.0.1:0', ws: '127.0.0.1:0', token: TOKEN, ...extra },
    dashboard: { port: 0 },
    log: { level: 'info' },
  };
}

/** Connects from 127.0.0.1 (the attacker's address). */
function attackerSocket(url: string): Promise<net.Socket> {
  const { host, port } = tcpAddr(url);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, localAddress: '127.0.0.1' });
    s.once('error', reject);
    s.once('connect', () => resolve(s));
  });
}

/**
 * Writes `frame` repeatedly (never reading) until `totalBytes` are written, the gateway closes the
 * connection, or `ms` pass; the kernel's buffers fill once the gateway stops reading, so writes are
 * paced by 'drain'. Samples the gateway's RSS as it goes.
 */
async function flood(socket: net.Socket, frame: Buffer, totalBytes: number, ms: number, g: GatewayProc): Promise<{ written: number; closedByServer: boolean; peakRss: number }> {
  const chunk = Buffer.concat(Array.from({ length: Math.max(1, Math.floor(65536 / frame.length)) }, () => frame));
  let written = 0;
  let closed = false;
  let peakRss = g.rss();
  socket.on('close', () => (closed = true));
  socket.on('error', () => (closed = true));
  socket.pause();
  const end = Date.now() + ms;
  while (!closed && written < totalBytes && Date.now() < end) {
    const ok = socket.write(chunk);
    written += chunk.length;
    if (!ok) {
      let onDrain = () => {};
      await Promise.race([new Promise<void>((r) => socket.once('drain', (onDrain = r))), sleep(100)]);
      socket.off('drain', onDrain);
    }
    if ((written & 0xfffff) < chunk.length) peakRss = Math.max(peakRss, g.rss());
  }
  // The attack is over: read again, so that a close by the gateway (FIN or RST) is noticed.
  socket.resume();
  socket.on('data', () => {});
  const settle = Date.now() + 3000;
  while (!closed && Date.now() < settle) {
    peakRss = Math.max(peakRss, g.rss());
    await sleep(50);
  }
  peakRss = Math.max(peakRss, g.rss());
  return { written, closedByServer: closed, peakRss };
}

describe('security: AimX endpoints under attack', function () {
  this.timeout(90000);
  afterEach(stopAll);

  it('1. empty frames before login, never reading (TCP): the session is closed, memory stays bounded', async () => {
    const g = await startGateway(config());
    const url = g.endpoints.aimx[0];
    const before = g.rss();
    const empty = Buffer.from([0, 0, 0, 0]);
    let res!: Awaited<ReturnType<typeof flood>>;
    const legit = await servedThroughout(url, TOKEN, (async () => {
      // Several connections in turn, 12 MB in all: what grew the old gateway by ~700 MB.
      let total = 0;
      let peak = before;
      let closedAll = true;
      for (let i = 0; i < 4; i++) {
        const s = await attackerSocket(url);
        const r = await flood(s, empty, 3 << 20, 8000, g);
        total += r.written;
        peak = Math.max(peak, r.peakRss);
        closedAll = closedAll && r.closedByServer;
        s.destroy();
      }
      res = { written: total, closedByServer: closedAll, peakRss: peak };
    })());
    await sleep(500);
    const after = g.rss();
    expect(g.alive(), 'gateway alive').to.equal(true);
    expect(res.closedByServer, 'flooding sessions closed by the gateway').to.equal(true);
    expect(res.peakRss - before, 'RSS growth during the flood').to.be.below(64 << 20);
    expect(legit.served, 'legitimate client served throughout').to.equal(legit.tried);
    recordAttack('flood-prelogin-tcp', {
      item: 1,
      title: 'Empty frames before login over TCP, never reading',
      attack: `4 connections from one address each send 4-byte empty frames until closed (${mb(res.written)} MB written in all) and never read`,
      outcome: `each session closed by the gateway after ${16} frames before login; gateway alive`,
      rss: { before: mb(before), during: mb(res.peakRss), after: mb(after) },
      legit,
    });
  });

  it('1. empty frames before login over WebSocket, never reading: closed, memory bounded', async () => {
    const g = await startGateway(config());
    const url = g.endpoints.aimx[1] + '?v=3.0';
    expect(url).to.match(/^ws:/);
    const before = g.rss();
    let peak = before;
    let closed = 0;
    let sent = 0;
    const legit = await servedThroughout(g.endpoints.aimx[0], TOKEN, (async () => {
      for (let i = 0; i < 4; i++) {
        const ws = new WebSocket(url, { localAddress: '127.0.0.1' });
        await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
        // Never read: the client's socket stops reading, so the gateway's replies pile up there.
        (ws as unknown as { _socket: net.Socket })._socket.pause();
        let isClosed = false;
        ws.on('close', () => (isClosed = true));
        ws.on('error', () => (isClosed = true));
        const end = Date.now() + 2500;
        while (!isClosed && Date.now() < end) {
          for (let k = 0; k < 2000 && !isClosed; k++) ws.send('');
          sent += 2000;
          peak = Math.max(peak, g.rss());
          await sleep(5);
        }
        (ws as unknown as { _socket: net.Socket })._socket.resume();
        await until(() => isClosed, 3000, 'ws closed').catch(() => undefined);
        if (isClosed) closed++;
        ws.terminate();
      }
    })());
    await sleep(500);
    const after = g.rss();
    expect(g.alive()).to.equal(true);
    expect(closed, 'every flooding WebSocket closed by the gateway').to.equal(4);
    expect(peak - before).to.be.below(64 << 20);
    expect(legit.served).to.equal(legit.tried);
    recordAttack('flood-prelogin-ws', {
      item: 1,
      title: 'Empty messages before login over WebSocket, never reading',
      attack: `4 WebSockets from one address send empty messages (${sent} queued by the client in 2.5 s each) and never read`,
      outcome: `${closed}/4 closed by the gateway before login; gateway alive`,
      rss: { before: mb(before), during: mb(peak), after: mb(after) },
      legit,
    });
  });

  it('1. a logged-in client that floods requests and never reads: reading pauses, output stays bounded', async () => {
    const g = await startGateway(config());
    const url = g.endpoints.aimx[0];
    const before = g.rss();
    // Log in properly, then stop reading and send `record.list` requests without end.
    const s = await attackerSocket(url);
    s.write(lengthPrefixed(JSON.stringify({ t: 'req', id: 1, method: 'hello', params: { version: '3.0', client: 'x', token: TOKEN } })));
    await sleep(200);
    const frames: Buffer[] = [];
    for (let i = 0; i < 500; i++) frames.push(lengthPrefixed(JSON.stringify({ t: 'req', id: 2 + i, method: 'record.list' })));
    const frame = Buffer.concat(frames);
    let res!: Awaited<ReturnType<typeof flood>>;
    const legit = await servedThroughout(url, TOKEN, (async () => {
      res = await flood(s, frame, 24 << 20, 10000, g);
    })());
    s.destroy();
    await sleep(500);
    const after = g.rss();
    expect(g.alive()).to.equal(true);
    // Either it stopped reading (the writes stalled well short of 24 MB) or it closed the session.
    expect(res.closedByServer || res.written < 24 << 20, 'reading paused or session closed').to.equal(true);
    expect(res.peakRss - before).to.be.below(64 << 20);
    expect(legit.served).to.equal(legit.tried);
    recordAttack('flood-loggedin-noread', {
      item: 1,
      title: 'A logged-in client floods requests and never reads the replies',
      attack: `one session sends record.list requests for 10 s (${mb(res.written)} MB accepted by the kernel before it stalled) and never reads`,
      outcome: res.closedByServer ? 'session closed past the output hard limit' : 'the gateway stopped reading past the output high-water mark (the attacker\'s writes stalled)',
      rss: { before: mb(before), during: mb(res.peakRss), after: mb(after) },
      legit,
    });
  });

  it('2. forty silent connections: logged-in clients, other transports and the dashboard keep working; the silent ones are closed at the login deadline', async () => {
    const g = await startGateway(config({ login_timeout_ms: 1500 }));
    const url = g.endpoints.aimx[0];
    const silent: net.Socket[] = [];
    let closedByServer = 0;
    let refused = 0;
    for (let i = 0; i < 40; i++) {
      const s = await attackerSocket(url);
      s.on('data', (b) => {
        if (b.toString().includes('too_many_connections')) refused++;
      });
      s.on('close', () => closedByServer++);
      s.on('error', () => {});
      silent.push(s);
    }
    const t0 = Date.now();
    // While they are open: a client over TCP, one over WebSocket, and the dashboard.
    const tcp = await legitClient(url, TOKEN).catch((e: Error) => e);
    const ws = await connectAimx(g.endpoints.aimx[1], { token: TOKEN }).catch((e: Error) => e);
    const dashWs = await connectAimx(g.endpoints.dashboard!.replace(/^http/, 'ws') + 'aimx', { token: TOKEN }).catch((e: Error) => e);
    const status = await fetch(g.endpoints.dashboard + 'api/status', { headers: { authorization: 'Bearer ' + TOKEN } });
    for (const c of [tcp, ws, dashWs]) {
      expect(c, 'legitimate client connected').not.to.be.instanceOf(Error);
      await (c as AimxConnection).close();
    }
    expect(status.status).to.equal(200);
    await until(() => closedByServer === 40, 6000, 'the silent connections closed');
    const closedAfterMs = Date.now() - t0;
    for (const s of silent) s.destroy();
    await sleep(200);
    const refusalLines = g.log.filter((l) => /refused|too_many|connection limits/.test(l)).length;
    expect(g.alive()).to.equal(true);
    expect(refusalLines, 'refusals logged in aggregate').to.be.at.most(2);
    recordAttack('silent-connections', {
      item: 2,
      title: 'Forty silent TCP connections that never log in',
      attack: '40 TCP connections from one address that send nothing',
      outcome: `${40 - refused} held a slot of their own pool (${refused} refused at the per-address limit); TCP, WebSocket and dashboard clients with the token served meanwhile, /api/status 200; all 40 closed ${closedAfterMs} ms after the legitimate checks (login deadline 1500 ms); ${refusalLines} log line(s) about it`,
      legit: { served: 3, tried: 3, worstMs: 0 },
    });
  });

  it('7. token guessing is slowed per address, logged in aggregate, and does not slow other clients', async () => {
    const g = await startGateway(config());
    const url = g.endpoints.aimx[0];
    const windowMs = 5000;
    let answered = 0;
    let attempts = 0;
    const guesser = async () => {
      const end = Date.now() + windowMs;
      while (Date.now() < end) {
        attempts++;
        const s = await attackerSocket(url).catch(() => null);
        if (!s) continue;
        await new Promise<void>((resolve) => {
          let n = 0;
          const timer = setTimeout(() => resolve(), Math.max(0, end - Date.now()));
          s.on('data', (b) => {
            const m = b.toString().match(/"err":"denied"/g);
            answered += m ? m.length : 0;
            n += m ? m.length : 0;
            if (n >= 3) {
              clearTimeout(timer);
              resolve();
            }
          });
          s.on('close', () => {
            clearTimeout(timer);
            resolve();
          });
          s.on('error', () => {});
          for (let i = 0; i < 3; i++) s.write(lengthPrefixed(JSON.stringify({ t: 'req', id: i + 1, method: 'hello', params: { version: '3.0', token: 'guess-' + attempts + '-' + i } })));
        });
        s.destroy();
      }
    };
    const legit = await servedThroughout(url, TOKEN, Promise.all([guesser(), guesser(), guesser(), guesser()]));
    await sleep(300);
    const perSecond = answered / (windowMs / 1000);
    // What Prometheus sees of it.
    const metrics = await (await fetch(g.endpoints.dashboard + 'metrics', { headers: { authorization: 'Bearer ' + TOKEN } })).text();
    const failuresMetric = Number(/aimdb_aimx_limit_events_total\{event="auth_failures"\} (\d+)/.exec(metrics)?.[1] ?? -1);
    expect(failuresMetric, 'failed tokens in /metrics').to.equal(answered);
    const lines = g.log.filter((l) => /token|connection limits/.test(l)).length;
    expect(g.alive()).to.equal(true);
    expect(perSecond, 'guesses answered per second').to.be.below(10);
    expect(lines, 'log lines about it').to.be.at.most(2);
    expect(legit.served).to.equal(legit.tried);
    expect(legit.worstMs, 'legitimate login not slowed').to.be.below(2000);
    recordAttack('token-guessing', {
      item: 7,
      title: 'Token guessing over reconnects',
      attack: `4 parallel guessers from one address, ${attempts} connections in ${windowMs / 1000} s, 3 guesses each`,
      outcome: `${answered} guesses answered (${perSecond.toFixed(1)}/s; exponential backoff per address, 250 ms doubling to 10 s); ${lines} log line(s); /metrics aimdb_aimx_limit_events_total{event="auth_failures"} ${failuresMetric}`,
      legit,
    });
  });
});
