/**
 * The `aimdb` launcher as a newcomer meets it through `make demo`: Ctrl-C (SIGINT to the whole
 * foreground process group, as a terminal sends it) ends with the clean `stopped` line and exit 0
 * from make; a demo whose port is taken says which setting to change; neither leaves a folder in
 * the temporary directory.
 */
import { expect } from 'chai';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Collects a child's output; `ended` settles when it exits (killed after `ms`). */
function watch(child: ChildProcess, ms: number): { ended: Promise<Ended>; out: () => string } {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const ended = new Promise<Ended>((res) => {
    const t = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(t);
      res({ code, signal, out, err });
    });
  });
  return { ended, out: () => out };
}

/** Resolves when `read()` contains `text` (polled, bounded). */
async function until(read: () => string, text: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!read().includes(text)) {
    if (Date.now() > end) throw new Error(`no '${text}' within ${ms} ms:\n${read()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('make demo: Ctrl-C, busy ports, temporary folders', function () {
  this.timeout(240_000);
  let tmp = '';
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'aimdb-launcher-test-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('Ctrl-C on make demo ends with "stopped", no make error, and no aimdb-demo-* folder', async () => {
    // detached: a process group of its own, like a terminal's foreground job.
    const make = spawn('make', ['--no-print-directory', 'demo', 'MQTT_PORT=0', 'AIMX_PORT=0', 'WS_PORT=0', 'DASHBOARD_PORT=0'], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const w = watch(make, 200_000);
    await until(w.out, 'Ctrl-C stops everything.', 180_000);
    expect(readdirSync(tmp).some((n) => n.startsWith('aimdb-demo-')), 'the demo keeps its storage in the temp folder while it runs').to.equal(true);
    process.kill(-make.pid!, 'SIGINT');
    const r = await w.ended;
    // The command exited 0 (make reports a failing recipe as `*** [demo] Error n`); make itself,
    // which got the same SIGINT, then ends by that signal, quietly, as it does for any recipe.
    expect(r.err).to.not.match(/Error \d+|\*\*\*/);
    expect(r.code === 0 || r.signal === 'SIGINT', `make ended with ${r.code ?? r.signal}`).to.equal(true);
    expect(r.out.trimEnd().split('\n').pop()).to.equal('stopped');
    expect(readdirSync(tmp).filter((n) => n.startsWith('aimdb-'))).to.deep.equal([]);
  });

  it('SIGINT to aimdb demo itself: "stopped", exit 0, no aimdb-demo-* folder', async () => {
    const child = spawn(process.execPath, ['bin/aimdb.mjs', 'demo', '--mqtt-port', '0', '--aimx-port', '0', '--ws-port', '0', '--dashboard-port', '0', '--mqtt-ws-port', '0', '--twin-port', '0'], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const w = watch(child, 120_000);
    await until(w.out, 'Ctrl-C stops everything.', 100_000);
    child.kill('SIGINT');
    const r = await w.ended;
    expect({ code: r.code, signal: r.signal }, r.err).to.deep.equal({ code: 0, signal: null });
    expect(r.out.trimEnd().split('\n').pop()).to.equal('stopped');
    expect(readdirSync(tmp).filter((n) => n.startsWith('aimdb-'))).to.deep.equal([]);
  });

  it('a port in use names the setting to change and leaves nothing behind', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, ['bin/aimdb.mjs', 'demo', '--mqtt-port', '0', '--aimx-port', String(port), '--ws-port', '0', '--dashboard-port', '0', '--mqtt-ws-port', '0', '--twin-port', '0'], {
        cwd: ROOT,
        env: { ...process.env, TMPDIR: tmp },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const r = await watch(child, 60_000).ended;
      expect(r.code, r.out + r.err).to.equal(1);
      expect(r.err).to.include(`port ${port} is in use`);
      expect(r.err).to.include('--aimx-port N, or make demo AIMX_PORT=N');
      expect(readdirSync(tmp).filter((n) => n.startsWith('aimdb-'))).to.deep.equal([]);
    } finally {
      blocker.close();
    }
  });
});
