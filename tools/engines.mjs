// The real device engines: Espruino 2v29 at each board's JsVar count and JerryScript 3.0 / 2.4, as
// Linux builds in ../shared/engines (or AIMDB_ENGINES). This module finds them, runs a script on one
// the way a board runs code (evaluated into RAM, or booted from flash as `.bootcde`), and reports
// what the engine itself says about memory: the peak of `process.memory().usage` on Espruino, the
// heap peak of `--mem-stats` on JerryScript.
//
// The 32-bit Espruino builds need the i386 C library (Debian `libc6-i386`). Some kernels cannot run
// i386 programs at all ("Exec format error"); there they run under QEMU's user-mode emulator
// (Debian `qemu-user`), through a two-line wrapper written to build/engines/. The engine's own
// figures (JsVars, heap bytes) do not depend on how the CPU is emulated.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the engines are: `AIMDB_ENGINES`, else `../shared/engines` beside the checkout. */
export function enginesDir() {
  return process.env.AIMDB_ENGINES ? resolve(process.env.AIMDB_ENGINES) : resolve(ROOT, '..', 'shared', 'engines');
}

/** The JsVar counts there are Espruino builds for (one per board family). */
export const ESPRUINO_VARS = [16383, 8190, 5100, 2756, 2630, 1600];

let cachedProblem;
let needsQemu = false;

// execvp hands a binary the kernel refuses (ENOEXEC) to /bin/sh, so "it started" proves nothing:
// the build must print its own usage text.
function canExec(file) {
  const r = spawnSync(file, ['--help'], { encoding: 'utf8', timeout: 20_000 });
  return /Usage:/.test(String(r.stdout) + String(r.stderr));
}

/**
 * Why the engines cannot run here, with what to install; `undefined` when they can. Checked once.
 * @returns {string | undefined}
 */
export function enginesProblem() {
  if (cachedProblem !== undefined) return cachedProblem || undefined;
  const dir = enginesDir();
  const probe = join(dir, 'bin', 'espruino-vars-1600');
  let p = '';
  if (!existsSync(join(dir, 'bin', 'espruino')) || !existsSync(probe) || !existsSync(join(dir, 'bin', 'jerry-2.4-64k'))) {
    p = `the real device engines are missing: expected Espruino and JerryScript builds in ${dir}/bin (set AIMDB_ENGINES to their folder)`;
  } else if (!existsSync('/lib/ld-linux.so.2')) {
    p = 'the 32-bit Espruino builds need the i386 C library: apt-get install libc6-i386 (make setup does it)';
  } else if (!canExec(probe)) {
    const qemu = spawnSync('qemu-i386', ['-version'], { encoding: 'utf8' });
    if (qemu.error) p = 'this kernel cannot run the 32-bit Espruino builds: apt-get install qemu-user (make setup does it)';
    else needsQemu = true;
  }
  cachedProblem = p;
  return p || undefined;
}

/** Throws with what to install when the engines cannot run. */
export function requireEngines() {
  const p = enginesProblem();
  if (p) throw new Error(p);
}

/**
 * The Espruino build with `jsVars` JsVars, as a path the engine scripts accept (`-b path`).
 * @param {number} jsVars one of {@link ESPRUINO_VARS}
 */
export function espruinoBinary(jsVars) {
  requireEngines();
  const bin = join(enginesDir(), 'bin', 'espruino-vars-' + jsVars);
  if (!existsSync(bin)) throw new Error(`no Espruino build with ${jsVars} JsVars in ${dirname(bin)} (there are: ${ESPRUINO_VARS.join(', ')})`);
  if (!needsQemu) return bin;
  const wrapDir = join(ROOT, 'build', 'engines');
  const wrapper = join(wrapDir, 'espruino-vars-' + jsVars);
  if (!existsSync(wrapper)) {
    mkdirSync(wrapDir, { recursive: true });
    writeFileSync(wrapper, `#!/bin/sh\nexec qemu-i386 ${JSON.stringify(bin)} "$@"\n`);
    chmodSync(wrapper, 0o755);
  }
  return wrapper;
}

