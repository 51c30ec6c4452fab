/**
 * One suite, run against every AimX transport on loopback (OS-chosen ports, a temp Unix socket
 * path, an in-memory byte-stream pair standing in for a UART): token accepted/rejected, requests,
 * subscriptions, malformed and oversize frames.
 */
import { expect } from 'chai';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { aimxServer, AimxServer } from '../../core/aimx/index.js';
import type { Database } from '../../core/index.js';
import { nodeRuntime } from '../../targets/node/index.js';
import {
  AimxConnection,
  AimxListener,
  MessageConn,
  checkUpgrade,
  dial,
  dialStream,
  gateOf,
  memoryStreamPair,
  serveSerial,
  serveStream,
  serveTcp,
  serveUnix,
  serveWs,
  unixSocketMode,
} from '../../bridge/aimx/index.js';
import { WebSocket } from 'ws';
import { makeDb } from './fixture.js';

interface Harness {
  /** Raw framed connection to the server. */
  raw(): Promise<MessageConn>;
  close(): Promise<void>;
}

const TOKEN = 'tok-123';

/** Next frame received on a raw connection, parsed (bounded in time). */
function nextFrames(conn: MessageConn, n: number, ms = 2000): Promise<any[]> {
  const got: any[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout after ${got.length}/${n} frames: ${JSON.stringify(got)}`)), ms);
    conn.onMessage = (t) => {
      got.push(JSON.parse(t));
      if (got.length === n) {
        clearTimeout(timer);
        resolve(got);
      }
    };
  });
}

/**
 * `auth: 'token'` — the peer proves itself with the token in `hello`; `'socket'` — the transport
 * vouches for it (a Unix socket's file mode), so no token is asked.
 */
function transportSuite(name: string, start: (server: AimxServer) => Promise<Harness>, opts: { oversize: string; auth?: 'token' | 'socket' } = { oversize: '' }) {
  describe(name, () => {
    let db: Database;
    let server: AimxServer;
    let h: Harness;
    const open: MessageConn[] = [];

    before(async () => {
      db = makeDb(nodeRuntime({ sink: () => {} }), { periodMs: 20 });
      db.start();
      // `details` so the refusals can be told apart by their `msg`.
      server = aimxServer(db, { token: TOKEN, details: true });
      h = await start(server);
    });
    after(async () => {
      for (const c of open) c.close();
      await h.close();
      server.closeAll();
      db.stop();
    });
    async function raw(): Promise<MessageConn> {
      const c = await h.raw();
      open.push(c);
      return c;
    }
    async function client(token?: string): Promise<AimxConnection> {
      const c = new AimxConnection(await raw(), name, 2000);
      await c.hello('suite', token);
      return c;
    }

    it('accepts the right token and serves requests', async () => {
      const c = await client(TOKEN);
      expect(c.welcome.authenticated).to.equal(true);
      expect((await c.listRecords()).map((r) => r.record_key)).to.include('app.setpoint');
      await c.setRecord('app.setpoint', 19);
      expect(await c.getRecord('app.setpoint')).to.equal(19);
      expect(await c.ping()).to.be.a('number');
    });

    if (opts.auth === 'socket') {
      it('asks no token: the socket file (0600) is the credential, as in AimDB', async () => {
        const conn = await raw();
        const frames = nextFrames(conn, 2);
        conn.send('{"t":"req","id":1,"method":"graph.topo_order","params":null}');
        conn.send('{"t":"req","id":2,"method":"hello","params":{"client":"aimdb-client","version":"3.0"}}');
        const [topo, hello] = await frames;
        expect(topo.ok).to.include('app.setpoint');
        expect(hello.ok.version).to.equal('3.0');
      });
    }
    if (opts.auth !== 'socket') it('rejects a wrong token and every request before hello', async () => {
      const conn = await raw();
      const frames = nextFrames(conn, 3);
      conn.send('{"t":"req","id":1,"method":"record.list","params":null}');
      conn.send('{"t":"req","id":2,"method":"hello","params":{"version":"3.0","client":"x","token":"wrong"}}');
      conn.send('{"t":"sub","id":3,"topic":"#"}');
      expect(await frames).to.deep.equal([
        { t: 'reply', id: 1, err: 'denied', msg: 'hello_required' },
        { t: 'reply', id: 2, err: 'denied', msg: 'bad_token' },
        { t: 'reply', id: 3, err: 'denied', msg: 'hello_required' },
      ]);
    });

    it('streams a subscription with increasing seq', async () => {
      const c = await client(TOKEN);
      const seqs: number[] = [];
      await new Promise<void>((resolve, reject) => {
        c.subscribe(
          'sensor.temp',
          (u) => {
            seqs.push(u.seq);
            if (seqs.length === 4) resolve();
          },
          reject,
        );
      });
      expect(seqs).to.deep.equal([1, 2, 3, 4]);
    });

    it('answers malformed and oversize frames (with details) and keeps the session', async () => {
      const conn = await raw();
      const frames = nextFrames(conn, 3);
      conn.send('{"t":"req",');
      conn.send(opts.oversize);
      conn.send('{"t":"ping"}');
      expect(await frames).to.deep.equal([
        { t: 'reply', id: 0, err: 'internal', msg: 'bad_json' },
        { t: 'reply', id: 0, err: 'internal', msg: 'oversize' },
        { t: 'pong' },
      ]);
    });
  });
}

const big = (n: number) => '{"t":"ping","pad":"' + 'x'.repeat(n) + '"}';

describe('aimx transports (loopback)', () => {
  transportSuite(
    'TCP (u32 length prefix)',
    async (server) => {
      const l = await serveTcp(server, { port: 0 });
      return { raw: () => dial(l.url), close: () => l.close() };
    },
    { oversize: big(70000) },
  );

  const sockPath = path.join(os.tmpdir(), `aimx-test-${process.pid}.sock`);
  transportSuite(
    'Unix socket (NDJSON)',
    async (server) => {
      const l = await serveUnix(server, { path: sockPath });
      return {
        raw: () => dial(l.url),
        close: async () => {
          await l.close();
          fs.rmSync(sockPath, { force: true });
        },
      };
    },
    { oversize: big(70000), auth: 'socket' },
  );

  transportSuite(
    'WebSocket',
    async (server) => {
      const l = await serveWs(server, { port: 0 });
      return { raw: () => dial(l.url), close: () => l.close() };
    },
    { oversize: big(70000) },
  );

  // One cable per connection: each raw() makes a fresh in-memory pair (a stand-in for a UART, not a
  // serial port) and serves it. `trusted: false` so the token is checked on this link too.
  transportSuite(
    'serial framing (COBS) over an in-memory stream pair',
    async (server) => {
      const listeners: AimxListener[] = [];
      return {
        raw: async () => {
          const { a, b } = memoryStreamPair();
          listeners.push(serveStream(server, (hd) => a.open(hd), 'mem-uart', { trusted: false }));
          return dialStream((hd) => b.open(hd), 'mem-uart');
        },
        close: async () => {
          for (const l of listeners) await l.close();
        },
      };
    },
    { oversize: big(9000) },
  );
});

// Real serial ports: `serialport` on both ends of two cross-connected pseudo-terminals (a python pty
// relay standing in for a null-modem cable). The server side is `serveSerial`, the client `dial`.
describe('aimx over serial ports (serialport on a pty pair)', () => {
  let relay: ChildProcess;
  let ends: string[] = [];
  before(async function () {
    relay = spawn('python3', [path.join(path.dirname(fileURLToPath(import.meta.url)), 'pty-pair.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
    ends = await new Promise<string[]>((resolve, reject) => {
      let head = '';
      relay.once('error', reject);
      relay.stdout!.on('data', (b: Buffer) => {
        head += b.toString();
        if (head.includes('\n')) resolve(head.trim().split(' '));
      });
    });
  });
  after(() => {
    relay.stdin!.end();
    relay.kill();
  });
  // A serial line carries one session for as long as the port is open; each raw() therefore
  // reopens the serving port too (as when the MCU restarts), so every case starts a fresh session.
  transportSuite(
    'serial (COBS) via serialport',
    async (server) => {
      let l: AimxListener | null = null;
      let current: MessageConn | null = null;
      const release = async () => {
        current?.close();
        if (l) await l.close();
        current = null;
        l = null;
        await new Promise((r) => setTimeout(r, 30));
      };
      return {
        raw: async () => {
          await release();
          l = serveSerial(server, { path: ends[0], baudRate: 115200, trusted: false });
          current = await dial(`serial://${ends[1]}?baud=115200`);
          return current;
        },
        close: release,
      };
    },
    { oversize: big(9000) },
  );
});

