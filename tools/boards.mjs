// Loads and validates boards/<name>/board.json. Every mistake in a file is reported at once, with
// the file's path, so that a malformed board fails the build with a message a person can act on.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Engines a board may declare. */
export const ENGINES = ['espruino', 'jerryscript'];
/** Network capabilities a board may declare. */
export const NETWORKS = ['wifi', 'tcp'];

const COMMON = {
  name: 'string',
  title: 'string',
  engine: 'string',
  chip: 'string',
  ramKB: 'posint',
  byteBudget: 'posint',
  defaultUart: 'string',
  network: 'array',
  ohex: 'boolean',
};
const BY_ENGINE = {
  espruino: { jsVars: 'posint', bytesPerJsVar: 'posint', jsVarBudget: 'posint', espruinoBoard: 'string' },
  jerryscript: { heapBytes: 'posint', heapBudgetBytes: 'posint' },
};

function typeProblem(value, kind) {
  if (value === undefined) return 'is missing';
  if (kind === 'string') return typeof value === 'string' && value.length > 0 ? null : 'must be a non-empty string';
  if (kind === 'posint') return Number.isInteger(value) && value > 0 ? null : 'must be a positive integer';
  if (kind === 'boolean') return typeof value === 'boolean' ? null : 'must be true or false';
  if (kind === 'array') return Array.isArray(value) ? null : 'must be an array';
  return 'has an unknown kind';
}

/**
 * Checks a parsed board.json. Returns a list of problems (empty when valid).
 * @param {unknown} board the parsed JSON
 * @param {string} dir the board's folder (to check the Espruino board JSON exists and the name)
 */
export function validateBoard(board, dir) {
  const problems = [];
  if (board === null || typeof board !== 'object' || Array.isArray(board)) return ['must be a JSON object'];
  for (const [field, kind] of Object.entries(COMMON)) {
    const p = typeProblem(board[field], kind);
    if (p) problems.push(`"${field}" ${p}`);
  }
  if (typeof board.engine === 'string' && !ENGINES.includes(board.engine)) {
    problems.push(`"engine" must be one of ${ENGINES.join(', ')} (got "${board.engine}")`);
  }
  const extra = BY_ENGINE[board.engine];
  if (extra) {
    for (const [field, kind] of Object.entries(extra)) {
      const p = typeProblem(board[field], kind);
      if (p) problems.push(`"${field}" ${p} (required for engine ${board.engine})`);
    }
  }
  if (Array.isArray(board.network)) {
    for (const n of board.network) {
      if (!NETWORKS.includes(n)) problems.push(`"network" entry "${n}" is not one of ${NETWORKS.join(', ')}`);
    }
  }
  if (board.engine === 'espruino' && !['ram', 'flash'].includes(board.codeIn)) {
    problems.push(`"codeIn" must be "ram" (upload, then save()) or "flash" (code runs from Storage .bootcde)`);
  }
  if (board.engine === 'espruino' && Number.isInteger(board.jsVarBudget) && Number.isInteger(board.jsVars)) {
    if (board.jsVarBudget > board.jsVars) problems.push(`"jsVarBudget" (${board.jsVarBudget}) exceeds "jsVars" (${board.jsVars})`);
  }
  if (board.engine === 'jerryscript' && Number.isInteger(board.heapBudgetBytes) && board.heapBudgetBytes > board.heapBytes) {
    problems.push(`"heapBudgetBytes" (${board.heapBudgetBytes}) exceeds "heapBytes" (${board.heapBytes})`);
  }
  if (dir) {
    const folder = resolve(dir).split(/[\\/]/).pop();
    if (typeof board.name === 'string' && board.name !== folder) problems.push(`"name" ("${board.name}") must equal the folder name ("${folder}")`);
    if (board.engine === 'espruino' && typeof board.espruinoBoard === 'string') {
      if (!board.espruinoBoard.endsWith('.json')) problems.push(`"espruinoBoard" must name a .json file (the espruino CLI reads a local file only when the name contains a dot)`);
      else if (!existsSync(join(dir, board.espruinoBoard))) problems.push(`"espruinoBoard" file ${board.espruinoBoard} does not exist in ${dir}`);
      else {
        try {
          const bj = JSON.parse(readFileSync(join(dir, board.espruinoBoard), 'utf8'));
          if (!bj.info || typeof bj.info.variables !== 'number') problems.push(`${board.espruinoBoard} has no info.variables`);
          else if (Number.isInteger(board.jsVars) && bj.info.variables !== board.jsVars) {
            problems.push(`"jsVars" (${board.jsVars}) differs from ${board.espruinoBoard} info.variables (${bj.info.variables})`);
          }
        } catch (e) {
          problems.push(`${board.espruinoBoard} is not valid JSON: ${e.message}`);
        }
      }
    }
  }
  return problems;
}

/** Thrown for a malformed board; `problems` lists every mistake. */
export class BoardError extends Error {
  constructor(file, problems) {
    super(`invalid board file ${file}:\n` + problems.map((p) => '  - ' + p).join('\n'));
    this.name = 'BoardError';
    this.file = file;
    this.problems = problems;
  }
}

/**
 * Loads one board folder (boards/<name>). Throws {@link BoardError} listing every problem.
 * The result carries `dir` and, for Espruino boards, `espruinoBoardPath` (absolute).
 */
export function loadBoard(dir) {
  const file = join(dir, 'board.json');
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BoardError(file, [`cannot be read: ${e.code || e.message}`]);
  }
  let board;
  try {
    board = JSON.parse(text);
  } catch (e) {
    throw new BoardError(file, [`is not valid JSON: ${e.message}`]);
  }
  const problems = validateBoard(board, dir);
  if (problems.length) throw new BoardError(file, problems);
  const out = { ...board, dir: resolve(dir) };
  if (board.espruinoBoard) out.espruinoBoardPath = resolve(dir, board.espruinoBoard);
  return out;
}

/** Loads every board under `root` (default `boards/`), sorted by name. */
export function loadBoards(root = 'boards') {
  const out = [];
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (statSync(dir).isDirectory() && existsSync(join(dir, 'board.json'))) out.push(loadBoard(dir));
  }
  return out;
}
