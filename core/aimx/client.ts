/**
 * The AimX v3 client, transport-independent and callback-driven (the Node bridge adds Promises):
 * request/reply correlation by id, subscriptions routed by their id, `seq` gap detection, pings.
 * Used by the gateway to mirror an MCU's records and by the CLI.
 */
import { AimError, aimError, AimErrorCode } from '../errors.js';
import type { RuntimeAdapter } from '../runtime/adapter.js';
import { PING_FRAME, encodeReq, encodeSub, encodeUnsub, encodeWrite, parseFrame } from './frame.js';
import { AIMX_VERSION, own, toJson } from './protocol.js';

/** One value delivered to a subscription. */
export interface SubscriptionUpdate {
  /** Record key that fired (always set for snapshots and wildcard events; else the subscribed key). */
  topic: string;
  /** The value (parsed JSON). */
  value: unknown;
  /** Subscription sequence number. */
  seq: number;
  /** Values lost just before this one (`seq` gap); 0 when none. */
  skipped: number;
  /** True for a late-join snapshot. */
  snapshot: boolean;
  /** True for the final snapshot of the late-join burst. */
  last: boolean;
}

/** Callbacks of one subscription. */
export interface SubscriptionHandlers {
  /** Each snapshot and event, in order. */
  onUpdate(update: SubscriptionUpdate): void;
  /** The server acknowledged the subscription. */
  onSubscribed?(): void;
  /** The server refused it (`not_found`, `denied`…) or the connection closed. Ends it. */
  onError?(error: AimError): void;
}

/** A subscription handle. */
export interface ClientSubscription {
  /** Wire id (the request id as a string). */
  readonly id: string;
  readonly topic: string;
  /** Total values lost to `seq` gaps so far. */
  readonly gaps: number;
  /** Sends `unsub` and stops local delivery. */
  close(): void;
}

/** Options of {@link AimxClient}. */
export interface AimxClientOptions {
  /** Timers for request timeouts. Default: none (requests wait until a reply or `close`). */
  runtime?: Pick<RuntimeAdapter, 'setTimer' | 'clearTimer'>;
  /** Request timeout in ms when `runtime` is given. Default 5000. */
  timeoutMs?: number;
}

/** Counters of a client. */
export interface ClientStats {
  /** Frames the client could not use (bad JSON, unknown type, unmatched reply). */
  badFrames: number;
  /** Values lost across all subscriptions (sum of `seq` gaps). */
  gaps: number;
  /** Events older than one already delivered (dropped). */
  outOfOrder: number;
  /** Sequence restarts: a `seq` back to 1 or far back, or one implausibly far ahead (not counted as gaps). */
  restarts: number;
}

/** A `seq` step past this (either way) is the server renumbering, not lost or stale values. */
const SEQ_RESTART = 1 << 20;

type ReplyCb = (err: AimError | null, result?: unknown) => void;

const WIRE_TO_CODE: { [err: string]: AimErrorCode } = {
  not_found: 'NOT_FOUND',
  denied: 'DENIED',
  internal: 'INTERNAL',
  version_mismatch: 'VERSION_MISMATCH',
};

/** The error for a reply's `err` (details: `{ wire, msg }`). */
export function remoteError(wire: string, msg?: string, what?: string): AimError {
  const code: AimErrorCode = own(WIRE_TO_CODE, wire) ? WIRE_TO_CODE[wire] : 'INTERNAL';
  return aimError(code, (what ? what + ': ' : '') + wire + (msg ? ' (' + msg + ')' : ''), { wire: wire, msg: msg });
}

class SubState implements ClientSubscription {
  readonly id: string;
  readonly topic: string;
  gaps: number;
  _client: AimxClient;
  _h: SubscriptionHandlers;
  _lastSeq: number;
  _open: boolean;
  constructor(client: AimxClient, id: string, topic: string, h: SubscriptionHandlers) {
    this.id = id;
    this.topic = topic;
    this.gaps = 0;
    this._client = client;
    this._h = h;
    this._lastSeq = 0;
    this._open = true;
  }
  close(): void {
    if (!this._open) return;
    this._open = false;
    delete this._client._subs[this.id];
    this._client._send(encodeUnsub(this.id));
  }
}

