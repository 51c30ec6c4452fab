/**
 * The dashboard's static files (`public/`): hand-written HTML, CSS, JS and SVG, no build step. They
 * are read once at start (a few tens of KiB) and served from memory; only names in that listing
 * are served, so a request path can never reach outside the folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file ready to send. */
export interface Asset {
  body: Buffer;
  type: string;
}

const TYPES: { [ext: string]: string } = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The folder the assets live in. */
export const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');

/**
 * Loads every regular file of `dir` (not recursive) keyed by URL path (`/app.js`); `index.html`
 * is also served at `/`.
 */
export function loadAssets(dir: string = PUBLIC_DIR): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (!fs.statSync(file).isFile()) continue;
    const asset = { body: fs.readFileSync(file), type: TYPES[path.extname(name)] ?? 'application/octet-stream' };
    out.set('/' + name, asset);
    if (name === 'index.html') out.set('/', asset);
  }
  return out;
}
