/**
 * The installable package as a user gets it: `make pack`'s tarball installed with
 * `npm install <tarball> --omit=dev` into an empty temporary folder (dependencies from the npm
 * registry), then the `aimdb` command from there — no tsx, no sources of the Node side, nothing from
 * this repository. One install per run, shared by every test below; the folder is removed after.
 *
 * Then a firmware project of one's own made by `aimdb new` in that folder: built for two boards,
 * type-checked against the package's typings, run on a board, imaged, and refused a flash to a port
 * without a device.
 */
import { expect } from 'chai';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { enginesDir, enginesProblem } from '../../tools/engines.mjs';

const ROOT = resolve(import.meta.dirname, '../..');

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Runs a command to its end (bounded); never rejects on a non-zero exit. */
function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<Run> {
  return new Promise((res) =>
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeout ?? 120_000, maxBuffer: 16 << 20 }, (err, out, errOut) =>
      res({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: String(out), err: String(errOut) }),
    ),
  );
}

/** Waits (bounded) until `child`'s stdout has a line matching `re`; resolves with the match. */
function waitLine(child: ChildProcess, re: RegExp, ms: number): Promise<RegExpMatchArray> {
  return new Promise((res, rej) => {
    let buf = '';
    const t = setTimeout(() => rej(new Error(`no line matching ${re} within ${ms} ms; got:\n${buf}`)), ms);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = buf.match(re);
      if (m) {
        clearTimeout(t);
        res(m);
      }
    });
    let errBuf = '';
    child.stderr!.on('data', (d: Buffer) => (errBuf += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(t);
      rej(new Error(`exited (${code}) before a line matching ${re}:\n${buf}\n${errBuf}`));
    });
  });
}