/**
 * An AimX client over any message transport.
 *
 * @example
 * const client = new AimxClient((text) => link.send(text));
 * link.onMessage = (text) => client.receive(text);
 * client.hello('gateway', token, (err, welcome) => {
 *   client.subscribe('sensors.#', { onUpdate: (u) => console.log(u.topic, u.value, u.skipped) });
 * });
 */
export class AimxClient {
  readonly stats: ClientStats;
  _send: (text: string) => void;
  _nextId: number;
  _pending: { [id: string]: { cb: ReplyCb; timer: unknown; method: string } };
  _subs: { [id: string]: SubState };
  _pings: Array<() => void>;
  _timers: Pick<RuntimeAdapter, 'setTimer' | 'clearTimer'> | undefined;
  _timeoutMs: number;
  _closed: boolean;

  constructor(send: (text: string) => void, options?: AimxClientOptions) {
    const o = options || {};
    this._send = send;
    this._nextId = 1;
    this._pending = {};
    this._subs = {};
    this._pings = [];
    this._timers = o.runtime;
    this._timeoutMs = o.timeoutMs || 5000;
    this._closed = false;
    this.stats = { badFrames: 0, gaps: 0, outOfOrder: 0, restarts: 0 };
  }

  /** Sends `req` and calls `cb(err, result)` with the reply. Returns the request id. */
  call(method: string, params: unknown, cb: ReplyCb): number {
    if (this._closed) {
      cb(aimError('CLOSED', method + ': connection closed'));
      return 0;
    }
    const id = this._nextId++;
    const key = String(id);
    const self = this;
    let timer: unknown = undefined;
    if (this._timers) {
      timer = this._timers.setTimer(function () {
        if (!own(self._pending, key)) return;
        delete self._pending[key];
        cb(aimError('TIMEOUT', method + ': no reply within ' + self._timeoutMs + ' ms'));
      }, this._timeoutMs);
    }
    this._pending[key] = { cb: cb, timer: timer, method: method };
    const json = toJson(params === undefined ? null : params);
    this._send(encodeReq(id, method, json === undefined ? 'null' : json));
    return id;
  }

  /** `hello {version:"3.0", client, token?}`; `cb` gets the welcome (permissions, writable records…). */
  hello(client: string, token: string | undefined, cb: ReplyCb): void {
    const params: any = { version: AIMX_VERSION, client: client };
    if (token !== undefined) params.token = token;
    this.call('hello', params, function (err, welcome: any) {
      if (err) return cb(err);
      if (!welcome || typeof welcome.version !== 'string' || welcome.version.split('.')[0] !== AIMX_VERSION.split('.')[0]) {
        return cb(aimError('VERSION_MISMATCH', 'hello: server speaks ' + (welcome && welcome.version)));
      }
      cb(null, welcome);
    });
  }

  /** Subscribes to a key or pattern. */
  subscribe(topic: string, handlers: SubscriptionHandlers): ClientSubscription {
    const id = this._nextId++;
    const sub = new SubState(this, String(id), topic, handlers);
    if (this._closed) {
      sub._open = false;
      if (handlers.onError) handlers.onError(aimError('CLOSED', 'subscribe ' + topic + ': connection closed'));
      return sub;
    }
    this._subs[sub.id] = sub;
    this._send(encodeSub(id, topic));
    return sub;
  }

  /** Fire-and-forget write (`{"value": v}` payload, as AimDB's client). */
  write(topic: string, value: unknown): void {
    const json = toJson(value);
    if (!this._closed && json !== undefined) this._send(encodeWrite(topic, '{"value":' + json + '}'));
  }

