// Rollup configurations for every device bundle (rollup.config.mjs imports bundleConfigs()):
//
//   dist/aimdb-core.js        the core alone, one ES5 CommonJS module (`require`, `Modules.addCached`)
//   dist/aimdb-browser.js     the core + its MQTT client + targets/browser, one ES5 script (global `AimDB`)
//   dist/<app>.<board>.js     each example app (examples/<app>/app.json) on each board it declares
//                             (or the app folders given, e.g. a user's project built by `aimdb build`)
//   dist/<app>.<board>.json   its report: bytes, JsVar estimate, budgets (read by `make sizes`/`flash`)
//
// Pipeline per bundle: guard (no tslib, no bare import, nothing from node_modules) → TypeScript to
// ES5 (the core's settings: no helpers, no downlevelIteration) → Rollup → terser (ES5, Espruino-safe,
// `__DEV__` false, `_internal` properties mangled) → hoisting (Espruino does not hoist) → artifact
// checks (ES5 parse, helper names, Espruino hazards, declaration order) → budgets. Any failure fails
// the build.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import { loadBoards } from './boards.mjs';
import { checkArtifact, rewritePrototypeReads } from './es5check.mjs';
import { checkDeclarationOrder, hoistDeclarations } from './hoist.mjs';
import { ESPRUINO_RESERVED } from './espruino-names.mjs';
import { estimateMemory, loadApp } from './jsvars.mjs';
import { enginesProblem, measureOnBoard } from './engines.mjs';
import { uploadBytes } from './upload.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** This package's name: an app outside this repository imports the core as `<name>`, `<name>/mqtt`, … */
export const PACKAGE_NAME = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).name;

/** What an app may import by the package's name (subpath → device source). */
export const DEVICE_IMPORTS = {
  '': 'core/index.ts',
  '/mqtt': 'core/mqtt/index.ts',
  '/aimx': 'core/aimx/index.ts',
  '/espruino': 'targets/espruino/index.ts',
  '/jerryscript': 'targets/jerryscript/index.ts',
};

/** The device source a package import names, or undefined. */
function packageImport(source) {
  if (source !== PACKAGE_NAME && !source.startsWith(PACKAGE_NAME + '/')) return undefined;
  const file = DEVICE_IMPORTS[source.slice(PACKAGE_NAME.length)];
  return file && join(ROOT, file);
}

