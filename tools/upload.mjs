// How a bundle is uploaded with the espruino CLI, and what it then weighs in flash.
// Boards whose code runs from flash (`codeIn: "flash"`) upload with SAVE_ON_SEND=1 (the code goes to
// Storage `.bootcde`) and PRETOKENISE=1: the CLI replaces reserved words and operators by one-byte
// tokens (Espruino 2v00+; strings too on 2v20.48+), about 19 % fewer bytes in flash and faster to
// parse. The CLI pretokenises only code saved to flash, never code sent to the REPL.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

/** The espruino CLI's script, wherever npm put the package (this repository's or a user's project). */
export const ESPRUINO_CLI = createRequire(import.meta.url).resolve('espruino/bin/espruino-cli.js');

/** The CLI options that choose how code is saved on the board. */
export function uploadConfig(board) {
  return board.codeIn === 'flash' ? ['--config', 'SAVE_ON_SEND=1', '--config', 'PRETOKENISE=1'] : [];
}

/**
 * Bytes the board stores for `code`: the CLI's own output (`-o`) with the board's upload options,
 * read offline from the board's local JSON. For RAM boards it is the code itself.
 */
export function uploadBytes(code, board) {
  if (board.engine !== 'espruino' || board.codeIn !== 'flash') return Buffer.byteLength(code);
  const dir = mkdtempSync(join(tmpdir(), 'aimdb-upload-'));
  try {
    const src = join(dir, 'bundle.js');
    const out = join(dir, 'upload.js');
    writeFileSync(src, code);
    const r = spawnSync(process.execPath, [ESPRUINO_CLI, '--board', board.espruinoBoardPath, ...uploadConfig(board), src, '-o', out], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`espruino CLI failed measuring the upload (${r.status}): ${r.stderr || r.stdout}`);
    return statSync(out).size;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

