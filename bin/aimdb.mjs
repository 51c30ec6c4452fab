#!/usr/bin/env node
// The `aimdb` command. One Node process: the CLI runs in this process, so Ctrl-C reaches it once
// (a launcher that forwarded signals to a child made the child see SIGINT twice and exit 130).
//   Installed package: bridge/cli/main.js, compiled by tools/pack.mjs; nothing else is loaded.
//   Git checkout: bridge/cli/main.ts through tsx's loader, registered in this process.
// Subcommands are modules in bridge/cli/commands/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bridge', 'cli');
const compiled = join(cliDir, 'main.js');
let entry = compiled;
if (!existsSync(compiled)) {
  entry = join(cliDir, 'main.ts');
  try {
    const tsx = await import('tsx/esm/api');
    tsx.register();
  } catch (e) {
    process.stderr.write(`aimdb: running from the sources needs tsx (npm ci in the checkout): ${e.message}\n`);
    process.exit(1);
  }
}
const cli = await import(pathToFileURL(entry).href);
await cli.runAsScript();
