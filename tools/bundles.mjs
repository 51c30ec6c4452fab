// Rollup configurations for every device bundle (rollup.config.mjs imports bundleConfigs()):
//
//   dist/aimdb-core.js        the core alone, one ES5 CommonJS module (`require`, `Modules.addCached`)
//   dist/aimdb-browser.js     the core + its MQTT client + targets/browser, one ES5 script (global `AimDB`)
//   dist/<app>.<board>.js     each example app (examples/<app>/app.json) on each board it declares
//   dist/<app>.<board>.json   its report: bytes, JsVar estimate, budgets (read by `make sizes`/`flash`)
//
// Pipeline per bundle: guard (no tslib, no bare import, nothing from node_modules) → TypeScript to
// ES5 (the core's settings: no helpers, no downlevelIteration) → Rollup → terser (ES5, Espruino-safe,
// `__DEV__` false, `_internal` properties mangled) → hoisting (Espruino does not hoist) → artifact
// checks (ES5 parse, helper names, Espruino hazards, declaration order) → budgets. Any failure fails
// the build.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import { loadBoards } from './boards.mjs';
import { checkArtifact, rewritePrototypeReads } from './es5check.mjs';
import { checkDeclarationOrder, hoistDeclarations } from './hoist.mjs';
import { ESPRUINO_RESERVED } from './espruino-names.mjs';
import { estimateMemory, loadApp } from './jsvars.mjs';
import { uploadBytes } from './upload.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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

/** Fails the build on tslib, bare imports and anything from node_modules. */
export function deviceGuard() {
  return {
    name: 'aimdb-device-guard',
    resolveId(source, importer) {
      const from = importer ? relative(ROOT, importer) : 'the entry';
      if (/(^|\/)tslib(\/|$|\.)/.test(source)) {
        this.error(`tslib resolved into a device bundle (imported by ${from}): a construct there needs a TypeScript helper (extends, spread, async, …) — see STYLE.md`);
      }
      if (source.startsWith('\0') || source.startsWith('.') || source.startsWith('/')) return null;
      this.error(`bare import "${source}" in ${from}: device bundles may import only core/ and targets/ (no npm package, no Node built-in)`);
    },
    load(id) {
      if (id.includes('/node_modules/')) this.error(`${relative(ROOT, id)} comes from node_modules: device bundles are dependency-free`);
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
      mkdirSync(dirname(target.report), { recursive: true });
      // Written even when over budget (the figures explain the failure); the bundle itself is not.
      writeFileSync(target.report, JSON.stringify(report, null, 2) + '\n');
      if (report.problems.length) this.error(`${target.app.name} on ${target.board.name} is over budget:\n  - ${report.problems.join('\n  - ')}`);
    },
  };
}

const ENTRY_PREFIX = '\0aimdb-entry:';

