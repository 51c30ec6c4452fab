#!/usr/bin/env node
// `make image BOARD=… APP=…` and `make flash BOARD=… APP=… PORT=…`: runs the espruino CLI offline
// with the board's local JSON (`--board boards/<b>/<BOARD>.json`; ENGINES.md §2: a bare name would be
// downloaded). Shows the budget figures first.
//   image: writes dist/image/<app>.<board>.upload.js (`-o`, exactly what would be uploaded) and, on
//          boards whose flash takes a hex image, dist/image/<app>.<board>.hex (`--ohex`).
//   flash: uploads to PORT, then `save()` (boards that run code from RAM) or with SAVE_ON_SEND=1 and
//          PRETOKENISE=1 (boards whose code runs from Storage, `codeIn: "flash"`; tools/upload.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadBoard } from './boards.mjs';
import { ensureBundle, ROOT } from './bundles.mjs';
import { uploadConfig } from './upload.mjs';

function arg(name) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const fail = (msg) => {
  console.error('flash: ' + msg);
  process.exit(1);
};

const boardName = arg('board');
const appName = arg('app');
const port = arg('port');
const imageOnly = process.argv.includes('--image');
// Prints the espruino command instead of running it (tests; checking what `make flash` would do).
const dryRun = process.argv.includes('--dry-run');
if (!boardName || !appName) fail('usage: tools/flash.mjs --board <board> --app <app> (--image | --port <port>)');
let board;
try {
  board = loadBoard(join(ROOT, 'boards', boardName));
} catch (e) {
  fail(e.message);
}
const appJson = join(ROOT, 'examples', appName, 'app.json');
if (!existsSync(appJson)) fail(`no app "${appName}" (examples/${appName}/app.json)`);
const app = JSON.parse(readFileSync(appJson, 'utf8'));
if (!app.boards.includes(boardName)) fail(`app "${appName}" does not declare board "${boardName}" (it supports: ${app.boards.join(', ')})`);

const bundle = join(ROOT, 'dist', `${appName}.${boardName}.js`);
const reportFile = join(ROOT, 'dist', `${appName}.${boardName}.json`);
const step = (n, text) => console.log(`[${n}/4] ${text}`);

step(1, `bundle ${relative(ROOT, bundle)}`);
try {
  ensureBundle(appName, boardName);
} catch (e) {
  fail(e.message);
}

const rep = JSON.parse(readFileSync(reportFile, 'utf8'));
step(2, `budget on ${board.title} (${board.chip})`);
const pct = (a, b) => ((100 * a) / b).toFixed(0) + '%';
const stored = rep.uploadBytes ?? rep.bytes;
console.log(`      bytes   ${stored} of ${rep.byteBudget} (${pct(stored, rep.byteBudget)})${stored !== rep.bytes ? `, pretokenised from ${rep.bytes}` : ''}`);
if (rep.measured) console.log(`      memory  ${rep.measured.peak} ${rep.measured.unit} measured peak on ${rep.measured.engine} (${rep.measured.mode}) of ${rep.budget} budget, ${rep.capacity} on the board (${pct(rep.measured.peak, rep.capacity)})`);
console.log(`      memory  ${rep.total} ${rep.unit} estimated of ${rep.budget} budget, ${rep.capacity} on the board (${pct(rep.total, rep.capacity)})`);
console.log(`              code ${rep.code}, records ${rep.records}, connectors ${rep.connectors}, runtime ${rep.runtime}; code runs from ${rep.codeIn === 'flash' ? 'flash (Storage)' : 'RAM'}`);
if (rep.problems.length) fail('over budget:\n  - ' + rep.problems.join('\n  - '));

if (board.engine !== 'espruino') {
  step(3, 'JerryScript board: the bundle is the image');
  console.log(`      embed ${relative(ROOT, bundle)} in the firmware (targets/jerryscript/README.md); nothing to upload with the espruino CLI`);
  step(4, 'done');
  process.exit(0);
}

const cli = join(ROOT, 'node_modules/.bin/espruino');
const common = ['--board', relative(ROOT, board.espruinoBoardPath), ...uploadConfig(board)];
let args;
if (imageOnly) {
  const outDir = join(ROOT, 'dist', 'image');
  mkdirSync(outDir, { recursive: true });
  const js = join(outDir, `${appName}.${boardName}.upload.js`);
  args = [...common, relative(ROOT, bundle), '-o', relative(ROOT, js)];
  if (board.ohex) args.push('--ohex', relative(ROOT, join(outDir, `${appName}.${boardName}.hex`)));
  step(3, `espruino ${args.join(' ')}`);
} else {
  if (!port) fail('PORT is required to flash (e.g. make flash BOARD=pico APP=pico-actuator PORT=/dev/ttyACM0); `make image` needs no device');
  args = [...common, '-p', port, relative(ROOT, bundle)];
  // Flash boards save through SAVE_ON_SEND (uploadConfig); RAM boards save their RAM image.
  if (board.codeIn !== 'flash') args.push('-e', 'save()');
  step(3, `espruino ${args.join(' ')}`);
}
if (dryRun) {
  console.log('      (dry run: not started)');
  process.exit(0);
}
const r = spawnSync(cli, args, { cwd: ROOT, stdio: 'inherit', timeout: 300_000 });
if (r.status !== 0) fail(`the espruino CLI failed (exit ${r.status})`);
step(4, imageOnly ? `image written to dist/image/` : `uploaded to ${port}`);
