/**
 * Connection limits of the Node AimX transports: what keeps a client that has not logged in (or one
 * that never reads) from exhausting the server's memory, its session slots or its log.
 *
 * Every connection served with `serveConn` passes through the {@link AimxGate} of its server:
 * - **Output is bounded.** Replies, errors and events all count: past `highWater` buffered bytes the
 *   connection stops reading (the peer's own sends block, nothing more is parsed or answered), it
 *   reads again once the buffer drained below half of it; past `hardLimit` it is closed.
 * - **Login.** A connection that has not passed `hello` (or, with no token, sent anything) within
 *   `loginTimeoutMs`, or that sends more
 *   than `maxPreAuthFrames` frames before it does, is closed. Sessions that have not logged in are
 *   counted apart from logged-in ones (`maxPending` per pool, `maxPendingPerPeer` per address), so
 *   they never take the slots of authenticated clients (`maxSessions`).
 * - **Idle.** A logged-in session with no subscription that sends nothing for `idleTimeoutMs` is closed.
 * - **Token guessing.** Each failed `hello` puts the peer's address in a backoff (`authBackoffMs`,
 *   doubling up to `authBackoffMaxMs`): until it ends, frames of that address's not-logged-in
 *   sessions wait (reading paused). A session is closed after `maxAuthFailures` failed tokens.
 * - **Logs in aggregate.** Refusals and closes are counted and logged as one summary line per
 *   `logEveryMs`, not one line per event.
 */
import type { AimxServer, AimxSession, SessionOpenOptions } from '../../core/aimx/index.js';
import type { MessageConn } from './conn.js';
/** Flow control a transport offers the gate (all a socket or a WebSocket can do). */
export interface ConnIo {
  /** Bytes queued for sending and not yet handed to the kernel. */
  buffered(): number;
  /** Stops reading from the peer. */
  pause(): void;
  /** Reads again. */
  resume(): void;
  /** Drops the connection now, without waiting for queued output. */
  destroy(): void;
}

/** The limits of {@link AimxGate}. */
export interface AimxLimits {
  /** Buffered output (bytes) past which the connection stops reading. Default 1 MiB. */
  highWater: number;
  /** Buffered output (bytes) past which the connection is closed. Default 8 MiB. */
  hardLimit: number;
  /** Time to pass `hello` when a token is required, ms. Default 10000. */
  loginTimeoutMs: number;
  /** Frames accepted before a successful `hello` (when a token is required). Default 16. */
  maxPreAuthFrames: number;
  /** A logged-in session without subscriptions that sends nothing this long is closed, ms (0: never). Default 300000. */
  idleTimeoutMs: number;
  /** Not-logged-in sessions per pool (a transport, or the dashboard). Default 32. */
  maxPending: number;
  /** Not-logged-in sessions per peer address, per pool. Default 4. */
  maxPendingPerPeer: number;
  /** Logged-in sessions across all transports. Default: the server's `maxConnections`. */
  maxSessions: number;
  /** Failed tokens before a session is closed. Default 3. */
  maxAuthFailures: number;
  /** First backoff after a failed token, ms; doubles per failure from the same address. Default 250. */
  authBackoffMs: number;
  /** Longest backoff, ms. Default 10000. */
  authBackoffMaxMs: number;
  /** An address with no failure for this long starts over, ms. Default 60000. */
  authForgetMs: number;
  /** At most one summary log line per this many ms. Default 60000. */
  logEveryMs: number;
}
/** Counters of a gate (also in `/metrics`). */
export interface GateStats {
  /** Connections refused: a pool was full. */
  refused: number;
  /** Sessions closed for not logging in within the deadline. */
  loginTimeouts: number;
  /** Sessions closed for too many frames before logging in. */
  preAuthFlood: number;
  /** Sessions closed for idling. */
  idleClosed: number;
  /** Sessions closed because their output passed the hard limit. */
  outputOverflow: number;
  /** Times a session stopped reading because its output passed the high-water mark. */
  outputPaused: number;
  /** Failed tokens. */
  authFailures: number;
  /** Frames held back by an address's token backoff. */
  throttled: number;
}

interface PeerState {
  failures: number;
  lastFailure: number;
  /** Frames of this address's not-logged-in sessions wait until then. */
  until: number;
}

/** The default limits; `maxSessions` 0 stands for "the server's `maxConnections`". */
export const DEFAULT_LIMITS: AimxLimits = {
  highWater: 1 << 20,
  hardLimit: 8 << 20,
  loginTimeoutMs: 10_000,
  maxPreAuthFrames: 16,
  idleTimeoutMs: 300_000,
  maxPending: 32,
  maxPendingPerPeer: 4,
  maxSessions: 0,
  maxAuthFailures: 3,
  authBackoffMs: 250,
  authBackoffMaxMs: 10_000,
  authForgetMs: 60_000,
  logEveryMs: 60_000,
};

