/**
 * `make bench`: every benchmark of the project, each printed as a ratio against baselines measured
 * in the same run. Suites register here; a suite that needs a service (a broker, a worker) starts
 * and stops it itself on loopback.
 *
 * Usage: node --import tsx --expose-gc bench/run.ts [suite…]   (suites: core, sync, engines, gateway)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CORE_CASES, runCoreBenchmarks, type BenchRow } from './core.js';

/** Each core case in a fresh process, so that one case's JIT state cannot skew another's. */
function coreIsolated(): BenchRow[] {
  const rows: BenchRow[] = [];
  for (let i = 0; i < CORE_CASES.length; i++) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--expose-gc', fileURLToPath(import.meta.url), '--core-case', String(i)], { encoding: 'utf8' });
    rows.push(...(JSON.parse(out) as BenchRow[]));
  }
  return rows;
}

type Suite = () => Promise<BenchRow[]> | BenchRow[];

/** The real device engines: bench/engines.mjs runs the built core there; its hop rates become rows. */
function engines(): BenchRow[] {
  const here = fileURLToPath(new URL('./engines.mjs', import.meta.url));
  const out = execFileSync(process.execPath, [here, '--json', '--no-apps'], { encoding: 'utf8', timeout: 600_000 });
  const res = (JSON.parse(out.trim().split('\n').pop() as string) as { hops: { [engine: string]: { coreHopsPerSec: number; handHopsPerSec: number } } }).hops;
  return Object.entries(res).map(([engine, r]) => ({ name: `ring(64) → tap on ${engine}`, opsPerSec: r.coreHopsPerSec, baselines: { [`hand-written ES5 ring on ${engine}`]: r.handHopsPerSec } }));
}

async function optional(path: string, exportName: string): Promise<Suite | undefined> {
  try {
    const mod = (await import(path)) as { [k: string]: Suite };
    return mod[exportName];
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

function fmt(n: number | null): string {
  if (n === null || !isFinite(n)) return '-';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + ' M/s';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + ' k/s';
  return n.toFixed(1) + ' /s';
}

function print(suite: string, rows: BenchRow[]): void {
  console.log(`\n== ${suite}`);
  for (const r of rows) {
    const ratios = Object.entries(r.baselines ?? {})
      .map(([b, v]) => `${((r.opsPerSec ?? NaN) / v).toFixed(2)}× ${b} (${fmt(v)})`)
      .join(', ');
    const extra = r.extra ? Object.entries(r.extra).map(([k, v]) => `${k}: ${v}`).join(', ') : '';
    console.log(`${r.name.padEnd(36)} ${fmt(r.opsPerSec).padStart(11)}  ${ratios}${ratios && extra ? '; ' : ''}${extra}`);
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--core-case') {
    process.stdout.write(JSON.stringify(runCoreBenchmarks(Number(process.argv[3]))));
    return;
  }
  const wanted = process.argv.slice(2);
  const suites: Array<[string, Suite | undefined]> = [
    ['core', coreIsolated],
    ['sync', await optional('./sync.js', 'runSyncBenchmarks')],
    ['engines', engines],
    ['gateway', await optional('./gateway.js', 'runGatewayBenchmarks')],
  ];
  for (const [name, suite] of suites) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    if (!suite) {
      console.log(`\n== ${name}: not available`);
      continue;
    }
    print(name, await suite());
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
