/**
 * The `aimdb` command line: `aimdb [--connect URL] [--token T] [--json] <command> …`.
 * Exit codes: 0 success, 1 failure (connection, remote error), 2 malformed arguments.
 * Subcommands live in `commands/` (see `registry.ts`).
 */
import { pathToFileURL } from 'node:url';
import { isAimError } from '../../core/index.js';
// The AimX client is loaded by `connect()` only (commands that do not connect start faster), and
// without the AimX index, which loads every server transport.
import type { AimxConnection } from '../aimx/client.js';
import { allCommands, CliCommand, CliContext, FlagKind, isUsageError, loadCommand, UsageError } from './registry.js';

const GLOBAL_FLAGS: { [name: string]: FlagKind } = {
  connect: 'string',
  token: 'string',
  timeout: 'number',
  json: 'boolean',
  help: 'boolean',
  version: 'boolean',
};

const GLOBAL_HELP = `Usage: aimdb [options] <command> [args]

Options:
  --connect URL    AimX endpoint: tcp://host:port, unix:///path.sock, ws://host:port/path,
                   serial:///dev/ttyUSB0?baud=115200  (default: $AIMDB_CONNECT)
  --token TOKEN    auth token sent in hello (default: $AIMDB_TOKEN)
  --timeout MS     connect and request timeout in ms (default 5000)
  --json           machine-readable output
  -h, --help       help (also: aimdb <command> --help)
  --version        print the version`;

/** Where output goes (tests pass their own). */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  env: { [k: string]: string | undefined };
  signal?: AbortSignal;
}

interface Parsed {
  command?: CliCommand;
  args: string[];
  flags: { [name: string]: string | number | boolean | undefined };
}

async function parse(argv: string[]): Promise<Parsed> {
  const flags: Parsed['flags'] = {};
  const args: string[] = [];
  let command: CliCommand | undefined;
  let commandName: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (tok === '-h') {
      flags.help = true;
      continue;
    }
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      const name = tok.slice(2, eq < 0 ? undefined : eq);
      const kind = GLOBAL_FLAGS[name] ?? command?.flags?.[name];
      if (!kind) throw new UsageError(`unknown option --${name}`, command?.usage);
      if (kind === 'boolean') {
        if (eq >= 0) throw new UsageError(`option --${name} takes no value`, command?.usage);
        flags[name] = true;
        continue;
      }
      let value: string;
      if (eq >= 0) value = tok.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new UsageError(`option --${name} needs a value`, command?.usage);
      if (kind === 'number') {
        if (!/^[0-9]+(\.[0-9]+)?$/.test(value)) throw new UsageError(`option --${name}: '${value}' is not a non-negative number`, command?.usage);
        flags[name] = Number(value);
      } else flags[name] = value;
      continue;
    }
    if (tok.startsWith('-') && tok.length > 1 && !/^-[0-9]/.test(tok)) throw new UsageError(`unknown option ${tok}`, command?.usage);
    if (commandName === undefined) {
      commandName = tok;
      command = await loadCommand(tok);
      if (!command) throw new UsageError(`unknown command '${tok}' (see aimdb --help)`);
      continue;
    }
    args.push(tok);
  }
  return { command, args, flags };
}

async function helpText(): Promise<string> {
  const cmds = await allCommands();
  const w = Math.max(...cmds.map((c) => c.name.length));
  return GLOBAL_HELP + '\n\nCommands:\n' + cmds.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`).join('\n');
}

/** Runs the CLI; resolves with the exit code. Never throws. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = await parse(argv);
  } catch (e) {
    if (isUsageError(e)) {
      io.err(`aimdb: ${e.message}`);
      if (e.usage) io.err(e.usage);
      return 2;
    }
    io.err(`aimdb: ${(e as Error).message}`);
    return 1;
  }
  const { command, args, flags } = parsed;
  if (flags.version) {
    io.out('aimdb (AimDB.js) 0.1.0, AimX 3.0');
    return 0;
  }
  if (!command) {
    if (flags.help) {
      io.out(await helpText());
      return 0;
    }
    io.err('aimdb: missing command');
    io.err(await helpText());
    return 2;
  }
  if (flags.help) {
    io.out(command.usage);
    return 0;
  }
  const connections: AimxConnection[] = [];
  const ctx: CliContext = {
    args,
    flags,
    json: !!flags.json,
    out: io.out,
    err: io.err,
    signal: io.signal ?? new AbortController().signal,
    async connect() {
      const url = (flags.connect as string | undefined) ?? io.env.AIMDB_CONNECT;
      if (!url) throw new UsageError('no endpoint: pass --connect URL or set AIMDB_CONNECT', command.usage);
      const { parseEndpoint } = await import('../aimx/endpoint.js');
      const { connectAimx } = await import('../aimx/client.js');
      try {
        parseEndpoint(url);
      } catch (e) {
        throw new UsageError((e as Error).message, command.usage);
      }
      const token = (flags.token as string | undefined) ?? io.env.AIMDB_TOKEN;
      const c = await connectAimx(url, { token, client: 'aimdb-cli', timeoutMs: (flags.timeout as number | undefined) ?? 5000 }).catch((e) => {
        throw new Error(`cannot connect to ${url}: ${(e as Error).message}`);
      });
      connections.push(c);
      return c;
    },
  };
  try {
    return await command.run(ctx);
  } catch (e) {
    if (isUsageError(e)) {
      io.err(`aimdb ${command.name}: ${e.message}`);
      if (e.usage) io.err(e.usage);
      return 2;
    }
    io.err(`aimdb ${command.name}: ${isAimError(e) || e instanceof Error ? (e as Error).message : String(e)}`);
    return 1;
  } finally {
    for (const c of connections) await c.close();
  }
}

/** Entry of the `aimdb` command (`bin/aimdb.mjs` calls it; also run when this file is the script). */
export async function runAsScript(): Promise<void> {
  const ac = new AbortController();
  let interrupted = 0;
  const onSignal = () => {
    if (++interrupted > 1) process.exit(130);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `aimdb record list | head`: a reader that closed the pipe ends the command quietly, like other
  // Unix tools (exit 0), instead of an unhandled EPIPE.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const code = await main(process.argv.slice(2), {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    env: process.env,
    signal: ac.signal,
  });
  // Sockets and ports are closed by now; exit explicitly so a lingering handle cannot hang the CLI.
  process.exit(code);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void runAsScript();