  /** Sends `ping`; `cb` runs on the matching `pong` (FIFO). */
  ping(cb: () => void): void {
    if (this._closed) return;
    this._pings.push(cb);
    this._send(PING_FRAME);
  }

  /** Handles one frame's text from the server. Never throws. */
  receive(text: string): void {
    const r = parseFrame(text);
    const f = r.frame;
    if (f === null) {
      this.stats.badFrames++;
      return;
    }
    switch (f.t) {
      case 'reply':
        return this._reply(f.id as number, f.ok, f.err, f.msg);
      case 'event':
      case 'snap':
        // A snapshot from an AimDB server that does not number them takes the next number.
        return this._update(f.sub as string, f.seq !== undefined ? f.seq : this._nextSeq(f.sub as string), f.topic, f.data, f.t === 'snap', !!f.last);
      case 'subscribed': {
        const s = this._sub(f.sub as string);
        if (s && s._h.onSubscribed) s._h.onSubscribed();
        return;
      }
      case 'pong': {
        const cb = this._pings.shift();
        if (cb) cb();
        return;
      }
    }
    this.stats.badFrames++;
  }

  /** Fails every pending request and subscription with `CLOSED` (call when the transport ends). */
  close(reason?: string): void {
    if (this._closed) return;
    this._closed = true;
    const why = reason || 'connection closed';
    const pending = this._pending;
    this._pending = {};
    for (const k in pending) {
      if (!own(pending, k)) continue;
      if (this._timers && pending[k].timer !== undefined) this._timers.clearTimer(pending[k].timer);
      pending[k].cb(aimError('CLOSED', pending[k].method + ': ' + why));
    }
    const subs = this._subs;
    this._subs = {};
    for (const k in subs) {
      if (!own(subs, k)) continue;
      subs[k]._open = false;
      if (subs[k]._h.onError) subs[k]._h.onError!(aimError('CLOSED', 'subscription ' + subs[k].topic + ': ' + why));
    }
    this._pings = [];
  }

  _nextSeq(id: string): number {
    const s = this._sub(id);
    return s ? s._lastSeq + 1 : 0;
  }

  _sub(id: string): SubState | null {
    return own(this._subs, id) ? this._subs[id] : null;
  }

  _reply(id: number, ok: unknown, err: string | undefined, msg: string | undefined): void {
    const key = String(id);
    if (own(this._pending, key)) {
      const p = this._pending[key];
      delete this._pending[key];
      if (this._timers && p.timer !== undefined) this._timers.clearTimer(p.timer);
      if (err !== undefined) p.cb(remoteError(err, msg, p.method));
      else p.cb(null, ok);
      return;
    }
    const s = this._sub(key);
    if (s && err !== undefined) {
      // A refused `sub` is answered with a reply carrying the sub's id.
      s._open = false;
      delete this._subs[key];
      if (s._h.onError) s._h.onError(remoteError(err, msg, 'subscribe ' + s.topic));
      return;
    }
    this.stats.badFrames++;
  }

  _update(subId: string, seq: number, topic: string | undefined, data: unknown, snapshot: boolean, last: boolean): void {
    const s = this._sub(subId);
    if (!s) return;
    let skipped = seq - s._lastSeq - 1;
    if (seq <= s._lastSeq && seq !== 1 && s._lastSeq - seq < SEQ_RESTART) {
      this.stats.outOfOrder++;
      return;
    }
    // Numbering started over (a device restart behind a kept link) or leapt: follow it, count no gap.
    if (seq <= s._lastSeq || skipped > SEQ_RESTART) {
      this.stats.restarts++;
      skipped = 0;
    }
    s._lastSeq = seq;
    if (skipped > 0) {
      s.gaps += skipped;
      this.stats.gaps += skipped;
    }
    s._h.onUpdate({
      topic: topic !== undefined ? topic : s.topic,
      value: data === undefined ? null : data,
      seq: seq,
      skipped: skipped,
      snapshot: snapshot,
      last: last,
    });
  }
}
