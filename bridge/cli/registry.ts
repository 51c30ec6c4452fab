/**
 * Subcommand registry of the `aimdb` CLI. A subcommand is one module in `bridge/cli/commands/`
 * named after it (`record.ts` serves `aimdb record …`) exporting `command: CliCommand`; adding a
 * file adds the subcommand, nothing else to edit. Only the module asked for is loaded, so a heavy
 * subcommand (`demo`, `edge`) costs nothing to the others. {@link registerCommand} adds one
 * programmatically (embedding, tests).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AimxConnection } from '../aimx/index.js';

/** Kinds of command-specific flags. */
export type FlagKind = 'string' | 'number' | 'boolean';

/** What a subcommand's `run` gets. */
export interface CliContext {
  /** Positional arguments after the subcommand name. */
  readonly args: string[];
  /** Flags given (global and the subcommand's), by long name without dashes. */
  readonly flags: { [name: string]: string | number | boolean | undefined };
  /** `--json`: machine-readable output. */
  readonly json: boolean;
  /** Writes a line to stdout. */
  out(line: string): void;
  /** Writes a line to stderr. */
  err(line: string): void;
  /** Connects to `--connect` (or `$AIMDB_CONNECT`) with `--token` and completes `hello`. */
  connect(): Promise<AimxConnection>;
  /** Aborted on SIGINT/SIGTERM (long-running subcommands stop cleanly). */
  readonly signal: AbortSignal;
}

/** One subcommand. */
export interface CliCommand {
  /** Name typed after `aimdb`. */
  readonly name: string;
  /** One line for `aimdb --help`. */
  readonly summary: string;
  /** Usage text for `aimdb <name> --help` (first line: the synopsis). */
  readonly usage: string;
  /** Flags of this subcommand. */
  readonly flags?: { [name: string]: FlagKind };
  /** Runs; resolves with the exit code (0 ok, 1 failure; throw {@link UsageError} for 2). */
  run(ctx: CliContext): Promise<number>;
}

/** A malformed command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  /** Marker checked instead of `instanceof` (a module may be loaded twice: CJS and ESM). */
  readonly isUsageError = true;
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

const registered = new Map<string, CliCommand>();
const COMMANDS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');
/** `.ts` when run from the sources (through tsx), `.js` in the installed package (compiled). */
const EXT = path.extname(fileURLToPath(import.meta.url));
/**
 * The compiled package lists every subcommand's name and summary here (written by tools/pack.mjs),
 * so `aimdb --help` does not load every module (the gateway's among them) to print one line each.
 */
const SUMMARIES = path.join(COMMANDS_DIR, 'summaries.json');

/** Registers a subcommand (overrides a module of the same name). */
export function registerCommand(cmd: CliCommand): void {
  registered.set(cmd.name, cmd);
}

async function importModule(file: string): Promise<CliCommand | undefined> {
  const mod = await import(pathToFileURL(file).href);
  return mod.command as CliCommand | undefined;
}

/** True for a {@link UsageError}, from any copy of this module. */
export function isUsageError(e: unknown): e is UsageError {
  return !!e && (e as UsageError).isUsageError === true;
}

/** The subcommand `name`, or undefined. */
export async function loadCommand(name: string): Promise<CliCommand | undefined> {
  const r = registered.get(name);
  if (r) return r;
  if (!/^[a-z][a-z0-9-]*$/.test(name)) return undefined;
  const file = path.join(COMMANDS_DIR, name + EXT);
  if (!fs.existsSync(file)) return undefined;
  return importModule(file);
}

/** Every subcommand, sorted by name. */
export async function allCommands(): Promise<CliCommand[]> {
  const byName = new Map<string, CliCommand>();
  const listed = readSummaries();
  for (const f of fs.readdirSync(COMMANDS_DIR).sort()) {
    if (!f.endsWith(EXT) || f.endsWith('.d.ts')) continue;
    const name = f.slice(0, -EXT.length);
    const summary = listed?.[name];
    if (summary !== undefined) {
      // A stand-in that loads the module when run (its usage and flags are the module's).
      byName.set(name, { name, summary, usage: '', run: async (ctx) => ((await loadCommand(name))?.run(ctx) ?? 1) });
      continue;
    }
    try {
      const c = await importModule(path.join(COMMANDS_DIR, f));
      if (c) byName.set(c.name, c);
    } catch (e) {
      byName.set(name, { name, summary: `(failed to load: ${(e as Error).message})`, usage: '', run: async () => 1 });
    }
  }
  for (const [k, c] of registered) byName.set(k, c);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The summaries written at packaging time, or undefined (running from the sources). */
function readSummaries(): { [name: string]: string } | undefined {
  try {
    const j = JSON.parse(fs.readFileSync(SUMMARIES, 'utf8')) as unknown;
    return j && typeof j === 'object' ? (j as { [name: string]: string }) : undefined;
  } catch {
    return undefined;
  }
}
