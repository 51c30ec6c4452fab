#!/usr/bin/env node
// `make run-device APP=… BOARD=…`: runs an app's bundle on its board's real engine (Espruino 2v29 at
// the board's JsVar count, evaluated into RAM or booted from flash as the board does; JerryScript
// 2.4 with the board's heap, through the host contract) and prints the app's output and its memory
// peak against the board's budget.
//   default: the app's scenario on virtual time (app.json `scenarioMs`, else 10 s), deterministic.
//   --seconds N: real time for N seconds with the host's loopback network (an app that talks to a
//                broker on 127.0.0.1, e.g. after `require('Storage')` settings); Espruino boards only.
// Exit code 1 when the run prints a failure (Uncaught, OUT OF MEMORY, …) or its peak is over budget.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadBoard } from './boards.mjs';
import { DEFAULT_SCENARIO_MS, ensureBundle, ROOT } from './bundles.mjs';
import { enginesProblem, failureLine, runOnBoard, startEspruino } from './engines.mjs';
import { loadApp } from './jsvars.mjs';

function arg(name) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const fail = (msg) => {
  console.error('run-device: ' + msg);
  process.exit(1);
};

const boardName = arg('board');
const appName = arg('app');
const seconds = arg('seconds') ? Number(arg('seconds')) : undefined;
if (!boardName || !appName) fail('usage: tools/run-device.mjs --board <board> --app <app> [--seconds N]');
if (seconds !== undefined && !(seconds > 0 && seconds <= 3600)) fail('--seconds must be a number of seconds from 1 to 3600');
let board;
let app;
try {
  board = loadBoard(join(ROOT, 'boards', boardName));
  if (!existsSync(join(ROOT, 'examples', appName, 'app.json'))) fail(`no app "${appName}" (examples/${appName}/app.json)`);
  app = loadApp(join(ROOT, 'examples', appName));
} catch (e) {
  fail(e.message);
}
if (!app.boards.includes(boardName)) fail(`app "${appName}" does not declare board "${boardName}" (it supports: ${app.boards.join(', ')})`);
const problem = enginesProblem();
if (problem) fail(problem);

let bundle;
try {
  bundle = await ensureBundle(appName, boardName);
} catch (e) {
  fail(e.message);
}
const code = readFileSync(bundle, 'utf8');
const budget = board.engine === 'espruino' ? board.jsVarBudget : board.heapBudgetBytes;
const how = board.engine === 'espruino' ? `espruino-vars-${board.jsVars}, ${board.codeIn === 'flash' ? 'booted from flash' : 'code in RAM'}` : 'jerry-2.4-64k, host-driven';
console.log(`run-device: ${relative(ROOT, bundle)} on ${board.title} (${how}), ${seconds ? seconds + ' s of real time' : (app.scenarioMs || DEFAULT_SCENARIO_MS) + ' ms of virtual time'}`);

function summary(peak, capacity, unit, lines) {
  const pct = (n) => Math.round((100 * n) / capacity) + ' %';
  console.log(`memory: peak ${peak} of ${capacity} ${unit} (${pct(peak)}); budget ${budget} (${pct(budget)}, the rest is the board's reserve)`);
  const failure = failureLine(lines);
  if (failure) fail('the app failed on the engine: ' + failure);
  if (!(peak > 0)) fail('the run reported no memory peak');
  if (peak > budget) fail(`over budget by ${peak - budget} ${unit}`);
}

if (seconds === undefined) {
  const r = runOnBoard(code, board, { virtualMs: app.scenarioMs || DEFAULT_SCENARIO_MS });
  for (const l of r.lines) console.log(l);
  summary(r.peak, r.capacity, r.unit, r.lines);
} else {
  if (board.engine !== 'espruino') fail('--seconds is for Espruino boards (a JerryScript board runs host-driven on virtual time)');
  const run = startEspruino(code, { jsVars: board.jsVars, mode: board.codeIn === 'flash' ? 'flash' : 'ram', network: true });
  let shown = 0;
  const show = setInterval(() => {
    while (shown < run.lines.length) console.log(run.lines[shown++]);
  }, 100);
  process.on('SIGINT', () => run.stop());
  setTimeout(() => run.stop(), seconds * 1000);
  const status = await new Promise((resolve) => {
    const t = setInterval(() => {
      if (run.exited) {
        clearInterval(t);
        resolve(run.status);
      }
    }, 100);
  });
  clearInterval(show);
  while (shown < run.lines.length) console.log(run.lines[shown++]);
  if (status !== 0 && status !== null) console.log(`(the interpreter exited with ${status})`);
  summary(run.peak, run.total, 'JsVars', run.lines);
}