describe('aimx limits over TCP', () => {
  let db: Database;
  let l: AimxListener;
  const conns: MessageConn[] = [];
  before(async () => {
    db = makeDb(nodeRuntime({ sink: () => {} }), { tick: false });
    db.start();
    l = await serveTcp(aimxServer(db, { maxConnections: 1, details: true }), { port: 0 });
  });
  after(async () => {
    for (const c of conns) c.close();
    await l.close();
    db.stop();
  });
  it('refuses a connection over maxConnections with denied, then closes it', async () => {
    const first = await dial(l.url);
    conns.push(first);
    const second = await dial(l.url);
    conns.push(second);
    const closed = new Promise<void>((r) => (second.onClose = () => r()));
    const frames = await nextFrames(second, 1);
    expect(frames).to.deep.equal([{ t: 'reply', id: 0, err: 'denied', msg: 'too_many_connections' }]);
    await closed;
  });
  it('skips an oversize length-prefixed body without losing sync', async () => {
    // Find a free slot: the first test's connections are closed by now? Use a fresh server.
    const db2 = makeDb(nodeRuntime({ sink: () => {} }), { tick: false });
    db2.start();
    const l2 = await serveTcp(aimxServer(db2, { details: true }), { port: 0, maxFrame: 100 });
    const c = await dial(l2.url);
    try {
      const frames = nextFrames(c, 2);
      c.send(big(500));
      c.send('{"t":"ping"}');
      expect(await frames).to.deep.equal([{ t: 'reply', id: 0, err: 'internal', msg: 'oversize' }, { t: 'pong' }]);
    } finally {
      c.close();
      await l2.close();
      db2.stop();
    }
  });
});

