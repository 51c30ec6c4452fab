/**
 * How each AimX transport authenticates its peer, so that AimDB's own clients connect without the
 * token being weakened anywhere:
 *
 * | transport | credential | AimDB's client |
 * |---|---|---|
 * | Unix socket | the socket file's owner and mode (0600 default, 0660 to admit a group; never other) | connects: no token asked |
 * | WebSocket | the token at the HTTP upgrade (`Authorization: Bearer …` or `?token=…`), else in `hello` | connects with the token in its URL or header; sends no `hello` |
 * | TCP | the token in `hello` (`params.token` or `auth_token`) | cannot: its `hello` carries no token |
 * | serial | the cable (trusted unless `trusted: false`, then the token in `hello`) | connects |
 *
 * A wrong token at the upgrade is refused with HTTP 401; the version gate answers 426 first (as
 * AimDB's WebSocket connector orders them).
 */
import type http from 'node:http';
import { AIMX_VERSION, versionCompatible, type AimxServer } from '../../core/aimx/index.js';

/** Default file mode of an AimX Unix socket: owner only. */
export const UNIX_SOCKET_MODE = 0o600;

/**
 * Checks a Unix socket mode: the file mode is the credential there, so a mode that lets every local
 * user connect (any "other" bit) is refused. Returns the mode to use.
 *
 * @example
 * unixSocketMode(undefined); // 0o600
 * unixSocketMode(0o660);     // 0o660 (owner and group)
 * unixSocketMode(0o666);     // throws
 */
export function unixSocketMode(mode: number | undefined): number {
  const m = mode ?? UNIX_SOCKET_MODE;
  if (!Number.isInteger(m) || m < 0 || m > 0o777 || (m & 0o007) !== 0 || (m & 0o600) !== 0o600) {
    throw new Error(`AimX Unix socket mode ${m.toString(8)} must grant the owner read+write and nothing to others (0600 or 0660)`);
  }
  return m;
}

/** The version query parameter of the upgrade URL (AimDB: `?v=3.0`). */
export const VERSION_PARAM = 'v';

/** What to do with one WebSocket upgrade request. */
export interface UpgradeVerdict {
  /** 101 to upgrade; 404 (path), 426 (version) or 401 (token) to refuse. */
  status: 101 | 401 | 404 | 426;
  /** The text body of a refusal. */
  body: string;
  /** True when the upgrade carried the right token: the session does not ask for it again. */
  trusted: boolean;
}

/** The token a request presents: `Authorization: Bearer <t>` first, else the `token` parameter. */
export function upgradeToken(req: http.IncomingMessage, url: URL): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === 'string' && h.length > 7 && h.slice(0, 7).toLowerCase() === 'bearer ') return h.slice(7).trim();
  const q = url.searchParams.get('token');
  return q === null ? undefined : q;
}

/**
 * Decides a WebSocket upgrade. `strict` paths (`/ws`) follow AimDB's contract: the `v` parameter
 * is required and must be major-compatible (426 otherwise). Lenient paths (the `/aimx` alias older
 * pages dial) accept a missing `v` but refuse an incompatible one. A token is checked only when the
 * server has one: right → trusted session, wrong → 401, absent → the session asks for it in `hello`.
 */
export function checkUpgrade(req: http.IncomingMessage, server: AimxServer, paths: { strict: string[]; lenient: string[] }): UpgradeVerdict {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const strict = paths.strict.includes(url.pathname);
  if (!strict && !paths.lenient.includes(url.pathname)) return { status: 404, body: 'not found\n', trusted: false };
  const v = url.searchParams.get(VERSION_PARAM);
  if ((strict || v !== null) && !versionCompatible(v ?? '')) {
    return { status: 426, body: `incompatible AimX protocol version (server speaks ${AIMX_VERSION})`, trusted: false };
  }
  if (!server.requiresToken) return { status: 101, body: '', trusted: false };
  const token = upgradeToken(req, url);
  if (token === undefined) return { status: 101, body: '', trusted: false };
  if (!server._checkToken(token)) return { status: 401, body: 'invalid token', trusted: false };
  return { status: 101, body: '', trusted: true };
}
