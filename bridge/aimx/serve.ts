/**
 * Serving a database over AimX on an endpoint URL (the gateway's and the CLI demo's entry point).
 */
import { aimxServer, AimxServer } from '../../core/aimx/index.js';
import type { AimxDatabase, AimxServerOptions } from '../../core/aimx/index.js';
import type { AimxListener } from './conn.js';
import { parseEndpoint } from './endpoint.js';
import { serveSerial } from './serial.js';
import { serveTcp } from './tcp.js';
import { serveUnix } from './unix.js';
import { serveWs } from './ws.js';

/**
 * Listens on `url` (`tcp://127.0.0.1:0` picks a free port; the listener's `url` tells which).
 * Pass an {@link AimxServer} to share one server (policy, connection limit) across endpoints.
 *
 * @example
 * const server = aimxServer(db, { token: 'k' });
 * const tcp = await serveAimx(server, 'tcp://127.0.0.1:7001');
 * const ws = await serveAimx(server, 'ws://127.0.0.1:7002/ws');
 */
export async function serveAimx(target: AimxServer | AimxDatabase, url: string, options?: AimxServerOptions): Promise<AimxListener> {
  const server = target instanceof AimxServer ? target : aimxServer(target, options);
  const ep = parseEndpoint(url);
  switch (ep.scheme) {
    case 'tcp':
      return serveTcp(server, { host: ep.host, port: ep.port });
    case 'unix':
      return serveUnix(server, { path: ep.path });
    case 'ws': {
      const u = new URL(ep.url);
      return serveWs(server, { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 0, path: u.pathname === '/' ? '/ws' : u.pathname });
    }
    case 'serial':
      return serveSerial(server, { path: ep.path, baudRate: ep.baud });
  }
}
