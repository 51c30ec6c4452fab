/**
 * Helpers of the target tests: build the bundles when missing, run a script on duktape/mujs, run a
 * bundle in a Node vm context without the globals the device engines lack.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import vm from 'node:vm';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const DIST = join(ROOT, 'dist');
export const REFERENCE_HOST = readFileSync(join(ROOT, 'targets/jerryscript/host/reference-host.js'), 'utf8');

/** The ES5 engines the tests use (Debian packages `duktape`, `mujs`). */
export const ENGINES = ['duk', 'mujs'] as const;
export type Engine = (typeof ENGINES)[number];

/** Builds dist/ with Rollup unless the smoke bundles are there already (make test builds first). */
export function ensureBuilt(): void {
  if (existsSync(join(DIST, 'smoke.pico.js')) && existsSync(join(DIST, 'aimdb-core.js'))) return;
  execFileSync(join(ROOT, 'node_modules/.bin/rollup'), ['-c', '--silent'], { cwd: ROOT, stdio: 'pipe', timeout: 600_000 });
}

/** App bundles in dist/ as `{app, board, file}`. */
export function appBundles(): Array<{ app: string; board: string; file: string }> {
  const out: Array<{ app: string; board: string; file: string }> = [];
  for (const f of existsSync(DIST) ? readdirSync(DIST).sort() : []) {
    const m = /^([\w-]+)\.([\w-]+)\.js$/.exec(f);
    if (m) out.push({ app: m[1], board: m[2], file: join(DIST, f) });
  }
  return out;
}

/** Runs `source` on an engine; returns stdout lines and the exit status. Bounded in time. */
export function runOnEngine(engine: Engine, source: string, timeoutMs = 60_000): { lines: string[]; status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'aimdb-engine-'));
  const file = join(dir, 'run.js');
  writeFileSync(file, source);
  const r = spawnSync(engine, [file], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { lines: (r.stdout || '').split('\n').filter((l) => l.length > 0), status: r.status, stderr: (r.stderr || '') + (r.error ? String(r.error) : '') };
}

/** The script that runs a board bundle host-driven for `untilMs` of virtual time. */
export function hostScript(bundle: string, untilMs: number): string {
  return REFERENCE_HOST + '\n' + bundle + '\n;hostRun(' + untilMs + ');\n';
}

/** Globals missing on Espruino/JerryScript that a Node vm context must not offer. */
export const BANNED_GLOBALS = ['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Promise', 'Proxy', 'Reflect', 'setImmediate', 'queueMicrotask'];

/** A vm context without the banned globals (deleted from the context's own global object). */
export function bareContext(extra: Record<string, unknown> = {}): vm.Context {
  const ctx = vm.createContext({ ...extra });
  vm.runInContext(BANNED_GLOBALS.map((g) => `delete globalThis.${g};`).join(''), ctx);
  return ctx;
}

/** Runs a board bundle host-driven in a bare vm context; returns the printed lines. */
export function runInBareVm(bundle: string, untilMs: number): string[] {
  const lines: string[] = [];
  const ctx = bareContext({ print: (s: string) => lines.push(String(s)) });
  vm.runInContext(hostScript(bundle, untilMs), ctx, { timeout: 60_000 });
  return lines;
}

/** Runs an app's source on Node through the same host contract and drive loop as reference-host.js. */
export async function runSourceHostDriven(appMain: string, board: { name: string; engine: string; defaultUart: string; network: string[] }, untilMs: number): Promise<string[]> {
  const { bootHost } = await import('../../targets/jerryscript/index.js');
  const mod = await import(appMain);
  const lines: string[] = [];
  const host: any = { print: (l: string) => lines.push(l), write: () => undefined };
  bootHost(mod.main, board, host);
  let now = 0;
  let steps = 0;
  host.tick(0);
  for (;;) {
    const due = host.nextDue();
    if (due < 0 || due > untilMs || steps++ > 100000) break;
    now = due > now ? due : now;
    host.tick(now);
  }
  host.tick(untilMs);
  return lines;
}