/** Lines that mean a device bundle failed, whatever its exit code. */
export const FAILURE_MARKS = ['Uncaught', 'OUT OF MEMORY', 'ASSERT', 'is not defined', 'Function not found', 'LOW_MEMORY'];

/** The first output line that shows a failure, or `undefined`. */
export function failureLine(lines) {
  return lines.find((l) => FAILURE_MARKS.some((m) => l.includes(m)));
}

// A stand-in for the Wifi module, which the Linux build lacks; it connects at once to loopback.
const WIFI_STUB =
  'Modules.addCached("Wifi",function(){exports.connect=function(s,o,cb){setTimeout(function(){if(cb)cb(null);},10);};' +
  'exports.on=function(){};exports.getIP=function(cb){var r={ip:"127.0.0.1"};if(cb)cb(null,r);return r;};' +
  'exports.setHostname=function(){};exports.save=function(){};exports.disconnect=function(cb){if(cb)cb();};});';

// Virtual time on the real interpreter: `global.setTimeout` & co. (Espruino lets a script shadow a
// built-in through `global`, not by plain assignment) become a queue that a driver drains in order
// of due time, then of creation, the way the board simulator and the JerryScript reference host do.
// Only the clock is replaced: parsing, scopes, closures, garbage collection and every JsVar are the
// engine's own. A throw inside a timer is printed as Espruino prints it and the run goes on.
const VIRTUAL_TIME =
  'var __vt={now:0,id:0,q:[],realSetTimeout:setTimeout};' +
  'function __vtAdd(fn,ms,rep){ms=ms>0?+ms:0;var t={id:++__vt.id,due:__vt.now+ms,iv:rep?(ms>1?ms:1):0,fn:fn};__vt.q.push(t);return t.id;}' +
  'function __vtDel(id){for(var i=0;i<__vt.q.length;i++)if(__vt.q[i].id===id){__vt.q.splice(i,1);return;}throw new Error("Unknown Timeout");}' +
  'global.setTimeout=function(fn,ms){return __vtAdd(fn,ms,false);};global.setInterval=function(fn,ms){return __vtAdd(fn,ms,true);};' +
  'global.clearTimeout=function(id){__vtDel(id);};global.clearInterval=function(id){__vtDel(id);};global.getTime=function(){return __vt.now/1000;};' +
  'function __vtRun(until){for(var n=0;n<200000;n++){var b=-1;for(var i=0;i<__vt.q.length;i++){var t=__vt.q[i];if(b<0||t.due<__vt.q[b].due||(t.due===__vt.q[b].due&&t.id<__vt.q[b].id))b=i;}' +
  'if(b<0||__vt.q[b].due>until)break;var e=__vt.q[b];if(e.due>__vt.now)__vt.now=e.due;if(e.iv)e.due+=e.iv;else __vt.q.splice(b,1);' +
  'try{e.fn();}catch(x){print("Uncaught "+x);}}__vt.now=until;}';

// The script a run evaluates: the stand-ins the Linux build needs, the caller's prelude, the code,
// the memory sampler, the `init` a board emits after start (RAM mode) and the end-of-run report.
function espruinoScript(code, options) {
  const mode = options.mode || 'ram';
  const seconds = options.seconds || 5;
  const sampleMs = options.sampleMs || 100;
  const virtual = options.virtualMs !== undefined;
  const parts = [];
  if (virtual) parts.push(VIRTUAL_TIME);
  if (options.wifiStub !== false) parts.push(WIFI_STUB);
  if (options.prelude) parts.push(options.prelude);
  parts.push(code, '');
  parts.push(
    'var __aimdbPeak=0,__aimdbTotal=0;function __aimdbSample(){var m=process.memory();__aimdbTotal=m.total;if(m.usage>__aimdbPeak){__aimdbPeak=m.usage;' +
      (options.livePeaks ? 'print("AIMDB-PEAK "+__aimdbPeak+" "+__aimdbTotal);' : '') +
      '}}' +
      `__aimdbSample();setInterval(__aimdbSample,${sampleMs});`,
  );
  // E.emit queues the event until the interpreter is idle: on virtual time it is emitted before the
  // driver starts, so that the app has started at virtual time 0, as on a board.
  if (mode === 'ram' && options.init !== false) parts.push(virtual ? 'E.emit("init");' : 'setTimeout(function(){E.emit("init");},10);');
  const report = '__aimdbSample();print("AIMDB-PEAK "+__aimdbPeak+" "+__aimdbTotal);quit();';
  // A board has booted (flash: .bootcde ran, `init` fired) before its first timer: the driver of
  // virtual time starts on a real timer.
  if (virtual) parts.push(`__vt.realSetTimeout(function(){__vtRun(${Math.round(options.virtualMs)});${report}},10);`);
  else parts.push(`setTimeout(function(){${report}},${Math.round(seconds * 1000)});`);
  return parts.join('\n');
}

