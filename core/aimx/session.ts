/**
 * One AimX connection (CONTRACT §7): frame intake, the hello/token gate, subscriptions and the
 * per-connection drain cursors. Transport-independent: a transport hands in each frame's text with
 * {@link AimxSession.receive} and sends what the session gives its {@link SessionLink}.
 */
import type { Reader, RecordInfo } from '../api.js';
import { AimxFrame, PONG_FRAME, encodeReplyErr, encodeReplyOk, parseFrame } from './frame.js';
import { callMethod } from './methods.js';
import { AimxErrorCode, FrameError, own, versionCompatible } from './protocol.js';
import type { AimxServer } from './server.js';
import { RemoteSubscription, openSubscription } from './subscription.js';

/** How a session talks back to its transport. */
export interface SessionLink {
  /** Sends one frame's text. */
  send(text: string): void;
  /** Closes the connection (the session asked for it, e.g. too many failed tokens). */
  close(): void;
  /**
   * False while the transport is backed up: events are then dropped (counted, and visible to the
   * client as a `seq` gap) instead of queueing without bound. Optional; default always true.
   */
  canSend?(): boolean;
}

/** Counters of one session. */
export interface SessionStats {
  /** Frames received. */
  frames: number;
  /** Frames refused before dispatch (bad JSON, bad fields, unknown type, oversize). */
  badFrames: number;
  /** Requests, subscriptions and writes refused by the security policy or the hello gate. */
  denied: number;
  /** `write` frames applied. */
  writes: number;
  /** Events and snapshots sent. */
  eventsSent: number;
  /** Events not sent: transport backed up or value not serializable (each leaves a `seq` gap). */
  eventsDropped: number;
  /** Values the database reported lost to a subscription reader's lag (also `seq` gaps). */
  lagged: number;
}

/** One connection's state. Made by {@link AimxServer.open}. */
export class AimxSession {
  readonly server: AimxServer;
  readonly transport: string;
  readonly stats: SessionStats;
  /** True after a successful `hello` (or at once when no token is required). */
  authenticated: boolean;
  /** Client name from `hello`. */
  client: string;
  _link: SessionLink;
  _helloOk: boolean;
  _acks: boolean;
  _authFailures: number;
  _needsToken: boolean;
  _subs: RemoteSubscription[];
  _drains: { [key: string]: Reader<unknown> };
  _closed: boolean;

  constructor(server: AimxServer, link: SessionLink, authenticated: boolean, transport: string, acksSubscribe: boolean) {
    this.server = server;
    this.transport = transport;
    this._link = link;
    this.authenticated = authenticated;
    this.client = '';
    this._helloOk = false;
    this._acks = acksSubscribe;
    this._authFailures = 0;
    this._needsToken = !authenticated;
    this._subs = [];
    this._drains = {};
    this._closed = false;
    this.stats = { frames: 0, badFrames: 0, denied: 0, writes: 0, eventsSent: 0, eventsDropped: 0, lagged: 0 };
  }

  /** Live subscriptions. */
  get subscriptionCount(): number {
    return this._subs.length;
  }

  /** True once closed. */
  get closed(): boolean {
    return this._closed;
  }

  /** Handles one frame's text. Never throws; a malformed frame is counted and skipped (as AimDB). */
  receive(text: string): void {
    if (this._closed) return;
    this.stats.frames++;
    const r = parseFrame(text);
    if (r.frame === null) {
      this.frameError(r.error as FrameError, r.id);
      return;
    }
    const f = r.frame;
    try {
      this._dispatch(f);
    } catch (e) {
      // A bug or a throwing database call must not end the session (STYLE principle 4).
      this.server._log.error('aimx: ' + f.t + ' failed: ' + String(e));
      if (f.t === 'req' || f.t === 'sub') this.sendErr(f.id as number, 'internal');
    }
  }

  /**
   * Reports a frame refused before dispatch: counted, and skipped without an answer as AimDB does;
   * with the server's `details` option, answered `err:"internal"` with `msg` = the reason, on `id`
   * (0 when unknown). Transports call it for `oversize`.
   */
  frameError(error: FrameError, id?: number): void {
    if (this._closed) return;
    this.stats.badFrames++;
    if (this.server.details) this._link.send(encodeReplyErr(id || 0, 'internal', error));
  }

  /** Closes the session: unsubscribes every reader and drops the drain cursors. Idempotent. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._reset();
    this.server._remove(this);
  }

  _reset(): void {
    for (let i = 0; i < this._subs.length; i++) this._subs[i].close();
    this._subs.splice(0, this._subs.length);
    for (const k in this._drains) if (own(this._drains, k)) this._drains[k].close();
    this._drains = {};
  }

  /** Sends a text frame unless closed. */
  send(text: string): void {
    if (!this._closed) this._link.send(text);
  }

  /** Sends `reply {id, ok}` with `okJson` spliced in. */
  sendOk(id: number, okJson: string): void {
    this.send(encodeReplyOk(id, okJson));
  }

