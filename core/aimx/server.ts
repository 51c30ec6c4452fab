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
  /** Send an explicit `subscribed` ack after a successful `sub`. Default true. */
  acksSubscribe?: boolean;
  /** Send late-join `snap` frames (current values) on `sub`. Default true. */
  snapshots?: boolean;
  /**
   * Whether remote subscriptions and drains may read Mailbox records. Reading a mailbox takes its
   * value (competitive consumption, CONTRACT §2), so a remote watcher would steal values from the
   * application's reader. Default false: such a `sub` is `denied`, wildcards skip mailboxes.
   */
  consumeMailboxes?: boolean;
}

/** Options a transport gives when it opens a session. */
export interface SessionOpenOptions {
  /** Transport name for logs (`tcp`, `unix`, `ws`, `serial`). */
  transport?: string;
  /** Peer description for logs. */
  peer?: string;
  /**
   * A link the operator trusts physically (a UART cable): the token is not required. Default false,
   * so every network transport checks the token when one is configured.
   */
  trusted?: boolean;
}

/** The server shared by every transport of one database. */
export class AimxServer {
  readonly db: AimxDatabase;
  readonly maxConnections: number;
  readonly maxSubscriptions: number;
  readonly maxAuthFailures: number;
  readonly maxFrameBytes: number;
  readonly serverName: string;
  readonly acksSubscribe: boolean;
  readonly snapshots: boolean;
  readonly consumeMailboxes: boolean;
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
    this.acksSubscribe = o.acksSubscribe !== false;
    this.snapshots = o.snapshots !== false;
    this.consumeMailboxes = !!o.consumeMailboxes;
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
    const s = new AimxSession(this, link, !!o.trusted || !this.requiresToken, o.transport || 'stream');
    this._sessions.push(s);
    return s;
  }

  /** The frame a transport sends before closing a refused connection. */
  refusalFrame(): string {
    return encodeReplyErr(0, 'denied', 'too_many_connections');
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
