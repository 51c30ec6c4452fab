/**
 * `aimdb image`: what `make image` does, for a project made by `aimdb new`: the budget, then the
 * espruino CLI offline with the board's local JSON writes dist/image/<app>.<board>.upload.js (and a
 * .hex on boards flashed from one).
 */
import { openProject, PROJECT_FLAGS, PROJECT_USAGE } from '../project.js';
import type { CliCommand } from '../registry.js';

const USAGE = `Usage: aimdb image [--board NAME] [--dir DIR]
Writes the upload-ready image of the app's bundle to dist/image/ (no device needed).
${PROJECT_USAGE}`;

export const command: CliCommand = {
  name: 'image',
  summary: "write a project's upload-ready image (as make image)",
  usage: USAGE,
  flags: { ...PROJECT_FLAGS },
  async run(ctx) {
    const p = await openProject(ctx, USAGE, false);
    // Loaded here, not at the top: `aimdb --help` loads every subcommand's module.
    const { flashApp } = await import('../../../tools/flash.mjs');
    await flashApp({ app: p.app, board: p.boards[0], distDir: p.distDir, buildDir: p.buildDir, cwd: p.dir, image: true, print: ctx.out });
    return 0;
  },
};
