/**
 * `aimdb flash --port /dev/ttyACM0`: what `make flash` does, for a project made by `aimdb new`: the
 * budget, then the upload with the espruino CLI (`save()` on boards that run code from RAM,
 * SAVE_ON_SEND and PRETOKENISE on boards that run it from flash).
 */
import { openProject, PROJECT_FLAGS, PROJECT_USAGE } from '../project.js';
import { UsageError, type CliCommand } from '../registry.js';

const USAGE = `Usage: aimdb flash --port PORT [--board NAME] [--dry-run] [--dir DIR]
Uploads the app's bundle to the board on PORT (e.g. /dev/ttyACM0) and saves it.
${PROJECT_USAGE}
  --port PORT      the board's serial port
  --dry-run        print the espruino command instead of running it`;

export const command: CliCommand = {
  name: 'flash',
  summary: "upload a project's bundle to a board (as make flash)",
  usage: USAGE,
  flags: { ...PROJECT_FLAGS, port: 'string', 'dry-run': 'boolean' },
  async run(ctx) {
    const p = await openProject(ctx, USAGE, false);
    // Loaded here, not at the top: `aimdb --help` loads every subcommand's module.
    const { flashApp } = await import('../../../tools/flash.mjs');
    const port = ctx.flags.port as string | undefined;
    if (!port) throw new UsageError('--port is required (e.g. --port /dev/ttyACM0)', USAGE);
    // A failure (no device at the port, over budget, a build error) is one line from the CLI, exit 1.
    await flashApp({ app: p.app, board: p.boards[0], distDir: p.distDir, buildDir: p.buildDir, cwd: p.dir, port, dryRun: !!ctx.flags['dry-run'], print: ctx.out });
    return 0;
  },
};
