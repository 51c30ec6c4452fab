#!/usr/bin/env node
// The `aimdb` command: runs the TypeScript CLI (bridge/cli/main.ts) through tsx, no build step.
// Subcommands are modules in bridge/cli/commands/. Signals are forwarded so `watch` stops cleanly.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'bridge', 'cli', 'main.ts');
// Resolve tsx from this package, so the command works from any working directory.
const tsx = import.meta.resolve('tsx');
const child = spawn(process.execPath, ['--import', tsx, cli, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (child.exitCode === null) child.kill(sig);
  });
}
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
child.on('error', (e) => {
  process.stderr.write(`aimdb: cannot start the CLI: ${e.message}\n`);
  process.exit(1);
});
