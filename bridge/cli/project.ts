/**
 * A firmware project of one's own (made by `aimdb new`): a folder with an app.json, the app's
 * sources and a package.json that depends on this package. `aimdb build`, `run-device`, `image` and
 * `flash` find it in the working folder (or `--dir`) and build into its `dist/` and `build/`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Board } from '../../tools/boards.mjs';
import type { App } from '../../tools/jsvars.mjs';
import { UsageError, type CliContext } from './registry.js';

/** This package's folder (the repository in a checkout, node_modules/<name> when installed). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Flags every project command takes. */
export const PROJECT_FLAGS = { dir: 'string', board: 'string' } as const;

/** Usage lines of {@link PROJECT_FLAGS}. */
export const PROJECT_USAGE = `  --dir DIR        the project folder (default: the working folder)
  --board NAME     one of the boards its app.json declares (default: the first)`;

/** An opened project. */
export interface Project {
  dir: string;
  app: App;
  /** The boards asked for: `--board`, else every board of app.json. */
  boards: Board[];
  distDir: string;
  buildDir: string;
}

/** Board names this package has (boards/<name>/board.json). */
export function boardNames(): string[] {
  const root = path.join(PACKAGE_ROOT, 'boards');
  return fs
    .readdirSync(root)
    .filter((n) => fs.existsSync(path.join(root, n, 'board.json')))
    .sort();
}

/**
 * Opens the project of `--dir` or the working folder. `allBoards`: without `--board`, every board
 * of app.json (build); otherwise only the first (run, image, flash).
 */
export async function openProject(ctx: CliContext, usage: string, allBoards: boolean): Promise<Project> {
  if (ctx.args.length > 0) throw new UsageError(`unexpected argument '${ctx.args[0]}'`, usage);
  const dir = path.resolve((ctx.flags.dir as string | undefined) ?? process.cwd());
  if (!fs.existsSync(path.join(dir, 'app.json'))) {
    throw new UsageError(`no app.json in ${dir}: run this in a project made by 'aimdb new' (or pass --dir)`, usage);
  }
  // The build tools load on use: a subcommand's module stays light for `aimdb --help`.
  const { loadApp } = await import('../../tools/jsvars.mjs');
  const { loadBoard } = await import('../../tools/boards.mjs');
  const app = loadApp(dir);
  const asked = ctx.flags.board as string | undefined;
  if (asked !== undefined && !app.boards.includes(asked)) {
    throw new UsageError(`board '${asked}' is not in ${path.join(dir, 'app.json')} (its boards: ${app.boards.join(', ')}; add it there to build for it)`, usage);
  }
  const names = asked !== undefined ? [asked] : allBoards ? app.boards : [app.boards[0]];
  const known = boardNames();
  for (const n of names) if (!known.includes(n)) throw new Error(`${app.file}: board '${n}' does not exist (boards: ${known.join(', ')})`);
  return {
    dir,
    app,
    boards: names.map((n) => loadBoard(path.join(PACKAGE_ROOT, 'boards', n))),
    distDir: path.join(dir, 'dist'),
    buildDir: path.join(dir, 'build', 'es5'),
  };
}

/** The bundle file of the project's app on a board. */
export function bundleFile(p: Project, board: Board): string {
  return path.join(p.distDir, `${p.app.name}.${board.name}.js`);
}

/** One line of a bundle's budget report (written by the build next to the bundle). */
export function budgetLine(p: Project, board: Board): string {
  const rep = JSON.parse(fs.readFileSync(path.join(p.distDir, `${p.app.name}.${board.name}.json`), 'utf8')) as {
    bytes: number;
    uploadBytes?: number;
    byteBudget: number;
    total: number;
    budget: number;
    capacity: number;
    unit: string;
  };
  const stored = rep.uploadBytes ?? rep.bytes;
  const pct = (a: number, b: number) => Math.round((100 * a) / b) + '%';
  return (
    `${path.relative(process.cwd(), bundleFile(p, board)) || bundleFile(p, board)}  ${board.name}: ` +
    `${stored} of ${rep.byteBudget} bytes (${pct(stored, rep.byteBudget)}), ` +
    `${rep.total} ${rep.unit} estimated of ${rep.budget} budget (${rep.capacity} on the board)`
  );
}
