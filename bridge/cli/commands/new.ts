/**
 * `aimdb new <name> --board <board>`: a firmware project of one's own, outside this repository:
 * package.json (depends on this package), app.json (the app's boards, its memory and connectors),
 * src/main.ts (an app: a ring of readings and a writable setting, served to the gateway over AimX on
 * the board's UART), an ES5 tsconfig.json, a README and a .gitignore. The files are written only when
 * none of them exists yet.
 */
import fs from 'node:fs';
import path from 'node:path';
import { boardNames, PACKAGE_ROOT } from '../project.js';
import { UsageError, type CliCommand } from '../registry.js';

const USAGE = `Usage: aimdb new <name> [--board NAME] [--dir PARENT] [--package SPEC]
Creates the folder <name> with a firmware project for the board (default: pico).
  --board NAME     the board to build for (more can be added to app.json later)
  --dir PARENT     where to create it (default: the working folder)
  --package SPEC   the dependency on this package in its package.json (default: ^<this version>;
                   a tarball path or file: URL works too)`;

/** Lower-case letters, digits and dashes: an npm package name, a file name and a record prefix. */
const NAME = /^[a-z][a-z0-9-]{0,49}$/;

export const command: CliCommand = {
  name: 'new',
  summary: 'create a firmware project of your own (app, memory declarations, ES5 tsconfig)',
  usage: USAGE,
  flags: { board: 'string', dir: 'string', package: 'string' },
  async run(ctx) {
    if (ctx.args.length !== 1) throw new UsageError(ctx.args.length ? `unexpected argument '${ctx.args[1]}'` : 'missing the project name', USAGE);
    const name = ctx.args[0];
    if (!NAME.test(name)) throw new UsageError(`'${name}' is not a project name: lower-case letters, digits and dashes, starting with a letter, at most 50`, USAGE);
    const board = (ctx.flags.board as string | undefined) ?? 'pico';
    const boards = boardNames();
    if (!boards.includes(board)) throw new UsageError(`no board '${board}' (boards: ${boards.join(', ')})`, USAGE);
    const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    const spec = (ctx.flags.package as string | undefined) ?? `^${pkg.version}`;
    const dir = path.resolve((ctx.flags.dir as string | undefined) ?? process.cwd(), name);
    // The project's type check uses the bundler's own TypeScript settings (loaded here: heavy).
    const { DEVICE_TS_OPTIONS } = await import('../../../tools/bundles.mjs');
    const files = projectFiles(name, board, pkg.name, spec, DEVICE_TS_OPTIONS);
    const existing = Object.keys(files).filter((f) => fs.existsSync(path.join(dir, f)));
    if (existing.length) {
      ctx.err(`aimdb new: ${dir} already has ${existing.join(', ')}; nothing written`);
      return 1;
    }
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    ctx.out(`created ${dir} for ${board}: ${Object.keys(files).join(', ')}`);
    const rel = path.relative(process.cwd(), dir);
    ctx.out(`next: cd ${rel.startsWith('..') ? dir : rel} && npm install && npx aimdb build && npx aimdb run-device`);
    return 0;
  },
};

/** The project's files, by path inside it. */
export function projectFiles(name: string, board: string, pkgName: string, spec: string, device: { [option: string]: unknown }): { [file: string]: string } {
  const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';
  return {
    'package.json': json({
      name,
      version: '0.1.0',
      private: true,
      type: 'module',
      scripts: { build: 'aimdb build', 'run-device': 'aimdb run-device', image: 'aimdb image', typecheck: 'tsc -p .' },
      dependencies: { [pkgName]: spec },
    }),
    'app.json': json({
      title: `${name}: a ring of readings and a writable setting, served over AimX on the UART`,
      entry: 'src/main.ts',
      boards: [board],
      memory: {
        records: [
          { key: 'sensor.reading', buffer: 'ring', capacity: 32, layout: { t: 'u32', v: 'i16' }, readers: 2 },
          { key: 'sensor.settings', buffer: 'singleLatest', fields: 1, readers: 2 },
        ],
        connectors: ['aimx', 'serial'],
      },
    }),
    'tsconfig.json': json({
      // What `aimdb build` checks the device code with, type-checking only.
      compilerOptions: {
        ...Object.fromEntries(['target', 'module', 'moduleResolution', 'lib', 'types', 'strict', 'useDefineForClassFields', 'downlevelIteration'].map((k) => [k, device[k]])),
        noEmit: true,
        skipLibCheck: true,
      },
      include: ['src'],
    }),
    '.gitignore': 'node_modules/\ndist/\nbuild/\n',
    'src/main.ts': mainSource(name, pkgName),
    'README.md': readme(name, board, pkgName),
  };
}

