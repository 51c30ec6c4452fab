/**
 * The AimX server: one per database, shared by every transport. It holds the security policy and
 * the limits, and opens one {@link AimxSession} per connection. Transports are thin adapters that
 * move frame texts between a byte/message stream and a session.
 */
import type { RecordInfo } from '../api.js';
import type { Logger } from '../runtime/context.js';
import type { AimxDatabase } from './db.js';
import { encodeReplyErr } from './frame.js';
import { own } from './protocol.js';
import { AimxSession, SessionLink } from './session.js';

/** Options of {@link aimxServer}. */
export interface AimxServerOptions {
  /**
   * Allowlist of record keys remote clients may write (`record.set`, `write`). Default: the records
   * the database marks writable (`.remote({ writable: true })`). Either way a record with a source
   * or a transform (or join) is never writable (CONTRACT §7); link-fed records may be. Empty list =
   * read-only.
   */
  writable?: string[];
  /**
   * Auth token. When set, a session must first send `hello` with `params.token` equal to it (AimDB's
   * `auth_token` is accepted too); every other request before that is `denied`. Default: none.
   */
  token?: string;
  /** Concurrent sessions across all transports. Default 8. */
  maxConnections?: number;
  /** Live subscriptions per session. Default 16; 0 refuses every `sub` (as AimDB). */
  maxSubscriptions?: number;
  /** Failed `hello` token checks before the session is closed. Default 3. */
  maxAuthFailures?: number;
  /** Largest frame text a transport should accept, in bytes. Default 65536 (64 KiB). */
  maxFrameBytes?: number;
  /** `server` string of the `hello` reply. Default `'aimdb-js'`. */
  server?: string;
  /**
   * Send an explicit `subscribed` ack after a successful `sub`, on every session. Unset (default):
   * as AimDB, WebSocket sessions (transport `'ws'`) ack and the socket and serial ones do not.
   */
  acksSubscribe?: boolean;
  /**
   * Late-join `snap` frames (current values) on `sub`: `'wildcard'` (default, as AimDB) for pattern
   * subscriptions only, `'all'` for exact keys too, `'none'` never.
   */
  snapshots?: 'wildcard' | 'all' | 'none';
  /**
   * Add a `msg` with the reason to error replies, and answer malformed frames with
   * `err:"internal"` + `msg`. Default false: replies are AimDB's bytes and malformed frames get no
   * answer (AimDB's behaviour). A diagnostic aid; AimDB's client ignores `msg`.
   */
  details?: boolean;
  /**
   * What `record.get` reads on a ring: `'latest'` (default) the newest value, without consuming
   * anything; `'drain'` AimDB's behaviour: the newest value of the session's drain cursor, which it
   * advances (so `record.get` and `record.drain` interleave), `not_found` until the ring produces
   * after the cursor opened.
   */
  ringGet?: 'latest' | 'drain';
  /** The `record.query` handler (a history store); see {@link AimxServer.queryHandler}. */
  query?: QueryHandler;
  /**
   * Whether remote subscriptions and drains may read Mailbox records. Reading a mailbox takes its
   * value (competitive consumption, CONTRACT §2), so a remote watcher would steal values from the
   * application's reader. Default false: such a `sub` is `denied`, wildcards skip mailboxes.
   */
  consumeMailboxes?: boolean;
}

/** Parameters of `record.query`, as AimDB passes them to its query handler. */
export interface QueryParams {
  /** Record pattern (`*` one segment, `#` any); `'#'` (every record) when the request has none. */
  name: string;
  /** Most results per matching record (a non-negative integer), when given. */
  limit?: number;
  /** Start time, Unix ms, when given. */
  start?: number;
  /** End time, Unix ms, when given. */
  end?: number;
}

/**
 * Answers one `record.query`: call `done(null, result)` once with the JSON-serializable reply, or
 * `done(reason)` on failure (sent as `err:"internal"`). It may answer later (asynchronously).
 */
export type QueryHandler = (params: QueryParams, done: (error: string | null, result?: unknown) => void) => void;

/** Options a transport gives when it opens a session. */
export interface SessionOpenOptions {
  /** Transport name for logs (`tcp`, `unix`, `ws`, `serial`). */
  transport?: string;
  /** Peer description for logs. */
  peer?: string;
  /**
   * The transport already authenticated the peer, so the token is not asked for: a UART cable the
   * operator wired, a Unix socket whose file mode admits only its owner (and group), a WebSocket
   * whose upgrade carried the token. Default false, so a transport that cannot vouch for its peer
   * (TCP) checks the token in `hello` when one is configured.
   */
  trusted?: boolean;
  /** Send `subscribed` acks on this session (default: the server's `acksSubscribe`, else only on `ws`). */
  acksSubscribe?: boolean;
}

