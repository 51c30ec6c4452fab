/**
 * `aimdb run-device`: builds a project's bundle and runs it for a few seconds on the real engine of
 * its board (the Espruino build with the board's JsVar count, code booted from flash where the board
 * runs it from flash; or JerryScript) when the engines are installed (AIMDB_ENGINES), else in the
 * Espruino simulator of bridge/sim. Prints the device's output and its memory peak.
 */
import fs from 'node:fs';
import { bundleFile, openProject, PROJECT_FLAGS, PROJECT_USAGE } from '../project.js';
import { UsageError, type CliCommand } from '../registry.js';

const USAGE = `Usage: aimdb run-device [--board NAME] [--seconds N] [--sim] [--dir DIR]
Runs the app's bundle on the real engine of its board when the engines are installed
(their folder in $AIMDB_ENGINES), else in the Espruino simulator.
${PROJECT_USAGE}
  --seconds N      how long the device runs (default 5)
  --sim            use the simulator even when the engines are installed`;

export const command: CliCommand = {
  name: 'run-device',
  summary: "run a project's bundle on its board's real engine (or the simulator)",
  usage: USAGE,
  flags: { ...PROJECT_FLAGS, seconds: 'number', sim: 'boolean' },
  async run(ctx) {
    const p = await openProject(ctx, USAGE, false);
    // Loaded here, not at the top: `aimdb --help` loads every subcommand's module.
    const { buildBundles } = await import('../../../tools/build.mjs');
    const { enginesProblem, runEspruino, runJerry } = await import('../../../tools/engines.mjs');
    const { bootBundle } = await import('../../sim/espruino-sim.js');
    const board = p.boards[0];
    const seconds = (ctx.flags.seconds as number | undefined) ?? 5;
    if (!(seconds > 0 && seconds <= 3600)) throw new UsageError('--seconds must be more than 0 and at most 3600', USAGE);
    await buildBundles({ appDirs: [p.dir], boards: [board.name], outDir: p.distDir, buildDir: p.buildDir });
    const code = fs.readFileSync(bundleFile(p, board), 'utf8');
    const missing = enginesProblem();
    if (!ctx.flags.sim && !missing) {
      if (board.engine === 'espruino') {
        const mode = board.codeIn === 'flash' ? 'flash' : 'ram';
        ctx.out(`running on Espruino (${board.jsVars} JsVars, code in ${mode}) for ${seconds} s`);
        const r = runEspruino(code, { jsVars: board.jsVars!, mode, seconds });
        for (const l of r.lines) ctx.out(l);
        if (r.failure) return fail(ctx, r.failure);
        ctx.out(`peak ${r.peak} of ${r.total} JsVars`);
        return 0;
      }
      ctx.out(`running on JerryScript 2.4 (64 KB heap) for ${seconds} s of timers`);
      const r = runJerry(code, { version: '2.4', heap: '64k', untilMs: seconds * 1000 });
      for (const l of r.lines) ctx.out(l);
      if (r.failure) return fail(ctx, r.failure);
      ctx.out(`peak ${r.peakBytes} of ${r.heapBytes} heap bytes`);
      return 0;
    }
    if (board.engine !== 'espruino') {
      ctx.err(`aimdb run-device: ${board.name} runs JerryScript, which needs the real engine: ${missing ?? 'use it without --sim'}`);
      return 1;
    }
    ctx.out(`running in the Espruino simulator (${board.jsVars} JsVars, virtual time) for ${seconds} s${missing ? ' — real engines: ' + missing : ''}`);
    const sim = bootBundle(code, { board: board.espruinoBoard?.replace(/\.json$/, '') ?? board.name, jsVars: board.jsVars, time: 'virtual', print: (l) => ctx.out(l) });
    try {
      await sim.runFor(seconds * 1000, 50);
    } catch (e) {
      return fail(ctx, (e as Error).message);
    } finally {
      sim.kill();
      sim.dispose();
    }
    return 0;
  },
};

function fail(ctx: { err(l: string): void }, why: string): number {
  ctx.err(`aimdb run-device: the device failed: ${why}`);
  return 1;
}