/** Frames one connection may have handled in one turn of the event loop before it yields. */
const FRAMES_PER_TURN = 64;
/** Frames a logged-in connection may have waiting (the rest of one read chunk: at most 64 KiB of 4-byte frames). */
const MAX_HELD = 16384 + 64;

/** The address part of a peer description (`127.0.0.1:5000` → `127.0.0.1`, `[::1]:5` → `::1`). */
export function peerAddress(peer: string): string {
  if (peer.startsWith('unix:')) return peer;
  const i = peer.lastIndexOf(':');
  if (i <= 0 || !/^\d+$/.test(peer.slice(i + 1))) return peer;
  return peer.slice(0, i).replace(/^\[|\]$/g, '').replace(/^::ffff:/, '');
}

/** What serveConn hands the gate. */
type GuardedConn = MessageConn;

/** Options of one served connection: the core's, plus the pool it counts in. */
export interface GateOpenOptions extends SessionOpenOptions {
  /** Pool of not-logged-in sessions (default: the transport name), e.g. `dashboard`. */
  pool?: string;
}

/** The per-server gate: see the module comment. */
export class AimxGate {
  readonly limits: AimxLimits;
  readonly stats: GateStats = { refused: 0, loginTimeouts: 0, preAuthFlood: 0, idleClosed: 0, outputOverflow: 0, outputPaused: 0, authFailures: 0, throttled: 0 };
  private peers = new Map<string, PeerState>();
  /** Not-logged-in sessions per pool, and per pool + address. */
  private pending = new Map<string, number>();
  private authenticated = 0;
  private logged: GateStats = { ...this.stats };
  private lastLog = 0;
  private logTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly server: AimxServer,
    limits: Partial<AimxLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    if (!this.limits.maxSessions) this.limits.maxSessions = server.maxConnections;
  }

  /** Logged-in sessions now. */
  get sessions(): number {
    return this.authenticated;
  }

  /** Not-logged-in sessions now, over all pools. */
  get pendingSessions(): number {
    let n = 0;
    for (const [k, v] of this.pending) if (!k.includes('\n')) n += v;
    return n;
  }

  /** Counts a wrong token from `addr` (`hello` or a WebSocket upgrade): its backoff doubles, to a cap. */
  failedToken(addr: string): void {
    this.stats.authFailures++;
    this.note();
    const p = this.peerState(addr);
    p.lastFailure = Date.now();
    p.until = p.lastFailure + Math.min(this.limits.authBackoffMs * 2 ** Math.min(p.failures++, 30), this.limits.authBackoffMaxMs);
  }

  /** Milliseconds `addr` still waits in its token backoff (0: none). */
  backoffLeft(addr: string): number {
    return Math.max(0, (this.peers.get(addr)?.until ?? 0) - Date.now());
  }

  private peerState(addr: string): PeerState {
    let p = this.peers.get(addr);
    const now = Date.now();
    if (p && p.failures > 0 && now - p.lastFailure > this.limits.authForgetMs) p = undefined;
    if (!p) {
      // Bounded: addresses without a recent failure are forgotten before a new one is kept.
      if (this.peers.size >= 4096) for (const [a, s] of this.peers) if (now - s.lastFailure > this.limits.authForgetMs) this.peers.delete(a);
      p = { failures: 0, lastFailure: 0, until: 0 };
      if (this.peers.size < 4096) this.peers.set(addr, p);
    }
    return p;
  }

  private count(key: string, d: number): number {
    const n = (this.pending.get(key) ?? 0) + d;
    if (n <= 0) this.pending.delete(key);
    else this.pending.set(key, n);
    return n;
  }

  /** Summarizes what happened since the last line, at most once per `logEveryMs`. */
  private note(): void {
    if (this.logTimer) return;
    const wait = Math.max(0, this.lastLog + this.limits.logEveryMs - Date.now());
    this.logTimer = setTimeout(() => {
      this.logTimer = null;
      this.lastLog = Date.now();
      const parts: string[] = [];
      for (const k of Object.keys(this.stats) as Array<keyof GateStats>) {
        const d = this.stats[k] - this.logged[k];
        if (d > 0) parts.push(`${k} +${d}`);
      }
      this.logged = { ...this.stats };
      if (parts.length) this.server._log.warn('aimx: connection limits: ' + parts.join(', ') + ` (next summary in ≥ ${Math.round(this.limits.logEveryMs / 1000)} s)`);
    }, wait);
    this.logTimer.unref();
  }

  /** Stops the summary timer (the server is going away). */
  dispose(): void {
    if (this.logTimer) clearTimeout(this.logTimer);
    this.logTimer = null;
  }

  private refuse(conn: GuardedConn): void {
    this.stats.refused++;
    this.note();
    conn.send(this.server.refusalFrame());
    conn.close();
  }

  /** Serves one connection under the limits (see {@link serveConn}). */
  serve(conn: GuardedConn, options: GateOpenOptions): void {
    const L = this.limits;
    const pool = options.pool ?? options.transport ?? 'stream';
    const addr = peerAddress(conn.peer);
    const peerKey = pool + '\n' + addr;
    const needsLogin = this.server.requiresToken && !options.trusted;
    if (needsLogin ? (this.pending.get(pool) ?? 0) >= L.maxPending || (this.pending.get(peerKey) ?? 0) >= L.maxPendingPerPeer : this.authenticated >= L.maxSessions) {
      return this.refuse(conn);
    }
    const session = this.server.open(
      { send: (t) => out(t), close: () => conn.close(), canSend: () => (conn.io ? conn.io.buffered() < L.highWater : conn.canSend()) },
      { transport: options.transport, peer: conn.peer, trusted: options.trusted },
    );
    if (!session) return this.refuse(conn);
    let state: 'pending' | 'auth' | 'closed' = 'pending';
    const enter = (s: 'pending' | 'auth'): void => {
      if (state === s) return;
      if (state === 'pending') {
        this.count(pool, -1);
        this.count(peerKey, -1);
      } else if (state === 'auth') this.authenticated--;
      state = s;
      if (s === 'pending') {
        this.count(pool, 1);
        this.count(peerKey, 1);
      } else this.authenticated++;
    };
    state = 'closed';
    enter(session.authenticated ? 'auth' : 'pending');
    let preAuthFrames = 0;
    let lastFrame = Date.now();
    let paused = false;
    let drainTimer: NodeJS.Timeout | null = null;
    let holdTimer: NodeJS.Timeout | null = null;
    let held: string[] = [];
    let ended = false;

    const finish = (): void => {
      if (ended) return;
      ended = true;
      if (state !== 'closed') {
        if (state === 'pending') {
          this.count(pool, -1);
          this.count(peerKey, -1);
        } else this.authenticated--;
        state = 'closed';
      }
      clearTimeout(loginTimer);
      if (idleTimer) clearTimeout(idleTimer);
      if (drainTimer) clearInterval(drainTimer);
      if (holdTimer) clearTimeout(holdTimer);
      held = [];
      session.close();
    };
    const drop = (counter: keyof GateStats, hard = false): void => {
      this.stats[counter]++;
      this.note();
      finish();
      if (hard && conn.io) conn.io.destroy();
      else conn.close();
    };
    const readingWanted = (): boolean => !paused && holdTimer === null && !yielding;
    const setReading = (): void => {
      if (!conn.io) return;
      if (readingWanted()) conn.io.resume();
      else conn.io.pause();
    };
    /** Every frame the session sends passes here: the output bound. */
    const out = (t: string): void => {
      if (ended) return;
      conn.send(t);
      const io = conn.io;
      if (!io) return;
      const b = io.buffered();
      if (b > L.hardLimit) return drop('outputOverflow', true);
      if (b > L.highWater && !paused) {
        paused = true;
        this.stats.outputPaused++;
        setReading();
        // Transports do not all report 'drain' the same way: poll while (and only while) paused.
        drainTimer = setInterval(() => {
          if (io.buffered() > L.highWater / 2) return;
          clearInterval(drainTimer!);
          drainTimer = null;
          paused = false;
          setReading();
        }, 20);
        drainTimer.unref();
      }
    };

    // Also without a token: a connection that has sent nothing by then is not a client.
    let framesSeen = 0;
    const loginTimer = setTimeout(() => {
      if (!ended && (!session.authenticated || framesSeen === 0)) drop('loginTimeouts');
    }, L.loginTimeoutMs);
    loginTimer.unref();
    let idleTimer: NodeJS.Timeout | null = null;
    const armIdle = (ms: number): void => {
      if (!L.idleTimeoutMs) return;
      idleTimer = setTimeout(() => {
        idleTimer = null;
        if (ended) return;
        const quiet = Date.now() - lastFrame;
        if (quiet >= L.idleTimeoutMs && session.subscriptionCount === 0 && session.authenticated) return drop('idleClosed');
        armIdle(Math.max(L.idleTimeoutMs - quiet, 50));
      }, ms);
      idleTimer.unref();
    };
    armIdle(L.idleTimeoutMs);

    const process1 = (t: string): void => {
      lastFrame = Date.now();
      framesSeen++;
      const wasAuth = session.authenticated;
      if (!wasAuth && ++preAuthFrames > L.maxPreAuthFrames) return drop('preAuthFlood');
      const failuresBefore = session._authFailures;
      session.receive(t);
      if (ended) return;
      if (session._closed) return finish();
      if (session._authFailures > failuresBefore) {
        this.failedToken(addr);
        if (session._authFailures >= L.maxAuthFailures) {
          finish();
          conn.close();
          return;
        }
      }
      if (session.authenticated !== wasAuth) {
        if (session.authenticated) {
          if (this.authenticated >= L.maxSessions) {
            finish();
            return this.refuse(conn);
          }
          enter('auth');
          const p = this.peers.get(addr);
          if (p) p.failures = 0;
        } else enter('pending');
      }
    };
    /**
     * Frames wait in `held` (reading paused) while the session's address is in a token backoff
     * (not logged in yet), and past {@link FRAMES_PER_TURN} frames in one turn of the event loop, so
     * that one flooding connection shares the loop with the others instead of holding it.
     */
    let turn = 0;
    let turnReset = false;
    let yielding = false;
    const flush = (): void => {
      while (!ended && held.length > 0) {
        const wait = session.authenticated ? 0 : this.peerState(addr).until - Date.now();
        if (wait > 0) {
          if (!holdTimer) {
            holdTimer = setTimeout(() => {
              holdTimer = null;
              setReading();
              flush();
            }, wait);
            holdTimer.unref();
            setReading();
          }
          return;
        }
        if (turn >= FRAMES_PER_TURN) {
          if (!yielding) {
            yielding = true;
            setReading();
            setImmediate(() => {
              yielding = false;
              turn = 0;
              setReading();
              flush();
            });
          }
          return;
        }
        turn++;
        process1(held.shift()!);
      }
    };
    conn.onMessage = (t) => {
      if (ended) return;
      if (!turnReset) {
        turnReset = true;
        setImmediate(() => {
          turnReset = false;
          if (!yielding) turn = 0;
        });
      }
      const backoff = !session.authenticated && this.peerState(addr).until > Date.now();
      if (held.length > 0 || holdTimer || yielding || backoff || turn >= FRAMES_PER_TURN) {
        if (backoff) this.stats.throttled++;
        // Reading is paused meanwhile: only the rest of the chunk already read can arrive (bounded).
        if (held.length >= (session.authenticated ? MAX_HELD : L.maxPreAuthFrames)) return drop('preAuthFlood');
        held.push(t);
        flush();
        return;
      }
      turn++;
      process1(t);
    };
    conn.onOversize = () => {
      if (ended) return;
      if (!session.authenticated && ++preAuthFrames > L.maxPreAuthFrames) return drop('preAuthFlood');
      session.frameError('oversize');
    };
    conn.onClose = () => finish();
  }
}

