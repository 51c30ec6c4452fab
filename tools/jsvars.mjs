// Memory estimate of an app on a board (docs/MEMORY.md explains the model and its calibration): a
// quick pre-check from the source. The build's memory gate is the peak measured on the board's real
// engine (tools/engines.mjs, tools/bundles.mjs); this model is fitted to those measurements and a
// test holds it within ±15 % of them for every bundle.
// Espruino: JsVars. JerryScript: heap bytes (the same model × 16 bytes per unit, plus the bytecode).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEs5, walk } from './es5check.mjs';

/** Bytes per element of each numeric layout kind. */
export const KIND_BYTES = { i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, f32: 4, f64: 8 };

/** The model's constants (JsVars), calibrated against ENGINES.md §1; see docs/MEMORY.md. */
export const MODEL = {
  /** An object held in an array: the array's index name (1) + the object (1). */
  slotBase: 2,
  /** Each property of a held object: its name JsVar plus, on average, half a JsVar of value (small
   *  ints and short strings fit in the name; floats and longer strings take their own). */
  perField: 1.5,
  /** A ring's fixed part: the array, cursors, counters. */
  ringBase: 10,
  /** A typed array: the view, its ArrayBuffer and the property name. */
  typedArrayBase: 3,
  /** A compact ring's fixed part beyond its typed arrays (array of columns, scratch object). */
  compactBase: 2,
  /** A record: record object, key, buffer object, metrics counters, producer, reader list, context. */
  recordBase: 45,
  /** A reader (tap, link, transform input): cursor object and callback reference. */
  reader: 8,
  /** One slot of a join's trigger queue (index, value reference) and the queue's own base. */
  joinSlot: 3,
  joinBase: 10,
  /** The runtime adapter, scheduler, timer set and database object. */
  runtimeBase: 60,
  /** Starting the core and an app beyond the parts above: the builder's and database's objects,
   *  the closures each stage and record makes, scope chains kept alive by them, the interpreter's
   *  own state. Fitted to the peaks measured on the real engines (docs/MEMORY.md): without it the
   *  model was 1,560–1,690 JsVars low with the code in flash, 2,050–3,330 with the code in RAM
   *  (where the text of every function made at start is in RAM too). */
  startFlash: 1650,
  startRam: 2650,
  /** Connection state (not code) of each connector. */
  connectors: { mqtt: 150, aimx: 90, serial: 60, wifi: 20, tcp: 30, storage: 10 },
  /** Each function object: the function, its scope link and its name in the enclosing scope. */
  perFunction: 3,
  /** A function whose code stays in flash also holds a reference to it. */
  flashRef: 1,
  /** Characters of source text per string JsVar = bytesPerJsVar − this. */
  stringOverhead: 4,
  /** JerryScript: bytes per model unit (a property ≈ 8 B + value, an object ≈ 16–32 B). */
  jerryBytesPerUnit: 16,
  /** JerryScript: bytecode bytes per byte of minified source. */
  jerryBytecodeRatio: 0.7,
  /** JerryScript: heap bytes of starting the core and an app beyond the parts above (fitted to
   *  the 2.4 es5.1 build's heap peak, like `startFlash`). */
  jerryStartBytes: 11130,
};

function problemsOfApp(app, file) {
  const p = [];
  if (!Array.isArray(app.boards) || app.boards.length === 0) p.push('"boards" must be a non-empty array of board names');
  if (typeof app.entry !== 'string') p.push('"entry" must name the app module (e.g. "main.ts")');
  if (app.scenarioMs !== undefined && !(Number.isInteger(app.scenarioMs) && app.scenarioMs >= 100 && app.scenarioMs <= 600000)) {
    p.push('"scenarioMs" (virtual ms the build runs the app on its engine) must be an integer from 100 to 600000');
  }
  const mem = app.memory;
  if (!mem || typeof mem !== 'object') p.push('"memory" must describe the records (see docs/MEMORY.md)');
  else {
    if (!Array.isArray(mem.records)) p.push('"memory.records" must be an array');
    else
      mem.records.forEach((r, i) => {
        const at = `"memory.records[${i}]"`;
        if (typeof r.key !== 'string') p.push(`${at}.key must be a string`);
        if (!['ring', 'singleLatest', 'mailbox'].includes(r.buffer)) p.push(`${at}.buffer must be ring, singleLatest or mailbox`);
        if (r.buffer === 'ring' && !(Number.isInteger(r.capacity) && r.capacity >= 1)) p.push(`${at}.capacity must be an integer ≥ 1`);
        if (r.layout !== undefined) {
          if (r.buffer !== 'ring') p.push(`${at}.layout is for rings only`);
          for (const [f, k] of Object.entries(r.layout || {})) if (!KIND_BYTES[k]) p.push(`${at}.layout.${f}: unknown kind "${k}"`);
        } else if (!(Number.isInteger(r.fields) && r.fields >= 0)) p.push(`${at}.fields (properties per value) must be an integer ≥ 0`);
      });
    for (const c of mem.connectors || []) if (MODEL.connectors[c] === undefined) p.push(`"memory.connectors": unknown connector "${c}"`);
  }
  return p.map((m) => `${file}: ${m}`);
}