describe('aimx/endpoint', () => {
  it('parses and rejects endpoint URLs', async () => {
    const { parseEndpoint } = await import('../../bridge/aimx/index.js');
    expect(parseEndpoint('tcp://127.0.0.1:7001')).to.deep.equal({ scheme: 'tcp', host: '127.0.0.1', port: 7001, url: 'tcp://127.0.0.1:7001' });
    expect(parseEndpoint('tcp://[::1]:7001')).to.include({ host: '::1', port: 7001 });
    expect(parseEndpoint('unix:///tmp/a.sock')).to.include({ scheme: 'unix', path: '/tmp/a.sock' });
    expect(parseEndpoint('/tmp/a.sock')).to.include({ scheme: 'unix', path: '/tmp/a.sock' });
    expect(parseEndpoint('serial:///dev/ttyACM0?baud=9600')).to.include({ scheme: 'serial', path: '/dev/ttyACM0', baud: 9600 });
    expect(parseEndpoint('serial:///dev/ttyUSB0')).to.include({ baud: 115200 });
    expect(parseEndpoint('ws://127.0.0.1:9000/aimx')).to.include({ scheme: 'ws' });
    const bad: Array<[string, string]> = [
      ['', 'empty'],
      ['tcp://host', 'missing TCP port'],
      ['tcp://:1234', 'no host'],
      ['tcp://host:fast', 'not a number'],
      ['tcp://host:70000', 'out of range'],
      ['tcp://fe80::1', 'must be bracketed'],
      ['tcp://[fe80::1', 'closing bracket'],
      ['unix://', 'missing socket path'],
      ['serial://?baud=9600', 'missing device path'],
      ['serial:///dev/x?baud=fast', "invalid baud 'fast'"],
      ['http://x:1', "unknown scheme 'http'"],
      ['localhost:7001', 'expected tcp://'],
    ];
    for (const [u, why] of bad) expect(() => parseEndpoint(u), u).to.throw(why);
  });
});

