/**
 * Figures the MQTT client suites measure, kept in `artifacts/mqtt-client.json` (git-ignored) for the
 * MQTT client section of docs/GUARANTEES.md (`tools/guarantees.mjs` renders it). A scenario that
 * runs again replaces its entry for that broker; other entries are kept.
 *
 * Shape: `{ schema: 1, updated, node, figures: { <scenario>: { <broker>: { <name>: number | boolean } } } }`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the file lives (repo root / artifacts). */
export const MQTT_FIGURES_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../artifacts/mqtt-client.json');

/** Records what one scenario measured on one broker (or engine). */
export function recordFigure(scenario: string, where: string, data: { [name: string]: number | boolean | string }): void {
  let file: any = { schema: 1, figures: {} };
  try {
    file = JSON.parse(fs.readFileSync(MQTT_FIGURES_FILE, 'utf8'));
  } catch {
    // first run, or a damaged file: start afresh
  }
  if (!file.figures || typeof file.figures !== 'object') file.figures = {};
  file.schema = 1;
  file.updated = new Date().toISOString();
  file.node = process.version;
  file.figures[scenario] = { ...(file.figures[scenario] || {}), [where]: data };
  fs.mkdirSync(path.dirname(MQTT_FIGURES_FILE), { recursive: true });
  fs.writeFileSync(MQTT_FIGURES_FILE, JSON.stringify(file, null, 2) + '\n');
}
