#!/usr/bin/env node
// `make image BOARD=… APP=…` and `make flash BOARD=… APP=… PORT=…` (and `aimdb image`/`aimdb flash`
// in a project of one's own): runs the espruino CLI offline with the board's local JSON
// (`--board boards/<b>/<BOARD>.json`; a bare board name would be downloaded). Shows the budget
// figures first.
//   image: writes <dist>/image/<app>.<board>.upload.js (`-o`, exactly what would be uploaded) and, on
//          boards whose flash takes a hex image, <dist>/image/<app>.<board>.hex (`--ohex`).
//   flash: uploads to PORT, then `save()` (boards that run code from RAM) or with SAVE_ON_SEND=1 and
//          PRETOKENISE=1 (boards whose code runs from Storage, `codeIn: "flash"`; tools/upload.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadBoard } from './boards.mjs';
import { isFresh, ROOT } from './bundles.mjs';
import { buildBundles } from './build.mjs';
import { loadApp } from './jsvars.mjs';
import { ESPRUINO_CLI, uploadConfig } from './upload.mjs';

/** A failure to show as it is (no stack trace). */
export class FlashError extends Error {}

/**
 * Builds the bundle when it is stale, shows its budget, then writes the image or uploads it.
 * @param {{app: any, board: any, distDir: string, buildDir?: string, cwd: string, port?: string,
 *   image?: boolean, dryRun?: boolean, print: (line: string) => void}} o
 *   `app`, `board`: as loadApp/loadBoard return them; `cwd`: where the espruino CLI runs (paths are
 *   shown relative to it); `dryRun`: print the espruino command instead of running it.
 */
export async function flashApp(o) {
  const { app, board, print } = o;
  if (!app.boards.includes(board.name)) throw new FlashError(`app "${app.name}" does not declare board "${board.name}" (it supports: ${app.boards.join(', ')})`);
  const rel = (p) => relative(o.cwd, p);
  const bundle = join(o.distDir, `${app.name}.${board.name}.js`);
  const step = (n, text) => print(`[${n}/4] ${text}`);

  step(1, `bundle ${rel(bundle)}`);
  if (!isFresh(app, board, o.distDir)) {
    print('      building (this app and board only)…');
    try {
      await buildBundles({ appDirs: [app.dir], boards: [board.name], outDir: o.distDir, buildDir: o.buildDir, skipFresh: false });
    } catch (e) {
      throw new FlashError(`the build failed: ${e.message}`);
    }
  }

  const rep = JSON.parse(readFileSync(join(o.distDir, `${app.name}.${board.name}.json`), 'utf8'));
  step(2, `budget on ${board.title} (${board.chip})`);
  const pct = (a, b) => ((100 * a) / b).toFixed(0) + '%';
  const stored = rep.uploadBytes ?? rep.bytes;
  print(`      bytes   ${stored} of ${rep.byteBudget} (${pct(stored, rep.byteBudget)})${stored !== rep.bytes ? `, pretokenised from ${rep.bytes}` : ''}`);
  if (rep.measured) print(`      memory  ${rep.measured.peak} ${rep.measured.unit} measured peak on ${rep.measured.engine} (${rep.measured.mode}) of ${rep.budget} budget, ${rep.capacity} on the board (${pct(rep.measured.peak, rep.capacity)})`);
  print(`      memory  ${rep.total} ${rep.unit} estimated of ${rep.budget} budget, ${rep.capacity} on the board (${pct(rep.total, rep.capacity)})`);
  print(`              code ${rep.code}, records ${rep.records}, connectors ${rep.connectors}, runtime ${rep.runtime}; code runs from ${rep.codeIn === 'flash' ? 'flash (Storage)' : 'RAM'}`);
  if (rep.problems.length) throw new FlashError('over budget:\n  - ' + rep.problems.join('\n  - '));

  if (board.engine !== 'espruino') {
    step(3, 'JerryScript board: the bundle is the image');
    print(`      embed ${rel(bundle)} in the firmware (targets/jerryscript/README.md); nothing to upload with the espruino CLI`);
    step(4, 'done');
    return;
  }

  const common = ['--board', rel(board.espruinoBoardPath), ...uploadConfig(board)];
  let args;
  const imageDir = join(o.distDir, 'image');
  if (o.image) {
    mkdirSync(imageDir, { recursive: true });
    args = [...common, rel(bundle), '-o', rel(join(imageDir, `${app.name}.${board.name}.upload.js`))];
    if (board.ohex) args.push('--ohex', rel(join(imageDir, `${app.name}.${board.name}.hex`)));
    step(3, `espruino ${args.join(' ')}`);
  } else {
    if (!o.port) throw new FlashError('PORT is required to flash (e.g. make flash BOARD=pico APP=pico-actuator PORT=/dev/ttyACM0, or aimdb flash --port /dev/ttyACM0); an image needs no device');
    args = [...common, '-p', o.port, rel(bundle)];
    // Flash boards save through SAVE_ON_SEND (uploadConfig); RAM boards save their RAM image.
    if (board.codeIn !== 'flash') args.push('-e', 'save()');
    step(3, `espruino ${args.join(' ')}`);
  }
  if (o.dryRun) {
    print('      (dry run: not started)');
    return;
  }
  // A serial device path that does not exist: say so, rather than the espruino CLI's stack trace
  // about the Bluetooth bus it then tries.
  if (!o.image && o.port.startsWith('/') && !existsSync(o.port)) {
    throw new FlashError(`no device at ${o.port} (is the board plugged in? its port is usually /dev/ttyACM0 or /dev/ttyUSB0)`);
  }
  const r = spawnSync(process.execPath, [ESPRUINO_CLI, ...args], { cwd: o.cwd, stdio: 'inherit', timeout: 300_000 });
  if (r.status !== 0) throw new FlashError(`the espruino CLI failed (exit ${r.status ?? r.signal})`);
  step(4, o.image ? `image written to ${rel(imageDir)}/` : `uploaded to ${o.port}`);
}

/** `tools/flash.mjs --board <b> --app <examples app> (--image | --port <p>) [--dry-run]`. */
async function cli() {
  const arg = (name) => {
    const i = process.argv.indexOf('--' + name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const boardName = arg('board');
  const appName = arg('app');
  if (!boardName || !appName) throw new FlashError('usage: tools/flash.mjs --board <board> --app <app> (--image | --port <port>) [--dry-run]');
  const appDir = join(ROOT, 'examples', appName);
  if (!existsSync(join(appDir, 'app.json'))) throw new FlashError(`no app "${appName}" (examples/${appName}/app.json)`);
  await flashApp({
    app: loadApp(appDir),
    board: loadBoard(join(ROOT, 'boards', boardName)),
    distDir: join(ROOT, 'dist'),
    cwd: ROOT,
    port: arg('port'),
    image: process.argv.includes('--image'),
    dryRun: process.argv.includes('--dry-run'),
    print: (l) => console.log(l),
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await cli();
  } catch (e) {
    // Board and app files report every problem in their message; anything else is a bug: full trace.
    console.error('flash: ' + (e instanceof FlashError || e.name === 'BoardError' || /app\.json|invalid app/.test(e.message) ? e.message : e.stack));
    process.exit(1);
  }
}