/** True when `file` is `dir` or inside it. */
function inside(dir, file) {
  const r = relative(dir, file);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/** A file as errors show it: relative to this repository, or to the working folder (a user's app). */
function shown(file) {
  return relative(inside(ROOT, file) ? ROOT : process.cwd(), file);
}

/** The TypeScript settings of every device bundle: core/tsconfig.json's, emitting ES5. */
export const DEVICE_TS_OPTIONS = {
  target: 'ES5',
  module: 'ESNext',
  moduleResolution: 'Bundler',
  lib: ['ES5'],
  types: [],
  strict: true,
  skipLibCheck: true,
  useDefineForClassFields: false,
  downlevelIteration: false,
  importHelpers: true, // a helper becomes `import … from 'tslib'`, which the guard turns into a build error
  noEmitHelpers: false,
  noEmit: false,
  declaration: false,
  sourceMap: false,
  removeComments: true,
  noEmitOnError: true,
};

/** terser options that Espruino survives (ENGINES.md §1). */
export function terserOptions(kind) {
  return {
    ecma: 5,
    module: false,
    toplevel: true,
    compress: {
      ecma: 5,
      global_defs: { __DEV__: false },
      passes: 2,
      // No unsafe rewrites: they assume a spec engine (Espruino's built-ins differ).
      unsafe: false,
      unsafe_arrows: false,
      unsafe_comps: false,
      unsafe_Function: false,
      unsafe_math: false,
      unsafe_methods: false,
      unsafe_proto: false,
      unsafe_regexp: false,
      unsafe_undefined: false,
      // `typeof x == "undefined"` must stay as written: Espruino globals are probed that way.
      typeofs: false,
      keep_fargs: true,
      hoist_funs: false,
      hoist_vars: false,
    },
    mangle: {
      reserved: kind === 'core' ? ['module', 'exports', 'require'] : ESPRUINO_RESERVED,
      properties: { regex: /^_/ },
    },
    format: { ecma: 5, comments: false, ascii_only: true, semicolons: true },
  };
}

/**
 * Fails the build on tslib, bare imports and anything from node_modules. The package's own name
 * (`import { builder } from 'aimdb-js'` in an app outside this repository) resolves to the device
 * sources ({@link DEVICE_IMPORTS}).
 */
export function deviceGuard() {
  return {
    name: 'aimdb-device-guard',
    resolveId(source, importer) {
      const from = importer ? shown(importer) : 'the entry';
      if (/(^|\/)tslib(\/|$|\.)/.test(source)) {
        this.error(`tslib resolved into a device bundle (imported by ${from}): a construct there needs a TypeScript helper (extends, spread, async, …) — see STYLE.md`);
      }
      if (source.startsWith('\0') || source.startsWith('.') || source.startsWith('/')) return null;
      const own = packageImport(source);
      if (own) return own;
      this.error(
        `bare import "${source}" in ${from}: device bundles may import only the core and the device targets ` +
          `(${Object.keys(DEVICE_IMPORTS).map((k) => `'${PACKAGE_NAME}${k}'`).join(', ')}, or core/ and targets/ by path) and the app's own files; no npm package, no Node built-in`,
      );
    },
    load(id) {
      // This package itself may be installed in a node_modules folder (a user's project): only other
      // packages are refused.
      const third = inside(ROOT, id) ? relative(ROOT, id).split(sep).includes('node_modules') : id.split(sep).includes('node_modules');
      if (third) this.error(`${shown(id)} comes from node_modules: device bundles are dependency-free`);
      return null;
    },
  };
}

/**
 * Post-processing of the minified bundle: hoisting, artifact checks, budgets, the report file.
 * @param {{kind:'core'|'app', board?:object, app?:object, report?:string}} target
 */
export function devicePost(target) {
  return {
    name: 'aimdb-device-post',
    renderChunk(code) {
      const fixed = rewritePrototypeReads(code);
      if (fixed.rewrites.length) {
        this.warn(`rewrote ${fixed.rewrites.join(', ')} to instance reads (undefined on Espruino, ENGINES.md §1); fix the source`);
      }
      const hoisted = hoistDeclarations(fixed.code);
      const problems = [...checkArtifact(hoisted, { espruino: true }), ...checkDeclarationOrder(hoisted)];
      if (problems.length) this.error(`bundle fails the device checks:\n  - ${problems.join('\n  - ')}`);
      return { code: hoisted, map: null };
    },
    generateBundle(opts, bundle) {
      if (target.kind === 'core') {
        // package.json says "type": "module"; this one makes Node's `require` read dist/*.js as CommonJS.
        mkdirSync(dirname(opts.file), { recursive: true });
        writeFileSync(join(dirname(opts.file), 'package.json'), '{ "type": "commonjs" }\n');
      }
      if (target.kind !== 'app') return;
      const chunk = Object.values(bundle).find((c) => c.type === 'chunk');
      const report = estimateMemory({ code: chunk.code, board: target.board, app: target.app, uploadBytes: uploadBytes(chunk.code, target.board) });
      report.measured = measureApp(chunk.code, target.board, target.app);
      report.problems.push(...measuredProblems(report.measured, target.board));
      mkdirSync(dirname(target.report), { recursive: true });
      // Written even when over budget (the figures explain the failure); the bundle itself is not.
      writeFileSync(target.report, JSON.stringify(report, null, 2) + '\n');
      if (report.problems.length) this.error(`${target.app.name} on ${target.board.name} is over budget:\n  - ${report.problems.join('\n  - ')}`);
    },
  };
}

/** Virtual time an app runs its scenario for when the build measures it (app.json `scenarioMs`). */
export const DEFAULT_SCENARIO_MS = 10000;

/**
 * The memory gate: runs the bundle on its board's real engine (Espruino at the board's JsVar count,
 * in the board's code mode; JerryScript 2.4 with the board's heap) for the app's scenario and
 * returns what the engine measured (tools/engines.mjs; cached by content under build/engine-peaks/).
 * Without the engines the build cannot measure, and fails with what to install.
 */
export function measureApp(code, board, app) {
  const problem = enginesProblem();
  if (problem) throw new Error(`cannot measure ${app.name} on ${board.name}: ${problem}`);
  const m = measureOnBoard(code, board, { virtualMs: app.scenarioMs || DEFAULT_SCENARIO_MS });
  delete m.cached;
  return m;
}

/** Problems of a measured run: a failure line, or a peak over the board's budget (its reserve kept free). */
export function measuredProblems(m, board) {
  const p = [];
  const budget = board.engine === 'espruino' ? board.jsVarBudget : board.heapBudgetBytes;
  if (m.failure) p.push(`on ${m.engine} (${m.mode}) the run failed: ${m.failure}${m.tail.length ? '\n      ' + m.tail.join('\n      ') : ''}`);
  else if (!(m.peak > 0)) p.push(`on ${m.engine} (${m.mode}) the run reported no memory peak`);
  else if (m.peak > budget) {
    const pct = Math.round((100 * m.peak) / m.capacity);
    p.push(`measured peak ${m.peak} ${m.unit} on ${m.engine} (${m.mode}), ${pct} % of ${m.capacity}; the board's budget is ${budget} (${Math.round((100 * budget) / m.capacity)} %, the rest is its reserve)`);
  }
  return p;
}

const ENTRY_PREFIX = '\0aimdb-entry:';

/** The generated entry of an app bundle: import the app and start it the way the board's engine needs. */
export function entrySource(app, board, buildDir = ES5_DIR) {
  const es5 = (src) => JSON.stringify(es5Path(src, buildDir));
  const info = JSON.stringify({ name: board.name, engine: board.engine, defaultUart: board.defaultUart, network: board.network });
  const main = es5(join(app.dir, app.entry));
  const espBoot = es5(join(ROOT, 'targets/espruino/boot.ts'));
  const espGlobals = es5(join(ROOT, 'targets/espruino/globals.ts'));
  const hostBoot = es5(join(ROOT, 'targets/jerryscript/boot.ts'));
  const host = "typeof aimdbHost !== 'undefined' ? aimdbHost : undefined";
  if (board.engine === 'espruino') {
    // Network ports are linked in only for boards that have a network.
    const net = board.network.includes('tcp');
    const wifi = board.network.includes('wifi');
    const imports = [`import { main } from ${main};`, `import { bootEspruino } from ${espBoot};`];
    if (net) imports.push(`import { espruinoSockets } from ${es5(join(ROOT, 'targets/espruino/tcp.ts'))};`);
    if (wifi) imports.push(`import { startWifi } from ${es5(join(ROOT, 'targets/espruino/wifi.ts'))};`);
    const ports = `{ ${[net ? 'sockets: espruinoSockets' : '', wifi ? 'startWifi: startWifi' : ''].filter(Boolean).join(', ')} }`;
    if (app.hostFallback === false) {
      // The app opted out of the host-driven fallback (to fit a small board): Espruino only.
      return `${imports.join('\n')}\nbootEspruino(main, ${info}, ${ports});\n`;
    }
    // On Espruino the app starts from E.on('init'); on any other ES5 engine (duktape, mujs in the
    // tests) the same bundle runs host-driven through the JerryScript host contract.
    imports.push(`import { isEspruino } from ${espGlobals};`, `import { bootHost } from ${hostBoot};`);
    return `${imports.join('\n')}\nvar board = ${info};\nif (isEspruino()) bootEspruino(main, board, ${ports});\nelse bootHost(main, board, ${host});\n`;
  }
  return `import { main } from ${main};\nimport { bootHost } from ${hostBoot};\nbootHost(main, ${info}, ${host});\n`;
}

function entryPlugin(app, board, buildDir) {
  const id = ENTRY_PREFIX + app.name + '.' + board.name;
  return {
    name: 'aimdb-entry',
    resolveId(source) {
      return source === id ? id : null;
    },
    load(lid) {
      return lid === id ? entrySource(app, board, buildDir) : null;
    },
    id,
  };
}

/** Every app under examples/ that has an app.json. */
export function loadApps(root = join(ROOT, 'examples')) {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .filter((n) => existsSync(join(root, n, 'app.json')))
    .map((n) => loadApp(join(root, n)));
}

const onwarn = (warning, warn) => {
  // An unresolved import or a TypeScript diagnostic is a bug in a device bundle, not a warning.
  if (warning.code === 'UNRESOLVED_IMPORT' || (warning.code === 'PLUGIN_WARNING' && warning.plugin === 'typescript')) throw new Error(warning.message);
  warn(warning);
};

/** Where stage 1 writes the ES5 modules that stage 2 bundles. */
export const ES5_DIR = join(ROOT, 'build', 'es5');

/**
 * Stage 1: one TypeScript program (type-checked, `noEmitOnError`) compiles the core, the device
 * targets and the apps to ES5 modules in build/es5/ (one file per source file). One program instead
 * of one per bundle keeps the build fast; the guard fails on tslib here already.
 *
 * The program holds the entries and what they import, nothing else: a Node helper beside an app's
 * entry (a test, a script) is not compiled for the device. Its settings are written to
 * `<buildDir>/tsconfig.json` (the TypeScript plugin takes a file), so a tsconfig.json of the app's own
 * folder plays no part.
 */
function compileConfig(apps, buildDir) {
  const input = [join(ROOT, 'core/index.ts'), join(ROOT, 'targets/espruino/index.ts'), join(ROOT, 'targets/jerryscript/index.ts'), join(ROOT, 'targets/browser/bundle.ts')];
  const include = ['core', 'targets/espruino', 'targets/jerryscript', 'targets/browser'].map((d) => join(ROOT, d, '**/*.ts'));
  for (const app of apps) {
    input.push(join(app.dir, app.entry));
    include.push(join(app.dir, '**/*.ts'));
  }
  const paths = {};
  for (const [sub, file] of Object.entries(DEVICE_IMPORTS)) paths[PACKAGE_NAME + sub] = [join(ROOT, file)];
  const tsconfig = join(buildDir, 'tsconfig.json');
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(tsconfig, JSON.stringify({ compilerOptions: { ...DEVICE_TS_OPTIONS, paths }, files: input }, null, 2) + '\n');
  return {
    input,
    onwarn,
    // Keep every export of every module: stage 2 tree-shakes per bundle.
    treeshake: false,
    plugins: [deviceGuard(), typescript({ tsconfig, include, exclude: ['**/*.test.ts'], noEmitOnError: true })],
    output: {
      dir: buildDir,
      format: 'es',
      preserveModules: true,
      entryFileNames: (chunk) => es5Name(chunk.facadeModuleId),
      generatedCode: { preset: 'es5', constBindings: false },
    },
  };
}

/** Where in the build folder the ES5 module of a source file goes: its path in this repository, or
 *  `ext/<absolute path>` for an app outside it. */
function es5Name(srcPath) {
  const rel = inside(ROOT, srcPath) ? relative(ROOT, srcPath) : join('ext', resolve(srcPath).replace(/^([A-Za-z]:)?[\\/]+/, ''));
  return rel.replace(/\.ts$/, '.js');
}

/** The ES5 module stage 1 made from a source file. */
export function es5Path(srcPath, buildDir = ES5_DIR) {
  return join(buildDir, es5Name(srcPath));
}

/**
 * All bundle configurations.
 * @param {{outDir?: string, apps?: string[], boards?: string[], core?: boolean, appDirs?: string[], buildDir?: string, skipFresh?: boolean}} [options]
 *   filters: only these app names / board names; `core: false` skips dist/aimdb-core.js.
 *   `appDirs`: build these app folders (each with an app.json) instead of examples/; `buildDir`:
 *   where stage 1 writes its ES5 modules (default build/es5/). `skipFresh`: leave out every bundle
 *   that is newer than all of its inputs ({@link isFresh}).
 *   Environment: AIMDB_APPS, AIMDB_BOARDS (comma-separated) filter the same way.
 */
export function bundleConfigs(options = {}) {
  const outDir = options.outDir || join(ROOT, 'dist');
  const buildDir = options.buildDir || ES5_DIR;
  const envList = (v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
  const onlyApps = options.apps || envList(process.env.AIMDB_APPS);
  const onlyBoards = options.boards || envList(process.env.AIMDB_BOARDS);
  const boards = loadBoards(join(ROOT, 'boards'));
  const byName = new Map(boards.map((b) => [b.name, b]));
  const all = options.appDirs ? options.appDirs.map((d) => loadApp(resolve(d))) : loadApps();
  const wanted = (app, bn) => !onlyBoards || onlyBoards.includes(bn);
  const stale = (app, bn) => !options.skipFresh || !byName.has(bn) || !isFresh(app, byName.get(bn), outDir);
  const apps = all.filter((a) => (!onlyApps || onlyApps.includes(a.name)) && a.boards.some((bn) => wanted(a, bn) && stale(a, bn)));
  const coreFile = join(outDir, 'aimdb-core.js');
  const withCore = options.core !== false && !onlyApps && !options.appDirs && !(options.skipFresh && newestInput([]) < mtime(coreFile));
  const browserFile = join(outDir, 'aimdb-browser.js');
  const withBrowser = options.core !== false && !onlyApps && !options.appDirs && !(options.skipFresh && newestInput([join(ROOT, 'targets/browser')]) < mtime(browserFile));
  if (apps.length === 0 && !withCore && !withBrowser) return [];
  const configs = [compileConfig(apps, buildDir)];
  if (withCore) {
    configs.push({
      input: es5Path(join(ROOT, 'core/index.ts'), buildDir),
      onwarn,
      plugins: [deviceGuard()],
      output: {
        file: coreFile,
        format: 'cjs',
        exports: 'named',
        esModule: false,
        strict: false,
        generatedCode: { preset: 'es5', constBindings: false },
        plugins: [terser(terserOptions('core')), devicePost({ kind: 'core' })],
      },
    });
  }
  if (withBrowser) configs.push(browserConfig(browserFile, buildDir));
  for (const app of apps) {
    for (const bn of app.boards) {
      const board = byName.get(bn);
      if (!board) throw new Error(`${app.file}: board "${bn}" does not exist (boards: ${[...byName.keys()].join(', ')})`);
      if (!wanted(app, bn) || !stale(app, bn)) continue;
      const entry = entryPlugin(app, board, buildDir);
      configs.push({
        input: entry.id,
        onwarn,
        plugins: [deviceGuard(), entry],
        output: {
          file: join(outDir, `${app.name}.${board.name}.js`),
          format: 'es',
          strict: false,
          generatedCode: { preset: 'es5', constBindings: false },
          plugins: [
            terser(terserOptions('app')),
            devicePost({ kind: 'app', board, app, report: join(outDir, `${app.name}.${board.name}.json`) }),
          ],
        },
      });
    }
  }
  return configs;
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

/**
 * Newest modification time of the files under a path (folders walked), 0 when none exists. Only
 * files count: a folder's own time moves when the build creates dist/ or build/ in it.
 */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path)) if (e !== 'node_modules' && e !== 'dist' && e !== 'build') t = Math.max(t, newest(join(path, e)));
  return t;
}

