#!/usr/bin/env node
// `make bench-package`: start-up time and memory of the installed command (the compiled package of
// `make pack`, build/package/), against the same command run from the sources through tsx.
//
//   aimdb --help                   wall time from spawn to exit, median of N runs (target ≤ 150 ms)
//   aimdb record list              the same, against a gateway running on loopback (target ≤ 150 ms)
//   node (empty script)            the floor: Node's own start-up on this machine, to read the rest against
//   aimdb demo (two boards)        resident memory of the process after it has run a while, and its
//                                  peak (VmHWM), from /proc (target ≤ 80 MB)
//
// Usage: node bench/package.mjs [--runs N] [--demo-seconds S] [--json]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RUNS = arg('runs', 15);
const DEMO_SECONDS = arg('demo-seconds', 20);

const LAUNCHERS = {
  'installed (compiled)': join(ROOT, 'build/package/bin/aimdb.mjs'),
  'checkout (sources through tsx)': join(ROOT, 'bin/aimdb.mjs'),
};
if (!existsSync(LAUNCHERS['installed (compiled)'])) {
  console.error('bench-package: build/package/ is missing: run make pack first');
  process.exit(1);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Wall milliseconds of `node <launcher> ...args` to its exit, one warm-up then RUNS counted. */
function timeCommand(launcher, args) {
  const times = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', timeout: 60_000 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${launcher} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i > 0) times.push(ms);
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times) };
}

/** Starts `node <launcher> ...args` and resolves when stdout matches `re` (bounded). */
function startUntil(launcher, args, re, ms, env = process.env) {
  const child = spawn(process.execPath, [launcher, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  return new Promise((res, rej) => {
    let out = '';
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`no ${re} within ${ms} ms:\n${out}`));
    }, ms);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(re);
      if (m) {
        clearTimeout(t);
        res({ child, match: m, output: () => out });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(t);
      rej(new Error(`exited ${code} early:\n${out}`));
    });
  });
}

/** Stops a child with SIGINT and waits for it (bounded). */
function stop(child) {
  return new Promise((res) => {
    if (child.exitCode !== null) return res();
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(t);
      res();
    });
    child.kill('SIGINT');
  });
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)[1]);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

async function main() {
  const rows = [];
  const tmp = mkdtempSync(join(tmpdir(), 'aimdb-bench-package-'));
  try {
    const cfg = join(tmp, 'edge.yaml');
    writeFileSync(cfg, 'node_id: bench\nembedded_broker: { host: 127.0.0.1, port: 0 }\nremote: { tcp: 127.0.0.1:0 }\nlog: { level: warn }\n');
    const gw = await startUntil(LAUNCHERS['installed (compiled)'], ['edge', '--config', cfg], /aimx (tcp:\/\/127\.0\.0\.1:\d+)/, 60_000);
    try {
      // The floor on this machine: Node itself, starting and exiting.
      const bare = join(tmp, 'bare.mjs');
      writeFileSync(bare, '');
      rows.push({ what: 'node (empty script), the floor', how: '—', ...timeCommand(bare, []), unit: 'ms', target: NaN });
      for (const [how, launcher] of Object.entries(LAUNCHERS)) {
        rows.push({ what: 'aimdb --help', how, ...timeCommand(launcher, ['--help']), unit: 'ms', target: 150 });
        rows.push({ what: 'aimdb record list', how, ...timeCommand(launcher, ['--connect', gw.match[1], 'record', 'list']), unit: 'ms', target: 150 });
      }
    } finally {
      await stop(gw.child);
    }
    for (const [how, launcher] of Object.entries(LAUNCHERS)) {
      const demo = await startUntil(launcher, ['demo', '--mqtt-port', '0', '--aimx-port', '0', '--ws-port', '0', '--dashboard-port', '0'], /twins, gaps/, 120_000, { ...process.env, TMPDIR: tmp });
      try {
        const samples = [];
        for (let s = 0; s < DEMO_SECONDS; s++) {
          await new Promise((r) => setTimeout(r, 1000));
          samples.push(memoryOf(demo.child.pid));
        }
        const last = samples[samples.length - 1];
        rows.push({ what: `aimdb demo RSS after ${DEMO_SECONDS} s`, how, median: last.rss, min: Math.min(...samples.map((x) => x.rss)), max: last.hwm, unit: 'MB', target: 80 });
      } finally {
        await stop(demo.child);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(rows));
    return;
  }
  console.log(`runs per timing: ${RUNS} (after one warm-up); demo: RSS sampled every second, max = peak (VmHWM)`);
  console.log('| command | run as | median | min | max | target |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const r of rows) {
    const f = (x) => (r.unit === 'ms' ? x.toFixed(0) : x.toFixed(1));
    console.log(`| ${r.what} | ${r.how} | ${f(r.median)} ${r.unit} | ${f(r.min)} | ${f(r.max)} | ${Number.isNaN(r.target) ? '' : `≤ ${r.target} ${r.unit}`} |`);
  }
}

await main();
