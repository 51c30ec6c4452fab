#!/usr/bin/env node
// `make sizes`: the table of bundle bytes, measured memory peaks and estimates per app and board, from the reports
// the build writes (dist/<app>.<board>.json), into README.md between
// <!-- sizes:start --> and <!-- sizes:end -->, or into docs/SIZES.md when the README has no markers.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './bundles.mjs';

const dist = join(ROOT, 'dist');
const reports = readdirSync(dist)
  // A report whose bundle is missing belongs to a failed or stale build: leave it out.
  .filter((f) => /^[\w-]+\.[\w-]+\.json$/.test(f) && f !== 'package.json' && existsSync(join(dist, f.replace(/\.json$/, '.js'))))
  .map((f) => JSON.parse(readFileSync(join(dist, f), 'utf8')))
  .sort((a, b) => (a.app + a.board).localeCompare(b.app + b.board));
const core = statSync(join(dist, 'aimdb-core.js')).size;

const rows = [
  '| app | board | stored bytes | byte budget | measured peak (engine, mode) | estimate | budget | board total | code in |',
  '|---|---|---:|---:|---:|---:|---:|---:|---|',
];
for (const r of reports) {
  const unit = r.unit === 'JsVars' ? 'JsVars' : 'B heap';
  const stored = r.uploadBytes ?? r.bytes;
  const bytes = stored === r.bytes ? String(r.bytes) : `${stored} (${r.bytes} before pretokenising)`;
  const m = r.measured;
  const measured = m ? `**${m.peak}** ${unit} (${Math.round((100 * m.peak) / r.capacity)} %, ${m.engine}, ${m.mode})` : 'not measured';
  rows.push(`| ${r.app} | ${r.board} | ${bytes} | ${r.byteBudget} | ${measured} | ${r.total} | ${r.budget} | ${r.capacity} | ${r.engine === 'espruino' ? r.codeIn : 'heap'} |`);
}
const table = [
  `Core alone (\`dist/aimdb-core.js\`, minified ES5 CommonJS): **${core} bytes**.`,
  '',
  ...rows,
  '',
  'Measured: the peak of `process.memory().usage` (Espruino) or of the heap (JerryScript) on the board\'s real engine while the app runs its scenario; the build fails over budget (80 % of the board, the rest is its reserve). The estimate is the quick pre-check of docs/MEMORY.md. Regenerate with `make sizes`.',
].join('\n');

const readme = join(ROOT, 'README.md');
const START = '<!-- sizes:start -->';
const END = '<!-- sizes:end -->';
if (existsSync(readme) && readFileSync(readme, 'utf8').includes(START)) {
  const text = readFileSync(readme, 'utf8');
  const a = text.indexOf(START) + START.length;
  const b = text.indexOf(END, a);
  if (b < 0) {
    console.error(`sizes: README.md has ${START} but no ${END}`);
    process.exit(1);
  }
  writeFileSync(readme, text.slice(0, a) + '\n' + table + '\n' + text.slice(b));
  console.log('sizes: updated README.md');
} else {
  writeFileSync(join(ROOT, 'docs/SIZES.md'), `# Bundle sizes and memory estimates\n\n${START}\n${table}\n${END}\n`);
  console.log('sizes: wrote docs/SIZES.md (README.md has no sizes markers)');
}
console.log(table);