/** The server shared by every transport of one database. */
export class AimxServer {
  readonly db: AimxDatabase;
  readonly maxConnections: number;
  readonly maxSubscriptions: number;
  readonly maxAuthFailures: number;
  readonly maxFrameBytes: number;
  readonly serverName: string;
  readonly acksSubscribe: boolean | undefined;
  readonly snapshots: 'wildcard' | 'all' | 'none';
  readonly consumeMailboxes: boolean;
  readonly details: boolean;
  readonly ringGet: 'latest' | 'drain';
  /**
   * Answers `record.query`. Null (default) answers `internal`, as AimDB does without a persistence
   * layer; a history store installs itself here (or through the `query` option).
   */
  queryHandler: QueryHandler | null;
  _token: string | undefined;
  _allow: { [key: string]: boolean } | null;
  /** Records as built (static fields only: key, buffer, origin), indexed by record id. */
  _info: RecordInfo[];
  /** Remote writability by record id, decided once at creation. */
  _writable: boolean[];
  _writableKeys: string[];
  _sessions: AimxSession[];
  _log: Logger;
  /** Sessions refused because `maxConnections` was reached. */
  refused: number;

  constructor(db: AimxDatabase, options?: AimxServerOptions) {
    const o = options || {};
    this.db = db;
    this.maxConnections = o.maxConnections !== undefined ? o.maxConnections : 8;
    this.maxSubscriptions = o.maxSubscriptions !== undefined ? o.maxSubscriptions : 16;
    this.maxAuthFailures = o.maxAuthFailures || 3;
    this.maxFrameBytes = o.maxFrameBytes || 65536;
    this.serverName = o.server || 'aimdb-js';
    this.acksSubscribe = o.acksSubscribe;
    this.snapshots = o.snapshots || 'wildcard';
    this.consumeMailboxes = !!o.consumeMailboxes;
    this.details = !!o.details;
    this.ringGet = o.ringGet || 'latest';
    this.queryHandler = o.query || null;
    this._token = o.token;
    this._allow = null;
    if (o.writable) {
      this._allow = {};
      for (let i = 0; i < o.writable.length; i++) this._allow[o.writable[i]] = true;
    }
    // The record set is fixed at build: resolve the policy once (STYLE principle 2).
    this._info = db.records();
    this._writable = [];
    this._writableKeys = [];
    for (let i = 0; i < this._info.length; i++) {
      const w = this._policy(this._info[i]);
      this._writable[this._info[i].id] = w;
      if (w) this._writableKeys.push(this._info[i].key);
    }
    this._sessions = [];
    this._log = db.context('aimx').log;
    this.refused = 0;
  }

  /** True when the token is configured. */
  get requiresToken(): boolean {
    return this._token !== undefined && this._token !== '';
  }

  /** Live sessions. */
  get sessionCount(): number {
    return this._sessions.length;
  }

  /**
   * True when remote clients may write the record: allowlisted (or marked writable in the database
   * when no allowlist was given) and fed by no source or transform.
   */
  isWritable(info: RecordInfo): boolean {
    return this._writable[info.id] === true;
  }

  /** Keys remote clients may write, for `hello`. */
  writableKeys(): string[] {
    return this._writableKeys;
  }

  /** The record named `name` as built (static fields; metrics are not current), or null. */
  findInfo(name: string): RecordInfo | null {
    const id = this.db.findRecord(name);
    return id >= 0 && id < this._info.length ? this._info[id] : null;
  }

  _policy(info: RecordInfo): boolean {
    // CONTRACT §7: never a record with a source or transform. Link-fed records (command twins) may
    // be written when marked or allowlisted: they have no producer stage to contradict.
    if (info.hasProducerStage) return false;
    return this._allow ? own(this._allow, info.key) : info.writable;
  }

  /**
   * Opens a session for a new connection, or returns `null` when `maxConnections` is reached (the
   * transport then sends {@link AimxServer.refusalFrame} and closes).
   */
  open(link: SessionLink, options?: SessionOpenOptions): AimxSession | null {
    if (this._sessions.length >= this.maxConnections) {
      this.refused++;
      this._log.warn('connection refused: ' + this.maxConnections + ' sessions open');
      return null;
    }
    const o = options || {};
    const transport = o.transport || 'stream';
    const acks = o.acksSubscribe !== undefined ? o.acksSubscribe : this.acksSubscribe !== undefined ? this.acksSubscribe : transport === 'ws';
    const s = new AimxSession(this, link, !!o.trusted || !this.requiresToken, transport, acks);
    this._sessions.push(s);
    return s;
  }

  /** The frame a transport sends before closing a refused connection. */
  refusalFrame(): string {
    return encodeReplyErr(0, 'denied', this.details ? 'too_many_connections' : undefined);
  }

  /** Closes every session (their subscriptions and cursors too). */
  closeAll(): void {
    while (this._sessions.length > 0) this._sessions[0].close();
  }

  _checkToken(given: unknown): boolean {
    const t = this._token;
    if (t === undefined || t === '') return true;
    if (typeof given !== 'string') return false;
    let diff = given.length ^ t.length;
    for (let i = 0; i < t.length; i++) diff |= (i < given.length ? given.charCodeAt(i) : 0) ^ t.charCodeAt(i);
    return diff === 0;
  }

  _remove(s: AimxSession): void {
    const i = this._sessions.indexOf(s);
    if (i >= 0) this._sessions.splice(i, 1);
  }
}

/**
 * Makes the AimX server of a built database.
 *
 * @example
 * const server = aimxServer(db, { writable: ['app.setpoint'], token: 'secret' });
 * const session = server.open({ send: (text) => socket.write(text), close: () => socket.end() });
 * socket.on('frame', (text) => session && session.receive(text));
 */
export function aimxServer(db: AimxDatabase, options?: AimxServerOptions): AimxServer {
  return new AimxServer(db, options);
}