function mainSource(name: string, pkg: string): string {
  return `/**
 * ${name}: a reading every second into a ring (\`sensor.reading\`) and a writable setting
 * (\`sensor.settings\`), both served to the gateway over AimX on the board's UART.
 *
 * Device code is ES5: no classes with \`extends\`, no spread, async, generators, Map, Set, Symbol or
 * Promise, no regular expressions, and imports only from '${pkg}', '${pkg}/aimx',
 * '${pkg}/mqtt', '${pkg}/espruino', '${pkg}/jerryscript' and this folder. \`aimdb build\` checks all of it.
 */
import { aimxServer, serveAimxOnStream } from '${pkg}/aimx';
import { builder, key, ring, singleLatest } from '${pkg}';
import type { Database } from '${pkg}';
import type { Platform } from '${pkg}/espruino';

/** A reading: \`t\` ms since boot, \`v\` tenths of a degree. */
export interface Reading {
  t: number;
  v: number;
}
/** A setting the gateway may write: tenths of a degree added to every reading. */
export interface Settings {
  offset: number;
}

export const Keys = {
  reading: key<Reading>('sensor.reading', 'Reading'),
  settings: key<Settings>('sensor.settings', 'Settings'),
};

/** UART speed of the gateway link (bits/s). */
export const BAUD = 115200;

/** What this app uses of the board's platform. */
export type SensorPlatform = Pick<Platform, 'runtime' | 'print' | 'openSerial' | 'board'>;

/** Builds and starts the database, serves it over AimX on the UART; returns how to stop. */
export function main(platform: SensorPlatform): { stop(): void; db: Database } {
  const print = platform.print;
  let offset = 0;
  let n = 0;
  const db = builder(platform.runtime)
    .nodeId('${name}')
    .configure(Keys.settings, (r) =>
      r
        .buffer(singleLatest())
        .tap((_ctx, c) => {
          c.each((s) => {
            offset = s.offset;
            print('settings offset=' + s.offset);
          });
        })
        .remote({ writable: true }),
    )
    .configure(Keys.reading, (r) =>
      r
        // A compact ring: two typed arrays instead of 32 objects (see the guide on memory).
        .buffer(ring(32, { layout: { t: 'u32', v: 'i16' } }))
        .source((ctx, producer) => {
          ctx.every(1000, () => {
            n++;
            // Stands in for a sensor: replace with a reading of your own (an analog pin, I2C, ...).
            producer.produce({ t: Math.round(ctx.now()), v: 215 + ((n * 7) % 20) + offset });
          });
        })
        .tap((_ctx, c) => {
          c.each((v, seq) => print('reading #' + seq + ' v=' + v.v));
        })
        .remote(),
    )
    .build()
    .start();
  const server = aimxServer(db, { server: '${name}', maxSubscriptions: 8, maxConnections: 1 });
  const link = serveAimxOnStream(server);
  link.attach(platform.openSerial(link, BAUD));
  print('${name} serving AimX on ' + platform.board.defaultUart);
  return {
    stop: function () {
      link.close();
      db.stop();
    },
    db: db,
  };
}
`;
}

function readme(name: string, board: string, pkg: string): string {
  return `# ${name}

A firmware project for the ${board} board, built with ${pkg} (AimDB.js).

    npm install              # ${pkg} and its build tools
    npx aimdb build          # dist/${name}.${board}.js and its budget report, for every board of app.json
    npx aimdb run-device     # runs it on the board's real engine (AIMDB_ENGINES) or in the simulator
    npx aimdb image          # dist/image/: what would be uploaded (no device needed)
    npx aimdb flash --port /dev/ttyACM0
    npm run typecheck        # the ES5 type check of src/

- \`src/main.ts\` is the app: \`main(platform)\` builds and starts the database.
- \`app.json\` names the entry, the boards and the memory the records need; the build checks the
  bundle's bytes and estimated memory against the board's budget with it.

The guide "Write your own app" (node_modules/${pkg}/docs/WRITE-YOUR-OWN-APP.md) explains every field of
app.json, the \`main(platform)\` contract and how to see the records on the gateway's dashboard.
`;
}