/** Loads examples/<app>/app.json; throws listing every problem. */
export function loadApp(dir) {
  const file = join(dir, 'app.json');
  let app;
  try {
    app = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${e.code === 'ENOENT' ? 'missing' : 'not valid JSON: ' + e.message}`);
  }
  const problems = problemsOfApp(app, file);
  if (problems.length) throw new Error('invalid app:\n  - ' + problems.join('\n  - '));
  const name = resolve(dir).split(/[\\/]/).pop();
  return { ...app, name, dir: resolve(dir), file };
}

/** JsVars of one record's buffer and stages. */
export function recordJsVars(r, bytesPerJsVar) {
  let n = MODEL.recordBase + MODEL.reader * (r.readers || 0);
  const slot = MODEL.slotBase + MODEL.perField * (r.fields || 0);
  if (r.buffer === 'ring') {
    if (r.layout) {
      n += MODEL.compactBase;
      for (const k of Object.values(r.layout)) n += MODEL.typedArrayBase + Math.ceil((r.capacity * KIND_BYTES[k]) / bytesPerJsVar);
    } else n += MODEL.ringBase + r.capacity * slot;
  } else n += slot;
  return Math.ceil(n);
}

/**
 * Function count and the text Espruino keeps for them: every function object stores its own source
 * text, nested functions included, so a factory's inner functions are counted twice (once in the
 * factory, once in each instance made — we assume one). Immediately-invoked wrappers (tsc's class
 * IIFEs) are not counted: their text is garbage once they returned.
 */
export function codeStats(code) {
  const ast = parseEs5(code);
  const iifes = new Set();
  walk(ast, (n) => {
    if ((n.type === 'CallExpression' || n.type === 'NewExpression') && n.callee.type === 'FunctionExpression') iifes.add(n.callee);
  });
  let functions = 0;
  let functionChars = 0;
  walk(ast, (n) => {
    if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression') {
      if (iifes.has(n)) return;
      functions++;
      functionChars += n.end - n.start;
    }
  });
  return { bytes: Buffer.byteLength(code), functions, functionChars };
}

/**
 * Estimates an app's memory on a board and checks the budgets.
 * @returns {{app, board, engine, bytes, uploadBytes, byteBudget, code, records, connectors, runtime, total, budget, capacity, unit, problems}}
 */
export function estimateMemory({ code, board, app, uploadBytes }) {
  const stats = codeStats(code);
  // What the board stores: the pretokenised upload on flash boards (tools/upload.mjs), else the code.
  const stored = uploadBytes === undefined ? stats.bytes : uploadBytes;
  const mem = app.memory;
  const bpv = board.engine === 'espruino' ? board.bytesPerJsVar : 16;
  const chars = Math.max(8, bpv - MODEL.stringOverhead);
  // Code run from flash (Storage `.bootcde`) keeps its text there: only the function objects use RAM.
  const inFlash = board.codeIn === 'flash';
  const codeUnits = (inFlash ? 0 : Math.ceil(stats.functionChars / chars)) + stats.functions * (MODEL.perFunction + (inFlash ? MODEL.flashRef : 0));
  const records = mem.records.reduce((s, r) => s + recordJsVars(r, bpv), 0);
  const joins = (mem.joinQueues || []).reduce((s, q) => s + MODEL.joinBase + q * MODEL.joinSlot, 0);
  const connectors = (mem.connectors || []).reduce((s, c) => s + MODEL.connectors[c], 0);
  const runtime = MODEL.runtimeBase + joins + (board.engine !== 'espruino' ? 0 : inFlash ? MODEL.startFlash : MODEL.startRam);
  const problems = [];
  if (stored > board.byteBudget) problems.push(`bundle is ${stored} bytes${stored !== stats.bytes ? ' as uploaded (' + stats.bytes + ' before pretokenising)' : ''}; the board's byteBudget is ${board.byteBudget}`);
  let report;
  if (board.engine === 'espruino') {
    const total = codeUnits + records + connectors + runtime;
    if (total > board.jsVarBudget) problems.push(`estimated ${total} JsVars (code ${codeUnits}, records ${records}, connectors ${connectors}, runtime ${runtime}); the board's jsVarBudget is ${board.jsVarBudget} of ${board.jsVars}`);
    report = { unit: 'JsVars', code: codeUnits, records, connectors, runtime, total, budget: board.jsVarBudget, capacity: board.jsVars };
  } else {
    const u = MODEL.jerryBytesPerUnit;
    const codeBytes = Math.ceil(stats.bytes * MODEL.jerryBytecodeRatio) + stats.functions * MODEL.perFunction * u;
    const total = codeBytes + (records + connectors + runtime) * u + MODEL.jerryStartBytes;
    if (total > board.heapBudgetBytes) problems.push(`estimated ${total} heap bytes; the board's heapBudgetBytes is ${board.heapBudgetBytes} of ${board.heapBytes}`);
    report = { unit: 'heap bytes', code: codeBytes, records: records * u, connectors: connectors * u, runtime: runtime * u + MODEL.jerryStartBytes, total, budget: board.heapBudgetBytes, capacity: board.heapBytes };
  }
  return { app: app.name, board: board.name, engine: board.engine, codeIn: board.codeIn || 'ram', bytes: stats.bytes, uploadBytes: stored, byteBudget: board.byteBudget, functions: stats.functions, ...report, problems };
}