/**
 * Runs `code` on the Espruino build with `jsVars` JsVars.
 *
 * `mode: 'flash'` writes the code as `.bootcde` and boots from it (function bodies stay in flash, as on
 * a Pico after an upload); `'ram'` evaluates it into JsVars, as code sent to an ESP32 is, then emits
 * `init` the way a board does after start. Memory is sampled every `sampleMs` with
 * `process.memory()` (which collects garbage first); the run ends after `seconds` (or at `quit()`).
 * With `virtualMs`, time is virtual (see VIRTUAL_TIME): the run is deterministic, lasts `virtualMs`
 * of virtual time and takes only as long as the interpreter needs to execute it.
 *
 * @param {string} code
 * @param {{jsVars:number, mode?:'ram'|'flash', seconds?:number, sampleMs?:number, cwd?:string,
 *   wifiStub?:boolean, prelude?:string, init?:boolean, network?:boolean, virtualMs?:number}} options
 *   `network: true` keeps the host's loopback (MQTT tests); otherwise the run has no network at all.
 * @returns {{lines:string[], rc:number|null, peak:number, total:number, failure:string|undefined}}
 */
export function runEspruino(code, options) {
  const mode = options.mode || 'ram';
  const seconds = options.seconds || 5;
  const source = espruinoScript(code, options);
  const dir = mkdtempSync(join(tmpdir(), 'aimdb-espruino-'));
  try {
    const file = join(dir, 'run.js');
    writeFileSync(file, source);
    const script = join(enginesDir(), mode === 'flash' ? 'espruino-boot' : 'espruino-run');
    const args = ['-b', espruinoBinary(options.jsVars), '-t', String(Math.ceil(seconds + 30))];
    if (mode === 'ram' && options.cwd) args.push('-C', options.cwd);
    args.push(file);
    // unshare -n: a run without `network` has no route anywhere (not even loopback); a board test
    // that talks to a broker on 127.0.0.1 asks for the host's loopback.
    const cmd = options.network ? script : 'unshare';
    const cmdArgs = options.network ? args : ['-n', script, ...args];
    const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', timeout: (seconds + 60) * 1000, maxBuffer: 64 * 1024 * 1024, cwd: options.cwd });
    const lines = String(r.stdout || '').concat(r.stderr || '').split('\n').filter((l) => l.length > 0);
    let peak = -1;
    let total = -1;
    const out = [];
    for (const l of lines) {
      const m = /^AIMDB-PEAK (\d+) (\d+)$/.exec(l);
      if (m) {
        peak = Number(m[1]);
        total = Number(m[2]);
      } else out.push(l);
    }
    return { lines: out, rc: r.status, peak, total, failure: failureLine(out) || (peak < 0 ? 'the run ended before its end-of-run report' : undefined) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Writes Storage files (and `.bootcde` for a flash boot) into `dir`/espruino.flash with the 64-bit
// build, as espruino-boot does: every build of these engines reads the same flash file format.
function writeFlash(dir, files) {
  const names = Object.keys(files);
  writeFileSync(join(dir, 'write.js'),
    names.map((n, i) => `var ok${i}=require("Storage").write(${JSON.stringify(n)},require("fs").readFileSync(${JSON.stringify('flash-' + i)}));`).join('') +
      `print("flash written "+[${names.map((_, i) => 'ok' + i).join(',')}].every(function(x){return x;}));`);
  names.forEach((n, i) => writeFileSync(join(dir, 'flash-' + i), files[n]));
  const r = spawnSync(join(enginesDir(), 'bin', 'espruino'), ['write.js'], { cwd: dir, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!String(r.stdout).includes('flash written true')) throw new Error('could not write espruino.flash: ' + String(r.stdout).slice(-400) + String(r.stderr || ''));
}

// Cleans the interpreter's console output the way the engines' scripts do: CR, the banner, prompts.
function consoleLines(text, state) {
  const out = [];
  for (let l of text.replace(/\r/g, '').replace(/\x1b\[J/g, '').split('\n')) {
    if (l.startsWith('espruino: ') || l.startsWith('Session terminated') || l === '>' || l === '') continue;
    // The banner (a run from RAM prints it; a boot from flash does not) starts with its logo and
    // ends with the Donate link.
    if (state.banner === undefined) state.banner = l.startsWith(' ____');
    if (state.banner) {
      if (l.includes('espruino.com/Donate')) state.banner = false;
      continue;
    }
    if (l.startsWith('>')) l = l.substring(1);
    out.push(l);
  }
  return out;
}

// Every process below `pid` (from /proc), deepest first.
function descendants(pid) {
  const out = [];
  let kids = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return out;
  }
  for (const k of kids) out.push(...descendants(k), k);
  return out;
}

/**
 * Starts `code` on the Espruino build with `jsVars` JsVars and returns at once (real time: sockets,
 * UARTs, a broker the test restarts). Output lines arrive live in `lines`; `waitFor` resolves when
 * one matches; `peak` follows `process.memory().usage` as the run goes. `storage` files are put in
 * the board's flash before it starts (a setting the app reads at boot). `mode: 'flash'` boots from
 * `.bootcde`. Stop it with `stop()` (which resolves with the exit status).
 * @param {string} code
 * @param {{jsVars:number, mode?:'ram'|'flash', network?:boolean, storage?:Object<string,string>,
 *   prelude?:string, sampleMs?:number, seconds?:number}} options
 */
export function startEspruino(code, options) {
  const mode = options.mode || 'ram';
  const dir = mkdtempSync(join(tmpdir(), 'aimdb-espruino-live-'));
  const source = 'echo(0);' + espruinoScript(code, { ...options, livePeaks: true, seconds: options.seconds || 600 });
  const files = { ...(options.storage || {}) };
  if (mode === 'flash') files['.bootcde'] = source;
  else writeFileSync(join(dir, 'run.js'), source);
  if (Object.keys(files).length) writeFlash(dir, files);
  const bin = espruinoBinary(options.jsVars);
  const argv = [...(options.network ? [] : ['unshare', '-n']), bin, ...(mode === 'flash' ? [] : ['run.js'])];
  // The interpreter buffers its output when it is not a terminal: `script` gives it one, so lines
  // arrive as they are printed. Its console reads what is written to the terminal (stop() types
  // `quit()` there, so the run ends the way a person ends it).
  const child = spawn('script', ['-qfec', argv.map((a) => "'" + a.split("'").join("'\\''") + "'").join(' '), '/dev/null'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  const run = { dir, child, lines: [], peak: -1, total: -1, exited: false, status: null, waiters: [] };
  const state = { banner: undefined };
  let partial = '';
  const onText = (chunk) => {
    const text = partial + chunk.toString('latin1');
    const cut = text.lastIndexOf('\n');
    partial = cut >= 0 ? text.substring(cut + 1) : text;
    if (cut < 0) return;
    for (const l of consoleLines(text.substring(0, cut), state)) {
      const m = /^AIMDB-PEAK (\d+) (\d+)$/.exec(l);
      if (m) {
        run.peak = Math.max(run.peak, Number(m[1]));
        run.total = Number(m[2]);
      } else run.lines.push(l);
    }
    run.waiters = run.waiters.filter((w) => !w.check());
  };
  child.stdout.on('data', onText);
  child.stderr.on('data', onText);
  const exited = new Promise((resolve) => {
    child.on('exit', (code2) => {
      run.exited = true;
      run.status = code2;
      for (const w of run.waiters) w.check(true);
      rmSync(dir, { recursive: true, force: true });
      resolve(code2);
    });
  });
  /** Resolves with the first line (from index `from`) that matches; rejects after `ms` or at exit. */
  run.waitFor = (match, ms = 30_000, from = 0) =>
    new Promise((resolve, reject) => {
      const test = typeof match === 'string' ? (l) => l.includes(match) : (l) => match.test(l);
      let timer;
      const w = {
        check(ended) {
          const i = run.lines.findIndex((l, k) => k >= from && test(l));
          if (i >= 0) {
            clearTimeout(timer);
            resolve({ line: run.lines[i], index: i });
            return true;
          }
          if (ended || run.exited) {
            clearTimeout(timer);
            reject(new Error(`the board stopped before printing ${match}; its output:\n${run.lines.slice(-20).join('\n')}`));
            return true;
          }
          return false;
        },
      };
      if (w.check()) return;
      timer = setTimeout(() => {
        run.waiters = run.waiters.filter((x) => x !== w);
        reject(new Error(`no line ${match} within ${ms} ms; the board printed:\n${run.lines.slice(-20).join('\n')}`));
      }, ms);
      run.waiters.push(w);
    });
  run.failure = () => failureLine(run.lines);
  run.stop = async () => {
    if (!run.exited) {
      child.stdin.write('quit()\n');
      const t = setTimeout(() => {
        // Not ended by its console: kill the interpreter (script's child) and script itself.
        for (const pid of descendants(child.pid)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        child.kill('SIGKILL');
      }, 10_000);
      await exited;
      clearTimeout(t);
    }
    return run.status;
  };
  return run;
}

/**
 * Runs `code` on JerryScript's command line with `--mem-stats`. Version 2.4 is the es5.1 profile
 * (no typed arrays, no Promise); `heap: '64k'` picks the 64 KB heap build (a board's configuration).
 * Timers are virtual (the engines' shim), driven to `untilMs` after the code has run.
 *
 * @param {string} code
 * @param {{version:'2.4'|'3.0', heap?:'64k'|'512k', untilMs?:number, timers?:boolean}} options
 * @returns {{lines:string[], rc:number|null, peakBytes:number, heapBytes:number, byteCodeBytes:number, failure:string|undefined}}
 */
export function runJerry(code, options) {
  requireEngines();
  const bin = join(enginesDir(), 'bin', 'jerry-' + options.version + (options.heap === '64k' ? '-64k' : ''));
  const parts = [];
  if (options.timers !== false) parts.push(readFileSync(join(enginesDir(), 'jerry-timers-shim.js'), 'utf8'));
  parts.push(code, '');
  if (options.timers !== false) parts.push(`runTimers(${options.untilMs || 10000});`);
  const dir = mkdtempSync(join(tmpdir(), 'aimdb-jerry-'));
  try {
    const file = join(dir, 'run.js');
    writeFileSync(file, parts.join('\n'));
    const r = spawnSync(bin, ['--mem-stats', file], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    const all = String(r.stdout || '').concat(r.stderr || '').split('\n');
    const stat = (name) => {
      const l = all.find((x) => x.trim().startsWith(name + ' = '));
      return l ? Number(/= (\d+)/.exec(l)[1]) : -1;
    };
    const statLine = /^(Heap stats:|\s+(Heap size|Allocated|Peak|Waste)\b)/;
    const lines = all.filter((l) => l.length > 0 && !statLine.test(l));
    let failure = failureLine(lines);
    if (!failure && r.status === 10) failure = 'out of memory (JerryScript exit code 10)';
    if (!failure && r.status !== 0) failure = 'exit code ' + r.status + (r.error ? ' (' + r.error.message + ')' : '');
    return { lines, rc: r.status, peakBytes: stat('Peak allocated'), heapBytes: stat('Heap size'), byteCodeBytes: stat('Peak allocated byte code data'), failure };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The reference host of the JerryScript contract (load it before a bundle, call `hostRun(ms)` after). */
export function referenceHost() {
  return readFileSync(join(ROOT, 'targets/jerryscript/host/reference-host.js'), 'utf8');
}

/**
 * How a board runs code on its real engine: the Espruino build with the board's JsVars, evaluated
 * into RAM or booted from flash (board.json `codeIn`), or JerryScript 2.4 (es5.1) with the board's
 * 64 KB heap, driven through the host contract.
 * @param {{name:string, engine:string, jsVars?:number, codeIn?:string, heapBytes?:number}} board
 */
export function boardEngine(board) {
  if (board.engine === 'espruino') return { engine: 'espruino-vars-' + board.jsVars, mode: board.codeIn === 'flash' ? 'flash' : 'ram', unit: 'JsVars' };
  if (board.engine === 'jerryscript') {
    if (board.heapBytes !== 65536) throw new Error(`${board.name}: there is a JerryScript build for a 64 KB heap only (heapBytes ${board.heapBytes})`);
    return { engine: 'jerry-2.4-64k', mode: 'heap', unit: 'heap bytes' };
  }
  throw new Error(`${board.name}: no real engine for "${board.engine}"`);
}

/**
 * Runs an app bundle on its board's real engine for `virtualMs` of virtual time (deterministic; the
 * scenario's output can be compared line by line) or, with `seconds`, on real time (sockets, UARTs).
 * `peak` is the engine's own figure: JsVars in use (Espruino) or heap bytes (JerryScript).
 * @param {string} code
 * @param {object} board a loaded board.json
 * @param {{virtualMs?:number, seconds?:number, network?:boolean, cwd?:string, prelude?:string}} options
 * @returns {{lines:string[], peak:number, capacity:number, unit:string, engine:string, mode:string, failure:string|undefined}}
 */
export function runOnBoard(code, board, options) {
  const how = boardEngine(board);
  if (board.engine === 'jerryscript') {
    if (options.virtualMs === undefined) throw new Error('a JerryScript board runs host-driven on virtual time only (give virtualMs)');
    const r = runJerry(referenceHost() + '\n' + (options.prelude || '') + '\n' + code + '\n;hostRun(' + Math.round(options.virtualMs) + ');\n', { version: '2.4', heap: '64k', timers: false });
    return { lines: r.lines, peak: r.peakBytes, capacity: r.heapBytes, unit: how.unit, engine: how.engine, mode: how.mode, failure: r.failure };
  }
  const r = runEspruino(code, {
    jsVars: board.jsVars,
    mode: how.mode,
    virtualMs: options.virtualMs,
    seconds: options.seconds,
    network: options.network,
    cwd: options.cwd,
    prelude: options.prelude,
  });
  return { lines: r.lines, peak: r.peak, capacity: r.total, unit: how.unit, engine: how.engine, mode: how.mode, failure: r.failure };
}

/**
 * What an app bundle uses on its board's engine while it runs its scenario for `virtualMs` of
 * virtual time: the engine's peak (JsVars or heap bytes), its capacity, and a failure line if the
 * run printed one. Measured once per content: the result is cached under build/engine-peaks/ by a
 * hash of the bundle, the board's engine and mode, the scenario length, and this runner (its own
 * source and the reference host), so an unchanged bundle is not run again.
 * @param {string} code
 * @param {object} board a loaded board.json
 * @param {{virtualMs:number, cacheDir?:string}} options
 * @returns {{engine:string, mode:string, unit:string, peak:number, capacity:number, virtualMs:number, failure:string|undefined, tail:string[], cached:boolean}}
 */
export function measureOnBoard(code, board, options) {
  const how = boardEngine(board);
  const h = createHash('sha256');
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  h.update(referenceHost());
  h.update(JSON.stringify([how, board.jsVars, board.heapBytes, options.virtualMs]));
  h.update(code);
  const dir = options.cacheDir || join(ROOT, 'build', 'engine-peaks');
  const file = join(dir, h.digest('hex').slice(0, 32) + '.json');
  if (existsSync(file)) {
    try {
      return { ...JSON.parse(readFileSync(file, 'utf8')), cached: true };
    } catch {
      /* a torn cache file: measure again */
    }
  }
  const r = runOnBoard(code, board, { virtualMs: options.virtualMs });
  const out = { engine: r.engine, mode: r.mode, unit: r.unit, peak: r.peak, capacity: r.capacity, virtualMs: options.virtualMs, failure: r.failure, tail: r.failure ? r.lines.slice(-8) : [] };
  // Only a clean run is cached: a failure may come from the machine (a killed run) and is retried.
  if (!out.failure) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(out) + '\n');
  }
  return { ...out, cached: false };
}