/** The generated entry of an app bundle: import the app and start it the way the board's engine needs. */
export function entrySource(app, board) {
  const info = JSON.stringify({ name: board.name, engine: board.engine, defaultUart: board.defaultUart, network: board.network });
  const main = JSON.stringify(es5Path(join(app.dir, app.entry)));
  const espBoot = JSON.stringify(es5Path(join(ROOT, 'targets/espruino/boot.ts')));
  const espGlobals = JSON.stringify(es5Path(join(ROOT, 'targets/espruino/globals.ts')));
  const hostBoot = JSON.stringify(es5Path(join(ROOT, 'targets/jerryscript/boot.ts')));
  const host = "typeof aimdbHost !== 'undefined' ? aimdbHost : undefined";
  if (board.engine === 'espruino') {
    // Network ports are linked in only for boards that have a network.
    const net = board.network.includes('tcp');
    const wifi = board.network.includes('wifi');
    const imports = [`import { main } from ${main};`, `import { bootEspruino } from ${espBoot};`];
    if (net) imports.push(`import { espruinoSockets } from ${JSON.stringify(es5Path(join(ROOT, 'targets/espruino/tcp.ts')))};`);
    if (wifi) imports.push(`import { startWifi } from ${JSON.stringify(es5Path(join(ROOT, 'targets/espruino/wifi.ts')))};`);
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

function entryPlugin(app, board) {
  const id = ENTRY_PREFIX + app.name + '.' + board.name;
  return {
    name: 'aimdb-entry',
    resolveId(source) {
      return source === id ? id : null;
    },
    load(lid) {
      return lid === id ? entrySource(app, board) : null;
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
 */
function compileConfig(apps) {
  const input = [join(ROOT, 'core/index.ts'), join(ROOT, 'targets/espruino/index.ts'), join(ROOT, 'targets/jerryscript/index.ts'), join(ROOT, 'targets/browser/bundle.ts')];
  const include = ['core/**/*.ts', 'targets/espruino/**/*.ts', 'targets/jerryscript/**/*.ts', 'targets/browser/**/*.ts'];
  for (const app of apps) {
    input.push(join(app.dir, app.entry));
    include.push(relative(ROOT, app.dir) + '/**/*.ts');
  }
  return {
    input,
    onwarn,
    // Keep every export of every module: stage 2 tree-shakes per bundle.
    treeshake: false,
    plugins: [
      deviceGuard(),
      typescript({ tsconfig: false, compilerOptions: DEVICE_TS_OPTIONS, include, exclude: ['**/*.test.ts', 'node_modules/**'], noEmitOnError: true }),
    ],
    output: { dir: ES5_DIR, format: 'es', preserveModules: true, preserveModulesRoot: ROOT, entryFileNames: '[name].js', generatedCode: { preset: 'es5', constBindings: false } },
  };
}

/** The ES5 module stage 1 made from a source file. */
export function es5Path(srcPath) {
  return join(ES5_DIR, relative(ROOT, srcPath)).replace(/\.ts$/, '.js');
}

/**
 * All bundle configurations.
 * @param {{outDir?: string, apps?: string[], boards?: string[], core?: boolean}} [options]
 *   filters: only these app names / board names; `core: false` skips dist/aimdb-core.js.
 *   Environment: AIMDB_APPS, AIMDB_BOARDS (comma-separated) filter the same way.
 */
export function bundleConfigs(options = {}) {
  const outDir = options.outDir || join(ROOT, 'dist');
  const envList = (v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
  const onlyApps = options.apps || envList(process.env.AIMDB_APPS);
  const onlyBoards = options.boards || envList(process.env.AIMDB_BOARDS);
  const boards = loadBoards(join(ROOT, 'boards'));
  const byName = new Map(boards.map((b) => [b.name, b]));
  const apps = loadApps().filter((a) => !onlyApps || onlyApps.includes(a.name));
  const configs = [compileConfig(apps)];
  if (options.core !== false && !onlyApps) {
    configs.push({
      input: es5Path(join(ROOT, 'core/index.ts')),
      onwarn,
      plugins: [deviceGuard()],
      output: {
        file: join(outDir, 'aimdb-core.js'),
        format: 'cjs',
        exports: 'named',
        esModule: false,
        strict: false,
        generatedCode: { preset: 'es5', constBindings: false },
        plugins: [terser(terserOptions('core')), devicePost({ kind: 'core' })],
      },
    });
  }
  if (options.core !== false && !onlyApps) configs.push(browserConfig(outDir));
  for (const app of apps) {
    for (const bn of app.boards) {
      const board = byName.get(bn);
      if (!board) throw new Error(`${app.file}: board "${bn}" does not exist (boards: ${[...byName.keys()].join(', ')})`);
      if (onlyBoards && !onlyBoards.includes(bn)) continue;
      const entry = entryPlugin(app, board);
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

/**
 * dist/aimdb-browser.js: the same ES5 core for a web page, as one script defining the global
 * `AimDB`. Minified like the core (internal names mangled) and checked as ES5 with no helper; the
 * Espruino checks do not apply (a browser hoists and has every built-in).
 */
function browserConfig(outDir) {
  return {
    input: es5Path(join(ROOT, 'targets/browser/bundle.ts')),
    onwarn,
    plugins: [deviceGuard()],
    output: {
      file: join(outDir, 'aimdb-browser.js'),
      format: 'iife',
      name: 'AimDB',
      exports: 'named',
      strict: false,
      generatedCode: { preset: 'es5', constBindings: false },
      plugins: [
        // Not `toplevel`: the IIFE's `var AimDB = …` is the bundle's whole point, not an unused name.
        terser({ ...terserOptions('core'), toplevel: false }),
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
