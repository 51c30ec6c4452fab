#!/usr/bin/env node
// `make pack`: the installable npm package, staged in build/package/ and packed to build/<name>-<version>.tgz.
//
// One package, not several: the CLI builds a user's firmware with the bundler, which compiles the
// core's and the device targets' TypeScript sources for each board, so the core, the board files,
// the bundler and the CLI always travel together at one version; splitting them would only add
// version pairs that must match. What it holds (same layout as this repository, so every path a
// module computes from its own location stays true):
//
//   bridge/, targets/node/   the Node runtime, gateway and CLI compiled to JavaScript (tsc, tsconfig.build.json)
//   core/, targets/espruino/, targets/jerryscript/, targets/browser/
//                            the device sources (.ts, what the bundler compiles to ES5) and the core
//                            compiled for Node (.js)
//   types/                   declarations of all of the above (the package's "types")
//   dist/                    the core as one ES5 module (aimdb-core.js) and the demo's two board bundles
//   tools/, boards/          the bundler, its checks and budgets, the engines runner, the board files
//   bin/aimdb.mjs            the command
//
// Nothing in it needs tsx or a TypeScript loader at run time; typescript and rollup are dependencies
// because `aimdb build` compiles the user's app.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAGE = join(ROOT, 'build', 'package');
const fail = (m) => {
  console.error('pack: ' + m);
  process.exit(1);
};

/** The bundler's toolchain: development tools of this repository, run-time needs of `aimdb build`. */
const BUILD_DEPS = ['@rollup/plugin-terser', '@rollup/plugin-typescript', 'acorn', 'espruino', 'rollup', 'tslib', 'typescript'];
/** The bundles `aimdb demo` runs and the core module. */
const DIST_FILES = ['aimdb-core.js', 'aimdb-browser.js', 'package.json', 'pico-actuator.pico.js', 'pico-actuator.pico.json', 'climate-sensor.esp32.js', 'climate-sensor.esp32.json'];
/** Repository-only tools (README tables, the guarantees report). */
const TOOLS_LEFT_OUT = new Set(['guarantees.mjs', 'sizes.mjs', 'setup.sh', 'pack.mjs']);

/** The package's manifest: this repository's, with the run-time dependencies and the entry points. */
export function manifest(pkg) {
  const deps = { ...pkg.dependencies };
  for (const d of BUILD_DEPS) {
    const v = pkg.devDependencies?.[d] ?? pkg.dependencies?.[d];
    if (!v) fail(`package.json has no version of ${d}`);
    deps[d] = v;
  }
  const entry = (js, dts) => ({ types: `./types/${dts}`, default: `./${js}` });
  return {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    type: 'module',
    engines: pkg.engines,
    bin: pkg.bin,
    types: './types/core/index.d.ts',
    exports: {
      '.': entry('core/index.js', 'core/index.d.ts'),
      './mqtt': entry('core/mqtt/index.js', 'core/mqtt/index.d.ts'),
      './aimx': entry('core/aimx/index.js', 'core/aimx/index.d.ts'),
      './espruino': entry('targets/espruino/index.js', 'targets/espruino/index.d.ts'),
      './jerryscript': entry('targets/jerryscript/index.js', 'targets/jerryscript/index.d.ts'),
      './node': entry('targets/node/index.js', 'targets/node/index.d.ts'),
      './gateway': entry('bridge/gateway/gateway.js', 'bridge/gateway/gateway.d.ts'),
      './gateway/config': entry('bridge/gateway/config.js', 'bridge/gateway/config.d.ts'),
      './bridge/aimx': entry('bridge/aimx/index.js', 'bridge/aimx/index.d.ts'),
      './bridge/mqtt': entry('bridge/mqtt/index.js', 'bridge/mqtt/index.d.ts'),
      './sync': entry('bridge/sync/index.js', 'bridge/sync/index.d.ts'),
      './cli': entry('bridge/cli/main.js', 'bridge/cli/main.d.ts'),
      './bundler': { types: './tools/bundles.d.mts', default: './tools/bundles.mjs' },
      './es5': './dist/aimdb-core.js',
      './package.json': './package.json',
    },
    dependencies: Object.fromEntries(Object.entries(deps).sort()),
  };
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
  return r;
}