describe('the npm package (installed from its tarball)', function () {
  this.timeout(120_000);
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  /** `npx aimdb …` in the install folder. */
  const npx = (args: string[], cwd = dir, timeout?: number) => run('npx', ['--no-install', 'aimdb', ...args], { cwd, env, timeout });
  /** `aimdb …` from PATH (node_modules/.bin of the install folder), e.g. inside a project. */
  const aimdb = (args: string[], cwd: string, timeout?: number) => run('aimdb', args, { cwd, env, timeout });

  before(async function () {
    this.timeout(1_200_000);
    // make pack: the demo's bundles (fresh ones are kept), then the compiled, staged package.
    for (const step of [['tools/build.mjs'], ['tools/pack.mjs']]) {
      const r = await run(process.execPath, step, { cwd: ROOT, timeout: 600_000 });
      if (r.code !== 0) throw new Error(`${step[0]} failed:\n${r.out}\n${r.err}`);
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const tarball = join(ROOT, 'build', `${pkg.name}-${pkg.version}.tgz`);
    dir = mkdtempSync(join(tmpdir(), 'aimdb-package-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'pkg-user', version: '1.0.0', private: true }));
    const r = await run('npm', ['install', tarball, '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, timeout: 900_000 });
    if (r.code !== 0) throw new Error(`npm install failed:\n${r.out}\n${r.err}`);
    env = { ...process.env, PATH: join(dir, 'node_modules', '.bin') + delimiter + process.env.PATH };
    // The real engines, wherever this checkout finds them (the installed package has no sibling folder).
    if (!enginesProblem()) env.AIMDB_ENGINES = enginesDir();
    // Nothing of this repository's development setup leaks in.
    delete env.NODE_OPTIONS;
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs without development tools: no tsx, no TypeScript sources of the Node side', () => {
    const pkgDir = join(dir, 'node_modules', 'aimdb-js');
    expect(existsSync(join(dir, 'node_modules', 'tsx')), 'tsx installed').to.equal(false);
    expect(existsSync(join(dir, 'node_modules', 'mocha')), 'mocha installed').to.equal(false);
    expect(existsSync(join(pkgDir, 'bridge', 'cli', 'main.js'))).to.equal(true);
    const ts = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? ts(join(d, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(d, e.name)] : []));
    expect(ts(join(pkgDir, 'bridge'))).to.deep.equal([]);
    expect(existsSync(join(pkgDir, 'types', 'core', 'index.d.ts'))).to.equal(true);
    expect(existsSync(join(pkgDir, 'dist', 'aimdb-core.js'))).to.equal(true);
  });

  it('its exports serve Node code: the core, the Node runtime, and the sync API with its engine thread', async () => {
    writeFileSync(
      join(dir, 'sync-config.mjs'),
      "import { key, singleLatest } from 'aimdb-js';\nexport const K = key('demo.setting', 'Setting');\nexport function configure(b) { b.configure(K, (r) => r.buffer(singleLatest())); }\n",
    );
    writeFileSync(
      join(dir, 'sync-use.mjs'),
      "import { attach } from 'aimdb-js/sync';\nimport { nodeRuntime } from 'aimdb-js/node';\nimport { K } from './sync-config.mjs';\n" +
        "if (typeof nodeRuntime !== 'function') throw new Error('no nodeRuntime');\n" +
        "const h = attach({ module: new URL('./sync-config.mjs', import.meta.url) });\nh.producer(K).set({ v: 42 });\n" +
        'console.log(JSON.stringify(h.consumer(K).get(2000)));\nh.detach();\n',
    );
    const r = await run(process.execPath, ['sync-use.mjs'], { cwd: dir, env, timeout: 60_000 });
    expect(r.code, r.err).to.equal(0);
    expect(JSON.parse(r.out)).to.deep.equal({ v: 42 });
  });

  it('aimdb --help lists every command, from the compiled summaries', async () => {
    const r = await npx(['--help']);
    expect(r.code, r.err).to.equal(0);
    for (const c of ['build', 'demo', 'edge', 'flash', 'image', 'new', 'record', 'run-device', 'watch']) expect(r.out).to.match(new RegExp(`^  ${c} +\\S`, 'm'));
    const v = await npx(['new', '--help']);
    expect(v.out).to.match(/^Usage: aimdb new <name>/);
  });

  it('aimdb edge --config runs the gateway, serves record list, and stops on SIGINT with exit 0', async () => {
    const cfg = join(dir, 'edge.yaml');
    writeFileSync(cfg, 'node_id: pkg-edge\nembedded_broker: { host: 127.0.0.1, port: 0 }\nremote: { tcp: 127.0.0.1:0 }\ndashboard: { enabled: true, host: 127.0.0.1, port: 0 }\n');
    // From PATH rather than through npx: the signal goes to the gateway itself, not to npm.
    const child = spawn('aimdb', ['edge', '--config', cfg], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const m = await waitLine(child, /running: mqtt mqtt:\/\/127\.0\.0\.1:\d+, aimx (tcp:\/\/127\.0\.0\.1:\d+)/, 60_000);
      const list = await npx(['--connect', m[1], '--json', 'record', 'list']);
      expect(list.code, list.err).to.equal(0);
      expect(JSON.parse(list.out)).to.be.an('array');
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      child.kill('SIGINT');
      expect(await exited).to.equal(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('aimdb demo runs the two simulated boards from the packaged bundles and stops cleanly', async () => {
    // A temp folder of its own: what the demo leaves behind is seen, other runs' folders are not.
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const r = await run('npx', ['--no-install', 'aimdb', 'demo', '--duration', '6000', '--mqtt-port', '0', '--aimx-port', '0', '--ws-port', '0', '--dashboard-port', '0', '--mqtt-ws-port', '0', '--twin-port', '0'], {
      cwd: dir,
      env: { ...env, TMPDIR: tmp },
      timeout: 60_000,
    });
    expect(r.code, r.out + r.err).to.equal(0);
    expect(r.out).to.include('[pico] pico-actuator serving AimX on Serial1');
    expect(r.out).to.match(/esp32 \d+\.\d °C/);
    expect(r.out.trimEnd().split('\n').pop()).to.equal('stopped');
    expect(readdirSync(tmp), 'left in the temp folder').to.deep.equal([]);
  });

  describe('a project of its own (aimdb new)', function () {
    let proj = '';
    before(async function () {
      this.timeout(300_000);
      const r = await npx(['new', 'my-sensor', '--board', 'pico']);
      expect(r.code, r.err).to.equal(0);
      proj = join(dir, 'my-sensor');
      // A second board, as the guide does it.
      const app = JSON.parse(readFileSync(join(proj, 'app.json'), 'utf8'));
      app.boards.push('esp32');
      writeFileSync(join(proj, 'app.json'), JSON.stringify(app, null, 2));
      // A Node helper in the app's folder, which the app does not import: not part of the device build.
      mkdirSync(join(proj, 'scripts'));
      writeFileSync(join(proj, 'scripts', 'report.ts'), "import { readFileSync } from 'node:fs';\nexport const size = readFileSync('app.json').length;\n");
    });

    it('refuses to overwrite a project', async () => {
      const r = await npx(['new', 'my-sensor']);
      expect(r.code).to.equal(1);
      expect(r.err).to.match(/already has package\.json.*nothing written/);
    });

    it('builds for two boards with the budgets, skips fresh bundles, and type-checks against the package typings', async () => {
      const r = await aimdb(['build'], proj, 300_000);
      expect(r.code, r.out + r.err).to.equal(0);
      expect(r.out).to.match(/dist\/my-sensor\.pico\.js {2}pico: \d+ of 49152 bytes \(\d+%\), \d+ JsVars estimated of 4080 budget/);
      expect(r.out).to.match(/dist\/my-sensor\.esp32\.js {2}esp32: \d+ of 917504 bytes/);
      for (const f of ['my-sensor.pico.js', 'my-sensor.pico.json', 'my-sensor.esp32.js', 'my-sensor.esp32.json']) expect(existsSync(join(proj, 'dist', f)), f).to.equal(true);
      const code = readFileSync(join(proj, 'dist', 'my-sensor.pico.js'), 'utf8');
      expect(code).to.include('sensor.reading');
      expect(code).to.not.include('readFileSync');
      // Nothing changed: nothing rebuilt.
      const t0 = statSync(join(proj, 'dist', 'my-sensor.pico.js')).mtimeMs;
      const again = await aimdb(['build'], proj, 300_000);
      expect(again.code, again.err).to.equal(0);
      expect(statSync(join(proj, 'dist', 'my-sensor.pico.js')).mtimeMs).to.equal(t0);
      const tc = await run(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: proj, env });
      expect(tc.code, tc.out + tc.err).to.equal(0);
    });

    it('names the app file that pulls a Node module into the device build', async () => {
      const main = join(proj, 'src', 'main.ts');
      const text = readFileSync(main, 'utf8');
      try {
        writeFileSync(main, "import { size } from '../scripts/report.js';\n" + text.replace("print('my-sensor serving", "print('size ' + size); print('my-sensor serving"));
        const r = await aimdb(['build', '--board', 'pico'], proj, 300_000);
        expect(r.code).to.equal(1);
        // The type check stops it first (no Node types in a device program), naming the helper.
        expect(r.err).to.match(/scripts\/report\.ts.*'node:fs'/);
        expect(r.err).to.not.match(/\n\s+at /);
      } finally {
        writeFileSync(main, text);
      }
    });

    it('runs on the board (real engine when installed, else the simulator) and in the simulator', async () => {
      const sim = await aimdb(['run-device', '--board', 'pico', '--sim', '--seconds', '3'], proj, 300_000);
      expect(sim.code, sim.out + sim.err).to.equal(0);
      expect(sim.out).to.include('running in the Espruino simulator');
      expect(sim.out).to.match(/reading #2 v=\d+/);
      if (enginesProblem()) return;
      const real = await aimdb(['run-device', '--board', 'esp32', '--seconds', '3'], proj, 300_000);
      expect(real.code, real.out + real.err).to.equal(0);
      expect(real.out).to.include('running on Espruino (16383 JsVars, code in ram)');
      expect(real.out).to.match(/reading #2 v=\d+/);
      expect(real.out).to.match(/peak \d+ of \d+ JsVars/);
    });

    it('writes the image and refuses to flash a port without a device', async () => {
      const img = await aimdb(['image', '--board', 'pico'], proj, 300_000);
      expect(img.code, img.out + img.err).to.equal(0);
      expect(readFileSync(join(proj, 'dist', 'image', 'my-sensor.pico.hex'), 'utf8').split('\n')[0]).to.match(/^:[0-9A-F]+\r?$/);
      const missing = join(dir, 'no-such-tty');
      const fl = await aimdb(['flash', '--board', 'pico', '--port', missing], proj, 300_000);
      expect(fl.code).to.equal(1);
      expect(fl.err).to.include(`no device at ${missing}`);
      expect(fl.err).to.not.match(/\n\s+at /);
    });
  });
});
