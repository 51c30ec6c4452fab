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
import { spawnSync } from 'node:child_process';
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

/**
 * Runs `code` on the Espruino build with `jsVars` JsVars.
 *
 * `mode: 'flash'` writes the code as `.bootcde` and boots from it (function bodies stay in flash, as on
 * a Pico after an upload); `'ram'` evaluates it into JsVars, as code sent to an ESP32 is, then emits
 * `init` the way a board does after start. Memory is sampled every `sampleMs` with
 * `process.memory()` (which collects garbage first); the run ends after `seconds` (or at `quit()`).
 *
 * @param {string} code
 * @param {{jsVars:number, mode?:'ram'|'flash', seconds?:number, sampleMs?:number, cwd?:string,
 *   wifiStub?:boolean, prelude?:string, init?:boolean, network?:boolean}} options
 *   `network: true` keeps the host's loopback (MQTT tests); otherwise the run has no network at all.
 * @returns {{lines:string[], rc:number|null, peak:number, total:number, failure:string|undefined}}
 */
export function runEspruino(code, options) {
  const mode = options.mode || 'ram';
  const seconds = options.seconds || 5;
  const sampleMs = options.sampleMs || 100;
  const parts = [];
  if (options.wifiStub !== false) parts.push(WIFI_STUB);
  if (options.prelude) parts.push(options.prelude);
  parts.push(code, '');
  parts.push(
    'var __aimdbPeak=0,__aimdbTotal=0;function __aimdbSample(){var m=process.memory();if(m.usage>__aimdbPeak)__aimdbPeak=m.usage;__aimdbTotal=m.total;}' +
      `__aimdbSample();setInterval(__aimdbSample,${sampleMs});`,
  );
  if (mode === 'ram' && options.init !== false) parts.push('setTimeout(function(){E.emit("init");},10);');
  parts.push(`setTimeout(function(){__aimdbSample();print("AIMDB-PEAK "+__aimdbPeak+" "+__aimdbTotal);quit();},${Math.round(seconds * 1000)});`);
  const dir = mkdtempSync(join(tmpdir(), 'aimdb-espruino-'));
  try {
    const file = join(dir, 'run.js');
    writeFileSync(file, parts.join('\n'));
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