describe('aimx/auth per transport', () => {
  it('Unix socket modes: 0600 by default, 0660 on request, anything open to others refused', async () => {
    expect(unixSocketMode(undefined)).to.equal(0o600);
    expect(unixSocketMode(0o660)).to.equal(0o660);
    for (const bad of [0o666, 0o604, 0o601, 0o400, 0o060, 0o1600, -1, 1.5]) expect(() => unixSocketMode(bad), bad.toString(8)).to.throw(/0600 or 0660/);
    const db = makeDb(nodeRuntime({ sink: () => {} }), { tick: false });
    const p = path.join(os.tmpdir(), `aimx-mode-${process.pid}.sock`);
    try {
      const l = await serveUnix(aimxServer(db), { path: p, mode: 0o660 });
      expect(fs.statSync(p).mode & 0o777).to.equal(0o660);
      await l.close();
      let err: Error | null = null;
      await serveUnix(aimxServer(db), { path: p, mode: 0o666 }).catch((e: Error) => (err = e));
      expect(String(err)).to.match(/0600 or 0660/);
    } finally {
      fs.rmSync(p, { force: true });
    }
  });

  function req(url: string, headers: Record<string, string> = {}): any {
    return { url, headers };
  }
  it('decides an upgrade: path, version gate (strict on /ws, lenient on the alias), then the token', () => {
    const db = makeDb(nodeRuntime({ sink: () => {} }), { tick: false });
    const withToken = aimxServer(db, { token: 't0k' });
    const open = aimxServer(db);
    const paths = { strict: ['/ws'], lenient: ['/aimx'] };
    const status = (s: AimxServer, url: string, h?: Record<string, string>) => checkUpgrade(req(url, h), s, paths).status;
    expect(status(open, '/nope?v=3.0')).to.equal(404);
    expect(status(open, '/ws')).to.equal(426);
    expect(status(open, '/ws?v=')).to.equal(426);
    expect(status(open, '/ws?v=2.9')).to.equal(426);
    expect(status(open, '/ws?v=03.0')).to.equal(426);
    expect(status(open, '/ws?v=3.1')).to.equal(101);
    expect(status(open, '/aimx')).to.equal(101);
    expect(status(open, '/aimx?v=4.0')).to.equal(426);
    // The version is checked before the token (AimDB's order).
    expect(status(withToken, '/ws?token=wrong')).to.equal(426);
    expect(status(withToken, '/ws?v=3.0&token=wrong')).to.equal(401);
    expect(status(withToken, '/ws?v=3.0', { authorization: 'Bearer wrong' })).to.equal(401);
    expect(status(withToken, '/ws?v=3.0', { authorization: 'Bearer' })).to.equal(101);
    expect(status(withToken, '/ws?v=3.0', { authorization: 'Basic dDBr' })).to.equal(101);
    expect(checkUpgrade(req('/ws?v=3.0'), withToken, paths).trusted).to.equal(false);
    expect(checkUpgrade(req('/ws?v=3.0&token=t0k'), withToken, paths).trusted).to.equal(true);
    expect(checkUpgrade(req('/ws?v=3.0', { authorization: 'bearer t0k' }), withToken, paths).trusted).to.equal(true);
    // The header wins over the query parameter.
    expect(status(withToken, '/ws?v=3.0&token=t0k', { authorization: 'Bearer nope' })).to.equal(401);
  });
});

describe('aimx over WebSocket: a token at the upgrade under the token backoff', function () {
  this.timeout(20000);

  /** The status an upgrade gets, and how long the server took to answer it. */
  function upgrade(url: string): Promise<{ status: number; ms: number }> {
    const t0 = Date.now();
    return new Promise((res, rej) => {
      const ws = new WebSocket(url);
      ws.once('unexpected-response', (_req, r) => {
        res({ status: r.statusCode ?? 0, ms: Date.now() - t0 });
        ws.terminate();
      });
      ws.once('open', () => {
        res({ status: 101, ms: Date.now() - t0 });
        ws.terminate();
      });
      ws.once('error', rej);
    });
  }

  it('holds the next upgrade of an address that sent a wrong token until its backoff ends, and refuses a pile of them', async () => {
    const db = makeDb();
    const server = aimxServer(db, { token: 'right' });
    const l = await serveWs(server, { port: 0 });
    try {
      const url = `ws://127.0.0.1:${l.port}/ws?v=3.0&token=`;
      expect((await upgrade(url + 'wrong')).status).to.equal(401);
      expect(gateOf(server).stats.authFailures).to.equal(1);
      // The right token still gets in, but only once the address's backoff (250 ms) has run out.
      const right = await upgrade(url + 'right');
      expect(right.status).to.equal(101);
      expect(right.ms).to.be.at.least(150);
      expect((await upgrade(url + 'wrong')).status).to.equal(401);
      // In the backoff, at most four upgrades of one address wait; the fifth is refused at once.
      const five = await Promise.all([1, 2, 3, 4, 5].map(() => upgrade(url + 'wrong')));
      expect(five.map((r) => r.status).sort()).to.deep.equal([401, 401, 401, 401, 429]);
      expect(gateOf(server).stats.authFailures).to.equal(6);
    } finally {
      await l.close();
      db.stop();
    }
  });
});
