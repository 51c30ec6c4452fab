/**
 * AimX endpoint URLs, as the `aimdb` CLI and the gateway take them:
 * `tcp://host:port`, `unix:///path/to.sock` (or a bare path), `ws://host:port/path` (`wss://` too),
 * `serial:///dev/ttyUSB0?baud=115200`.
 */
import { aimError } from '../../core/index.js';

/** A parsed endpoint. */
export type Endpoint =
  | { scheme: 'tcp'; host: string; port: number; url: string }
  | { scheme: 'unix'; path: string; url: string }
  | { scheme: 'ws'; url: string }
  | { scheme: 'serial'; path: string; baud: number; url: string };

/** Default serial baud rate. */
export const DEFAULT_BAUD = 115200;

function bad(url: string, why: string): Error {
  return aimError('INVALID_ARGUMENT', `invalid endpoint '${url}': ${why}`);
}

function parsePort(url: string, s: string): number {
  if (!/^[0-9]{1,5}$/.test(s)) throw bad(url, `port '${s}' is not a number`);
  const n = Number(s);
  if (n < 1 || n > 65535) throw bad(url, `port ${n} is out of range 1-65535`);
  return n;
}

/**
 * Parses an endpoint URL; throws `INVALID_ARGUMENT` with the reason.
 *
 * @example
 * parseEndpoint('tcp://127.0.0.1:7001');              // { scheme: 'tcp', host: '127.0.0.1', port: 7001, … }
 * parseEndpoint('serial:///dev/ttyACM0?baud=9600');   // { scheme: 'serial', path: '/dev/ttyACM0', baud: 9600, … }
 */
export function parseEndpoint(url: string): Endpoint {
  const u = url.trim();
  if (u === '') throw bad(url, 'empty');
  const sep = u.indexOf('://');
  if (sep < 0) {
    if (u.startsWith('/') || u.startsWith('./')) return { scheme: 'unix', path: u, url: 'unix://' + u };
    throw bad(url, 'expected tcp://host:port, unix:///path, ws://host:port/path or serial:///dev/tty…');
  }
  const scheme = u.slice(0, sep).toLowerCase();
  const rest = u.slice(sep + 3);
  switch (scheme) {
    case 'tcp': {
      if (rest === '') throw bad(url, 'missing host:port');
      let host: string;
      let port: string;
      if (rest.startsWith('[')) {
        const close = rest.indexOf(']');
        if (close < 0) throw bad(url, 'missing closing bracket');
        host = rest.slice(1, close);
        if (rest[close + 1] !== ':') throw bad(url, 'missing TCP port');
        port = rest.slice(close + 2);
      } else {
        const colon = rest.lastIndexOf(':');
        if (colon < 0) throw bad(url, 'missing TCP port');
        host = rest.slice(0, colon);
        port = rest.slice(colon + 1);
        if (host.includes(':')) throw bad(url, 'IPv6 hosts must be bracketed, e.g. tcp://[::1]:7001');
      }
      if (host === '') throw bad(url, 'no host');
      if (port.includes('/')) throw bad(url, 'unexpected path after the port');
      return { scheme: 'tcp', host, port: parsePort(url, port), url: u };
    }
    case 'unix':
    case 'uds': {
      if (rest === '') throw bad(url, 'missing socket path');
      return { scheme: 'unix', path: rest, url: 'unix://' + rest };
    }
    case 'ws':
    case 'wss': {
      let parsed: URL;
      try {
        parsed = new URL(u);
      } catch {
        throw bad(url, 'not a valid WebSocket URL');
      }
      if (!parsed.hostname) throw bad(url, 'no host');
      if (parsed.port) parsePort(url, parsed.port);
      return { scheme: 'ws', url: u };
    }
    case 'serial': {
      const q = rest.indexOf('?');
      const path = q < 0 ? rest : rest.slice(0, q);
      if (path === '') throw bad(url, 'missing device path');
      let baud = DEFAULT_BAUD;
      if (q >= 0) {
        for (const pair of rest.slice(q + 1).split('&')) {
          if (pair === '') continue;
          const eq = pair.indexOf('=');
          const k = eq < 0 ? pair : pair.slice(0, eq);
          const v = eq < 0 ? '' : pair.slice(eq + 1);
          if (k.toLowerCase() === 'baud') {
            if (!/^[0-9]+$/.test(v) || Number(v) < 1) throw bad(url, `invalid baud '${v}'`);
            baud = Number(v);
          }
        }
      }
      return { scheme: 'serial', path, baud, url: u };
    }
  }
  throw bad(url, `unknown scheme '${scheme}' (use tcp, unix, ws or serial)`);
}