/** Newest input of every bundle (core, device targets, the bundler) and of `more`. */
function newestInput(more) {
  return Math.max(...['core', 'targets/espruino', 'targets/jerryscript', 'tools', 'package.json'].map((p) => newest(join(ROOT, p))), ...more.map(newest));
}

/**
 * True when the bundle of `app` on `board` and its report exist and are newer than every input:
 * the core, the device targets, the bundler (tools/), the app's folder and the board's files.
 */
export function isFresh(app, board, outDir = join(ROOT, 'dist')) {
  const t = Math.min(mtime(join(outDir, `${app.name}.${board.name}.js`)), mtime(join(outDir, `${app.name}.${board.name}.json`)));
  return t > 0 && newestInput([app.dir, board.dir]) < t;
}

/**
 * dist/aimdb-browser.js: the same ES5 core for a web page, as one script defining the global
 * `AimDB`. Minified like the core (internal names mangled) and checked as ES5 with no helper; the
 * Espruino checks do not apply (a browser hoists and has every built-in).
 */
function browserConfig(file, buildDir) {
  return {
    input: es5Path(join(ROOT, 'targets/browser/bundle.ts'), buildDir),
    onwarn,
    plugins: [deviceGuard()],
    output: {
      file,
      format: 'iife',
      name: 'AimDB',
      exports: 'named',
      strict: false,
      generatedCode: { preset: 'es5', constBindings: false },
      plugins: [
        // Not `toplevel`: the IIFE's `var AimDB = …` is the bundle's whole point, not an unused name.
        // A page has memory to spare: it keeps the development messages (whole sentences in errors).
        terser({ ...terserOptions('core'), toplevel: false, compress: { ...terserOptions('core').compress, global_defs: { __DEV__: true } } }),
        {
          name: 'aimdb-browser-check',
          renderChunk(code) {
            const problems = checkArtifact(code, { espruino: false });
            if (problems.length) this.error(`browser bundle fails the checks:\n  - ${problems.join('\n  - ')}`);
            return null;
          },
        },
      ],
    },
  };
}

/** Reads the report written next to a bundle (bytes, JsVar estimate, budgets). */
export function readReport(app, board, outDir = join(ROOT, 'dist')) {
  return JSON.parse(readFileSync(join(outDir, `${app}.${board}.json`), 'utf8'));
}

/**
 * dist/<app>.<board>.js for an app of examples/, built first (this app and board only) unless it is
 * fresh (`isFresh`). Rejects when the build fails. Resolves with the bundle's path.
 */
export async function ensureBundle(appName, boardName) {
  const app = loadApp(join(ROOT, 'examples', appName));
  const board = loadBoards(join(ROOT, 'boards')).find((b) => b.name === boardName);
  if (!board) throw new Error(`no board "${boardName}" in boards/`);
  if (!isFresh(app, board)) {
    // On stderr: a command's own output (run-device's app lines) stays clean.
    console.error(`      building ${appName} for ${boardName} (this app and board only)…`);
    const { buildBundles } = await import('./build.mjs');
    await buildBundles({ appDirs: [app.dir], boards: [boardName], skipFresh: false });
  }
  return join(ROOT, 'dist', `${appName}.${boardName}.js`);
}
