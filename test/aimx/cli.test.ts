/**
 * The `aimdb` CLI run as a child process (`node bin/aimdb.mjs …`) against a database served in this
 * process: over TCP, and over a serial line — a pseudo-terminal (python's pty, relayed to this
 * process by test/aimx/pty-relay.py) standing in for the UART, opened by the CLI with `serialport`.
 */
import { expect } from 'chai';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { aimxServer, AimxServer } from '../../core/aimx/index.js';
import type { ByteChunk, Database } from '../../core/index.js';
import { nodeRuntime } from '../../targets/node/index.js';
import { AimxListener, serveStream, serveTcp } from '../../bridge/aimx/index.js';
import { Keys, makeDb } from './fixture.js';
import { main } from '../../bridge/cli/main.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'aimdb.mjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function aimdb(args: string[], timeoutMs = 15000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: '/', timeout: timeoutMs, env: { ...process.env, AIMDB_CONNECT: '', AIMDB_TOKEN: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as any).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('aimdb CLI (child process)', function () {
  this.timeout(30000);

  describe('against a database served over TCP', () => {
    let db: Database;
    let server: AimxServer;
    let l: AimxListener & { port: number };
    let url: string;
    before(async () => {
      db = makeDb(nodeRuntime({ sink: () => {} }), { periodMs: 25 });
      db.start();
      server = aimxServer(db, { token: 'cli-token' });
      l = await serveTcp(server, { port: 0 });
      url = l.url;
    });
    after(async () => {
      await l.close();
      server.closeAll();
      db.stop();
    });
    const c = (...args: string[]) => aimdb(['--connect', url, '--token', 'cli-token', ...args]);

    it('record list prints a table', async () => {
      const r = await c('record', 'list');
      expect(r.code, r.stderr).to.equal(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).to.match(/^KEY\s+TYPE\s+BUFFER\s+CAP\s+ORIGIN\s+W\s+PRODUCED\s+CONSUMED\s+DROPPED\s+OCC$/);
      expect(lines).to.have.length(8);
      expect(lines[2]).to.match(/^sensor\.avg\s+Average\s+single_latest\s+1\s+transform\(sensor\.temp\)\s+no\s+\d+/);
    });

    it('record list --json prints AimX rows', async () => {
      const r = await c('--json', 'record', 'list');
      expect(r.code, r.stderr).to.equal(0);
      const rows = JSON.parse(r.stdout);
      expect(rows.map((x: any) => x.record_key)).to.deep.equal(['sensor.temp', 'sensor.avg', 'sensor.hum', 'app.setpoint', 'app.mode', 'app.cmd', 'log.events']);
    });

    it('record set then get round-trips a value; a non-writable record is denied (exit 1)', async () => {
      const s = await c('record', 'set', 'app.setpoint', '22.5');
      expect(s.code, s.stderr).to.equal(0);
      expect(s.stdout.trim()).to.equal('app.setpoint = 22.5');
      const g = await c('record', 'get', 'app.setpoint');
      expect(g.stdout.trim()).to.equal('22.5');
      expect(db.peek(Keys.setpoint)).to.equal(22.5);
      const d = await c('record', 'set', 'sensor.temp', '{"celsius":1}');
      expect(d.code).to.equal(1);
      expect(d.stderr).to.contain('record.set: denied\n');
    });

    it('record drain prints values since the cursor opened', async () => {
      const r = await c('record', 'drain', 'log.events', '--limit', '5');
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.contain('0 value(s) from log.events');
    });

    it('watch prints timestamped lines with seq and stops after --count', async () => {
      const r = await c('watch', 'sensor.*', '--count', '4');
      expect(r.code, r.stderr).to.equal(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines).to.have.length(4);
      lines.forEach((line, i) => expect(line).to.match(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z seq=${i + 1} sensor\\.(temp|avg) \\{`)));
      expect(lines[0]).to.contain('[snapshot]');
    });

    it('watch --json prints one JSON object per update', async () => {
      const r = await c('--json', 'watch', 'sensor.temp', '--count', '2');
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((x) => [x.seq, x.topic])).to.deep.equal([
        [1, 'sensor.temp'],
        [2, 'sensor.temp'],
      ]);
    });

    it('watch stops cleanly on SIGINT', async () => {
      const child: ChildProcess = spawn(process.execPath, [BIN, '--connect', url, '--token', 'cli-token', 'watch', '#'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (b) => (out += b));
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (out.split('\n').length > 3) {
            clearInterval(check);
            resolve();
          }
        }, 20);
      });
      child.kill('SIGINT');
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      expect(code).to.equal(0);
    });

    it('watch flags a gap when the server-side reader lagged (in-process main)', async () => {
      const out: string[] = [];
      const running = main(['--connect', url, '--token', 'cli-token', 'watch', 'log.events', '--count', '3'], { out: (l) => out.push(l), err: () => {}, env: {} });
      // Wait until the subscription is live, then overrun the ring(3) in one synchronous burst.
      for (let i = 0; i < 200 && !server._sessions.some((x) => x.subscriptionCount > 0); i++) await new Promise((r) => setTimeout(r, 10));
      for (const v of ['a', 'b', 'c', 'd', 'e']) db.set(Keys.log, v);
      expect(await running).to.equal(0);
      expect(out.map((l) => l.replace(/^\S+ /, ''))).to.deep.equal(['seq=3 log.events "c" [GAP: 2 lost]', 'seq=4 log.events "d"', 'seq=5 log.events "e"']);
    });

    it('graph order, edges and dot', async () => {
      const o = await c('graph', 'order');
      expect(o.stdout.trim().split('\n')).to.deep.equal(['sensor.temp', 'sensor.avg', 'sensor.hum', 'app.setpoint', 'app.mode', 'app.cmd', 'log.events']);
      const e = await c('graph', 'edges');
      expect(e.stdout).to.match(/sensor\.temp\s+sensor\.avg\s+transform/);
      const d = await c('graph', 'dot');
      expect(d.stdout).to.match(/^digraph aimdb \{/);
      expect(d.stdout).to.contain('"sensor.temp" -> "sensor.avg" [label="transform"];');
    });

    it('instance info and ping', async () => {
      const i = await c('instance', 'info');
      expect(i.code, i.stderr).to.equal(0);
      expect(i.stdout).to.match(/node\s+test-node/);
      expect(i.stdout).to.match(/authenticated\s+true/);
      const p = await c('instance', 'ping', '--count', '2');
      expect(p.stdout.trim().split('\n')).to.have.length(2);
      expect(p.stdout).to.match(/pong from tcp:\/\/127\.0\.0\.1:\d+: seq=1 time=[0-9.]+ ms/);
    });

    it('fails with exit 1 and a clear message on a wrong token', async () => {
      const r = await aimdb(['--connect', url, '--token', 'nope', 'record', 'list']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/cannot connect to tcp:.*hello: denied/);
    });
  });

  describe('malformed arguments (exit code 2)', () => {
    const cases: Array<[string[], string]> = [
      [[], 'missing command'],
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['record'], 'missing subcommand'],
      [['record', 'explode'], "unknown subcommand 'explode'"],
      [['--connect', 'tcp://127.0.0.1:9', 'record', 'get'], 'expected record get <name>'],
      [['--connect', 'tcp://127.0.0.1:9', 'record', 'set', 'a', 'auto'], 'is not JSON'],
      [['--connect', 'tcp://127.0.0.1:9', 'watch'], 'missing <key|pattern>'],
      [['--connect', 'tcp://127.0.0.1:9', 'watch', 'a', '--count', 'x'], "'x' is not a non-negative number"],
      [['--bogus', 'record', 'list'], 'unknown option --bogus'],
      [['record', 'list', '--connect'], '--connect needs a value'],
      [['--connect', 'http://x:1', 'record', 'list'], "unknown scheme 'http'"],
      [['--connect', 'tcp://localhost', 'record', 'list'], 'missing TCP port'],
      [['--connect', 'serial:///dev/x?baud=fast', 'record', 'list'], "invalid baud 'fast'"],
      [['record', 'list'], 'no endpoint'],
      [['graph', 'pie'], "unknown subcommand 'pie'"],
    ];
    // In-process through the CLI's main() (fast); the first two also as child processes below.
    for (const [args, msg] of cases) {
      it(`aimdb ${args.join(' ')} → 2`, async () => {
        const err: string[] = [];
        const code = await main(args, { out: () => {}, err: (l) => err.push(l), env: {} });
        expect(code, err.join('\n')).to.equal(2);
        expect(err.join('\n')).to.contain(msg);
      });
    }
    for (const [args, msg] of cases.slice(3, 5)) {
      it(`child process: aimdb ${args.join(' ')} → exit code 2`, async () => {
        const r = await aimdb(args);
        expect(r.code, r.stderr).to.equal(2);
        expect(r.stderr).to.contain(msg);
      });
    }
    it('--help exits 0 and lists the subcommands', async () => {
      const r = await aimdb(['--help']);
      expect(r.code).to.equal(0);
      for (const name of ['graph', 'instance', 'record', 'watch']) expect(r.stdout).to.match(new RegExp(`^  ${name}\\s`, 'm'));
    });
  });

  describe('against a database served over a serial line (a pty standing in for the UART)', () => {
    let db: Database;
    let relay: ChildProcess;
    let serving: AimxListener;
    let device: string;
    before(async () => {
      db = makeDb(nodeRuntime({ sink: () => {} }), { periodMs: 25 });
      db.start();
      relay = spawn('python3', [path.join(ROOT, 'test', 'aimx', 'pty-relay.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
      let onData: ((c: ByteChunk) => void) | null = null;
      device = await new Promise<string>((resolve, reject) => {
        let head = '';
        relay.once('error', reject);
        relay.stdout!.on('data', (b: Buffer) => {
          if (onData) return onData(b);
          head += b.toString('latin1');
          const nl = head.indexOf('\n');
          if (nl < 0) return;
          resolve(head.slice(0, nl));
          const rest = Buffer.from(head.slice(nl + 1), 'latin1');
          onData = () => {};
          if (rest.length > 0) onData(rest);
        });
      });
      // The MCU side: AimX over COBS on the relay's stdin/stdout (the pty master).
      serving = serveStream(
        aimxServer(db),
        (h) => {
          onData = (c) => h.onData(c);
          setImmediate(() => h.onConnect?.());
          return {
            write: (c: ByteChunk) => void relay.stdin!.write(typeof c === 'string' ? Buffer.from(c, 'latin1') : Buffer.from(c as ArrayLike<number> as number[])),
            close: () => relay.stdin!.end(),
          };
        },
        'pty-uart',
      );
    });
    after(async () => {
      await serving.close();
      relay.kill();
      db.stop();
    });
    const c = (...args: string[]) => aimdb(['--connect', `serial://${device}?baud=115200`, ...args]);

    it('record list over serial', async () => {
      const r = await c('record', 'list');
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout.trim().split('\n')).to.have.length(8);
    });
    it('record set and get over serial', async () => {
      expect((await c('record', 'set', 'app.setpoint', '7')).code).to.equal(0);
      const g = await c('record', 'get', 'app.setpoint');
      expect(g.stdout.trim()).to.equal('7');
    });
    it('watch over serial, twice in a row on the same line', async () => {
      for (let k = 0; k < 2; k++) {
        const r = await c('watch', 'sensor.temp', '--count', '3');
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout.trim().split('\n').map((l) => l.split(' ')[1])).to.deep.equal(['seq=1', 'seq=2', 'seq=3']);
      }
    });
    it('instance info over serial', async () => {
      const r = await c('--json', 'instance', 'info');
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout)).to.include({ node_id: 'test-node', records: 7 });
    });
  });
});