/** Copies the files under `dir` (relative to the repository) whose names pass `keep`. */
function copyTree(dir, keep) {
  const walk = (rel) => {
    for (const e of readdirSync(join(ROOT, rel), { withFileTypes: true })) {
      const r = join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else if (keep(e.name, r)) {
        mkdirSync(dirname(join(STAGE, r)), { recursive: true });
        copyFileSync(join(ROOT, r), join(STAGE, r));
      }
    }
  };
  walk(dir);
}

async function main() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  for (const f of DIST_FILES) if (!existsSync(join(ROOT, 'dist', f))) fail(`dist/${f} is missing: run make build first`);
  rmSync(STAGE, { recursive: true, force: true });
  rmSync(join(ROOT, 'build', 'package.tsbuildinfo'), { force: true });
  console.log('pack: compiling the Node runtime, gateway and CLI (tsc -p tsconfig.build.json)');
  run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);

  const ts = (n) => n.endsWith('.ts') && !n.endsWith('.test.ts');
  copyTree('core', ts);
  copyTree('targets/espruino', ts);
  copyTree('targets/jerryscript', (n) => ts(n) || n.endsWith('.js'));
  copyTree('targets/browser', ts);
  copyTree('tools', (n) => (n.endsWith('.mjs') || n.endsWith('.d.mts')) && !TOOLS_LEFT_OUT.has(n));
  copyTree('boards', () => true);
  copyTree('bin', (n) => n.endsWith('.mjs'));
  cpSync(join(ROOT, 'bridge/dashboard/public'), join(STAGE, 'bridge/dashboard/public'), { recursive: true });
  cpSync(join(ROOT, 'bridge/browser/public'), join(STAGE, 'bridge/browser/public'), { recursive: true });
  copyFileSync(join(ROOT, 'bridge/sync/boot.mjs'), join(STAGE, 'bridge/sync/boot.mjs'));
  mkdirSync(join(STAGE, 'dist'));
  for (const f of DIST_FILES) copyFileSync(join(ROOT, 'dist', f), join(STAGE, 'dist', f));
  mkdirSync(join(STAGE, 'docs'));
  for (const f of ['WRITE-YOUR-OWN-APP.md', 'CORE-API.md', 'MEMORY.md']) if (existsSync(join(ROOT, 'docs', f))) copyFileSync(join(ROOT, 'docs', f), join(STAGE, 'docs', f));
  cpSync(join(ROOT, 'docs/deploy'), join(STAGE, 'docs/deploy'), { recursive: true });
  copyFileSync(join(ROOT, 'README.md'), join(STAGE, 'README.md'));

  writeFileSync(join(STAGE, 'package.json'), JSON.stringify(manifest(pkg), null, 2) + '\n');
  // `aimdb --help` lists one line per subcommand: written here once, so the command does not load
  // every subcommand's module (the gateway's among them) to print them.
  const cmdDir = join(STAGE, 'bridge/cli/commands');
  const summaries = {};
  for (const f of readdirSync(cmdDir).filter((n) => n.endsWith('.js')).sort()) {
    const mod = await import(pathToFileURL(join(cmdDir, f)).href);
    if (!mod.command) fail(`${relative(STAGE, join(cmdDir, f))} exports no command`);
    summaries[f.slice(0, -3)] = mod.command.summary;
  }
  writeFileSync(join(cmdDir, 'summaries.json'), JSON.stringify(summaries, null, 2) + '\n');

  const r = spawnSync('npm', ['pack', '--pack-destination', join(ROOT, 'build'), '--json', '--loglevel=error'], { cwd: STAGE, encoding: 'utf8' });
  if (r.status !== 0) fail('npm pack failed:\n' + r.stderr);
  const info = JSON.parse(r.stdout)[0];
  console.log(`pack: build/${info.filename} (${info.entryCount} files, ${(info.size / 1024).toFixed(0)} kB packed, ${(info.unpackedSize / 1024).toFixed(0)} kB unpacked)`);
}

await main();
