/**
 * `aimdb build`: the board bundles of a project made by `aimdb new`, with every check and budget of
 * `make build` (tools/bundles.mjs): ES5 only, no TypeScript helpers, no npm package or Node built-in
 * in the device graph, Espruino hazards, declaration order, bytes and memory against the board.
 */
import { budgetLine, openProject, PROJECT_FLAGS, PROJECT_USAGE } from '../project.js';
import type { CliCommand } from '../registry.js';

const USAGE = `Usage: aimdb build [--board NAME] [--dir DIR] [--force]
Writes dist/<app>.<board>.js and its budget report for every board of app.json.
${PROJECT_USAGE}
  --force          rebuild bundles that are newer than all of their sources`;

export const command: CliCommand = {
  name: 'build',
  summary: "build a project's board bundles (checks and budgets of make build)",
  usage: USAGE,
  flags: { ...PROJECT_FLAGS, force: 'boolean' },
  async run(ctx) {
    const p = await openProject(ctx, USAGE, true);
    // Loaded here, not at the top: `aimdb --help` loads every subcommand's module.
    const { buildBundles } = await import('../../../tools/build.mjs');
    // A failed check or budget rejects with a message naming it and the source file (exit 1).
    await buildBundles({ appDirs: [p.dir], boards: p.boards.map((b) => b.name), outDir: p.distDir, buildDir: p.buildDir, skipFresh: !ctx.flags.force });
    for (const b of p.boards) ctx.out(budgetLine(p, b));
    return 0;
  },
};