  /** Sends `reply {id, err}`; `msg` (the reason) goes on the wire only with the server's `details`. */
  sendErr(id: number, err: AimxErrorCode, msg?: string): void {
    if (err === 'denied') this.stats.denied++;
    this.send(encodeReplyErr(id, err, this.server.details ? msg : undefined));
  }

  /** True when this session sends `subscribed` acks. */
  get acksSubscribe(): boolean {
    return this._acks;
  }

  /** True when the transport accepts more output now. */
  canSend(): boolean {
    return !this._closed && (!this._link.canSend || this._link.canSend());
  }

  _dispatch(f: AimxFrame): void {
    const t = f.t;
    if (t === 'ping') {
      this.send(PONG_FRAME);
      return;
    }
    if (t === 'req') {
      const id = f.id as number;
      if (f.method === 'hello') {
        this._hello(id, f.params);
        return;
      }
      if (!this.authenticated) return this.sendErr(id, 'denied', 'hello_required');
      callMethod(this, id, f.method as string, f.params);
      return;
    }
    if (t === 'sub') {
      const id = f.id as number;
      if (!this.authenticated) return this.sendErr(id, 'denied', 'hello_required');
      this._subscribe(id, f.topic as string);
      return;
    }
    if (t === 'unsub') {
      this._unsubscribe(f.sub as string);
      return;
    }
    if (t === 'write') {
      if (!this.authenticated) {
        this.stats.denied++;
        return;
      }
      this._write(f.topic as string, f.payload);
      return;
    }
    // reply, subscribed, snap, event, pong: frames a server never receives (AimDB: malformed).
    this.frameError('unknown_type', f.id);
  }

  _hello(id: number, params: any): void {
    const p = params && typeof params === 'object' ? params : {};
    if (!versionCompatible(p.version)) {
      // Fail closed at the handshake (AimDB): refused, and the session keeps no trace of it.
      this.sendErr(id, 'version_mismatch');
      return;
    }
    const given = p.token !== undefined ? p.token : p.auth_token;
    const tokenOk = this.server._checkToken(given);
    if (this._needsToken && !tokenOk) {
      // Fail closed: on a persistent link a failed hello also ends what an earlier client opened.
      this.authenticated = false;
      this._reset();
      this._authFailures++;
      this.sendErr(id, 'denied', 'bad_token');
      if (this._authFailures >= this.server.maxAuthFailures) {
        this.server._log.warn('aimx: closing ' + this.transport + ' session after ' + this._authFailures + ' bad tokens');
        this.close();
        this._link.close();
      }
      return;
    }
    const verified = this.server.requiresToken && tokenOk;
    // A hello starts a fresh session: on a persistent link (a UART) a new client must not inherit
    // the previous client's subscriptions and drain cursors.
    this._reset();
    this.authenticated = true;
    this._helloOk = true;
    this.client = typeof p.client === 'string' ? p.client : '';
    const writable = this.server.writableKeys();
    const welcome = {
      version: '3.0',
      server: this.server.serverName,
      permissions: writable.length > 0 ? ['read', 'write'] : ['read'],
      writable_records: writable,
      max_subscriptions: this.server.maxSubscriptions,
      authenticated: verified,
      node_id: this.server.db.nodeId,
      runtime: this.server.db.runtimeName,
    };
    this.sendOk(id, JSON.stringify(welcome));
  }

  _subscribe(id: number, topic: string): void {
    // The limit counts live subscriptions before a same-id one is replaced (as AimDB).
    if (this._subs.length >= this.server.maxSubscriptions) return this.sendErr(id, 'denied', 'too_many_subscriptions');
    const sub = openSubscription(this, id, topic);
    if (!sub) return;
    // A new subscription under a live id replaces it (AimDB keeps one subscription per id).
    this._unsubscribe(sub.id);
    this._subs.push(sub);
  }

  _unsubscribe(subId: string): void {
    for (let i = 0; i < this._subs.length; i++) {
      if (this._subs[i].id === subId) {
        this._subs[i].close();
        this._subs.splice(i, 1);
        return;
      }
    }
  }

  _write(topic: string, payload: any): void {
    // AimDB's client wraps the value as {"value": v}; a bare payload is accepted as the value.
    const value = payload !== null && typeof payload === 'object' && own(payload, 'value') ? payload.value : payload;
    const info = this.recordInfo(topic);
    if (!info || !this.server.isWritable(info)) {
      this.stats.denied++;
      return;
    }
    try {
      this.server.db.setById(info.id, value);
      this.stats.writes++;
    } catch (e) {
      this.stats.denied++;
    }
  }

  /** The `RecordInfo` of `name` as built (static fields), or null. */
  recordInfo(name: string): RecordInfo | null {
    return this.server.findInfo(name);
  }

  /** The session's drain cursor of a record, opened on first use. */
  drainReader(id: number, key: string): Reader<unknown> {
    if (!own(this._drains, key)) this._drains[key] = this.server.db.subscribeById(id);
    return this._drains[key];
  }
}
