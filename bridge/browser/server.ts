/**
 * Serves the browser twin page (`public/`) and the browser build of the core
 * (`dist/aimdb-browser.js`), plus `/config.json` telling the page where the broker's MQTT over
 * WebSocket listener is. The page talks to the broker directly; this server only hands out files.
 * Files are read once at start and served from memory: a request path never reaches the disk.
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { join, resolve } from 'node:path';
import { loadAssets, type Asset } from '../dashboard/assets.js';

/** Options of {@link startTwinPage}. */
export interface TwinPageOptions {
  /** The broker's MQTT over WebSocket URL the page connects to (`ws://127.0.0.1:9001/mqtt`). */
  mqttWs: string;
  /** Topic prefix of the device's zone (`climate/zone-a`). */
  zone: string;
  /** Interface. Default `127.0.0.1`. */
  host?: string;
  /** Port (0: the OS chooses). Default 8081. */
  port?: number;
  /** Where `aimdb-browser.js` is. Default `<repo>/dist`. */
  distDir?: string;
}

/** A running page server. */
export interface TwinPage {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '../..');
/** The page's files. */
export const TWIN_PUBLIC_DIR = join(import.meta.dirname, 'public');

/**
 * Starts the page server.
 *
 * @example
 * const page = await startTwinPage({ mqttWs: broker.wsUrl!, zone: 'climate/zone-a', port: 8081 });
 */
export async function startTwinPage(o: TwinPageOptions): Promise<TwinPage> {
  const bundle = join(o.distDir ?? join(ROOT, 'dist'), 'aimdb-browser.js');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run 'make build' first (make demo does)`);
  const assets = loadAssets(TWIN_PUBLIC_DIR);
  assets.set('/aimdb-browser.js', { body: readFileSync(bundle), type: 'text/javascript; charset=utf-8' });
  assets.set('/config.json', { body: Buffer.from(JSON.stringify({ mqtt: o.mqttWs, zone: o.zone })), type: 'application/json' });
  const wsOrigin = new URL(o.mqttWs).origin.replace(/^http/, 'ws');
  const headers = (a: Asset) => ({
    'content-type': a.type,
    'content-length': a.body.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    // The page runs only its own scripts and talks only to this server and the broker.
    'content-security-policy': `default-src 'self'; connect-src 'self' ${wsOrigin}; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'`,
  });
  const server = http.createServer((req, res) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const a = assets.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!a) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, headers(a));
    res.end(head ? undefined : a.body);
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(o.port ?? 8081, host, () => {
      server.off('error', rej);
      res();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? '[' + host + ']' : host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
