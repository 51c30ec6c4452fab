/**
 * Remote subscriptions: `sub {id, topic}` with an exact key or a pattern. The subscription id on the
 * wire is the request id as a string. Late-join snapshots (`snap`, by default for patterns only, as
 * AimDB) carry the current value of each covered record and share the subscription's `seq` space
 * with events (snapshots `1..N`, events from `N+1`, as AimDB), so every loss — a reader's lag, an
 * event the transport could not take, a value JSON cannot carry — shows up as a gap the client can
 * count.
 */
import type { Reader, RecordInfo } from '../api.js';
import { encodeEvent, encodeSnap, encodeSubscribed } from './frame.js';
import { toJson } from './protocol.js';
import type { AimxSession } from './session.js';
import { isKeyPattern, keyMatches } from './topic.js';

/** One live subscription of a session. */
export class RemoteSubscription {
  /** Wire id: the `sub` request id as a string. */
  readonly id: string;
  /** Last `seq` used. */
  seq: number;
  _session: AimxSession;
  _readers: Reader<unknown>[];
  _tagged: boolean;

  constructor(session: AimxSession, id: string, tagged: boolean) {
    this.id = id;
    this.seq = 0;
    this._session = session;
    this._readers = [];
    this._tagged = tagged;
  }

  /** Closes every reader. */
  close(): void {
    for (let i = 0; i < this._readers.length; i++) this._readers[i].close();
    this._readers.splice(0, this._readers.length);
  }

  /** Sends one event (or counts it as dropped; the `seq` advances either way). */
  _emit(topic: string, value: unknown): void {
    const s = this._session;
    this.seq++;
    const json = toJson(value);
    if (json === undefined || !s.canSend()) {
      s.stats.eventsDropped++;
      return;
    }
    s.stats.eventsSent++;
    s.send(encodeEvent(this.id, this.seq, this._tagged ? topic : null, json));
  }

  _lag(missed: number): void {
    this.seq += missed;
    this._session.stats.lagged += missed;
  }

  /** Attaches a reader of one record. `skip` is the value a snapshot already carried. */
  _attach(reader: Reader<unknown>, topic: string, skip: unknown, hasSkip: boolean): void {
    const self = this;
    let pendingSkip = hasSkip;
    this._readers.push(reader);
    reader.each(
      function (value: unknown) {
        // SingleLatest hands a fresh reader the current value once (CONTRACT §2); the snapshot
        // already delivered that very value, so do not send it twice.
        if (pendingSkip) {
          pendingSkip = false;
          if (value === skip) return;
        }
        self._emit(topic, value);
      },
      function (missed: number) {
        pendingSkip = false;
        self._lag(missed);
      },
    );
  }
}

/** True when a remote reader may attach to the record under the server's policy. */
function readable(session: AimxSession, info: RecordInfo): boolean {
  if (info.bufferType === 'none') return false;
  return info.bufferType !== 'mailbox' || session.server.consumeMailboxes;
}

/**
 * Opens a subscription, sending `subscribed`, then the snapshots, then events as they come.
 * Replies `not_found` for an unknown exact key and `denied` for a key the policy does not let a
 * remote reader consume. Returns null when refused.
 */
export function openSubscription(session: AimxSession, id: number, topic: string): RemoteSubscription | null {
  const server = session.server;
  const db = server.db;
  const wildcard = isKeyPattern(topic);
  const covered: RecordInfo[] = [];
  const snapshots = server.snapshots === 'all' || (server.snapshots === 'wildcard' && wildcard);
  if (wildcard) {
    const rows = server._info;
    for (let i = 0; i < rows.length; i++) {
      if (keyMatches(topic, rows[i].key) && readable(session, rows[i])) covered.push(rows[i]);
    }
  } else {
    const info = session.recordInfo(topic);
    if (!info || info.bufferType === 'none') {
      session.sendErr(id, 'not_found');
      return null;
    }
    if (!readable(session, info)) {
      session.sendErr(id, 'denied', 'mailbox_consumption');
      return null;
    }
    covered.push(info);
  }
  const sub = new RemoteSubscription(session, String(id), wildcard);
  if (session.acksSubscribe) session.send(encodeSubscribed(sub.id));

  // Snapshots first, then readers: nothing runs in between (all synchronous), so no value is lost.
  const values: unknown[] = [];
  const has: boolean[] = [];
  const snaps: number[] = [];
  for (let i = 0; i < covered.length; i++) {
    const v = snapshots ? db.latest(covered[i].id) : undefined;
    values.push(v);
    has.push(v !== undefined);
    if (v !== undefined) snaps.push(i);
  }
  for (let k = 0; k < snaps.length; k++) {
    const i = snaps[k];
    sub.seq++;
    const json = toJson(values[i]);
    if (json === undefined) {
      session.stats.eventsDropped++;
      continue;
    }
    session.stats.eventsSent++;
    session.send(encodeSnap(sub.id, sub.seq, covered[i].key, json, k === snaps.length - 1));
  }
  for (let i = 0; i < covered.length; i++) {
    const info = covered[i];
    // Rings replay nothing to a fresh reader; others hand it the current value: skipped when a
    // snapshot carried it, else it is the subscription's first event (as AimDB's exact-key stream).
    sub._attach(db.subscribeById(info.id), info.key, values[i], has[i] && info.bufferType !== 'spmc_ring');
  }
  return sub;
}