const gates = new WeakMap<AimxServer, AimxGate>();

/** The gate of a server (made with the default limits on first use). */
export function gateOf(server: AimxServer): AimxGate {
  let g = gates.get(server);
  if (!g) {
    g = new AimxGate(server);
    gates.set(server, g);
  }
  return g;
}

/**
 * Sets the limits of a server's connections (before its endpoints accept any).
 *
 * @example
 * const server = aimxServer(db, { token, maxConnections: 1000 });
 * setAimxLimits(server, { maxSessions: 8, loginTimeoutMs: 5000 });
 */
export function setAimxLimits(server: AimxServer, limits: Partial<AimxLimits>): AimxGate {
  gates.get(server)?.dispose();
  const g = new AimxGate(server, limits);
  gates.set(server, g);
  return g;
}

/** Flow control of a stream socket. */
export function socketIo(socket: import('node:net').Socket): ConnIo {
  return {
    buffered: () => socket.writableLength,
    pause: () => socket.pause(),
    resume: () => {
      if (!socket.destroyed) socket.resume();
    },
    destroy: () => socket.destroy(),
  };
}

/** Flow control of a WebSocket (`ws`). */
export function wsIo(ws: import('ws').WebSocket): ConnIo {
  return {
    buffered: () => ws.bufferedAmount,
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    destroy: () => ws.terminate(),
  };
}

/**
 * True when a browser's `Origin` may open a WebSocket: none (not a browser: the CLI, a script), the
 * page's own origin (same `Host`), or one of `allowed`. Browsers always send `Origin` on a WebSocket
 * upgrade, so a page from another site cannot use a visitor's browser to reach the endpoint.
 */
export function originAllowed(req: import('node:http').IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (origin === 'http://' + req.headers.host || origin === 'https://' + req.headers.host) return true;
  return allowed.includes(origin);
}

/** For type users: the session a gate serves. */
export type { AimxSession };
