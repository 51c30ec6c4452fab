// Loaded by mocha before any test (.mocharc.json "require"): every temporary file and folder of the
// run — the tests', the tools' they call, their child processes' (TMPDIR is inherited) — goes into one
// private folder, removed when the run ends, so no run leaves anything in the system temp folder.
// os.tmpdir() reads TMPDIR on every call, so setting it here is enough.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-test-run-'));
// Traversable by other users, not listable: mosquitto started as root drops to its own user and must
// reach the configuration files the tests write below this folder.
fs.chmodSync(dir, 0o711);
process.env.TMPDIR = dir;
process.on('exit', () => {
  fs.rmSync(dir, { recursive: true, force: true });
});
