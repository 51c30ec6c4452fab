/**
 * AimX v3 request methods: `record.list`, `record.get`, `record.set`, `record.drain`,
 * `record.query`, `graph.nodes`, `graph.edges`, `graph.topo_order`, `buffer_metrics.reset`,
 * `profiling.reset`. (`hello` is handled by the session, which owns the handshake.) Param shapes,
 * reply shapes and error codes follow AimDB's dispatch, check for check: a missing `name` is
 * `not_found` for `record.get`, `internal` otherwise; `record.set` checks writability before the
 * record exists (`denied` for an unknown key); an unknown method is `not_found`.
 */
import { RECV_CLOSED, RECV_EMPTY, RECV_LAGGED } from '../api.js';
import type { RecordInfo } from '../api.js';
import { isAimError } from '../errors.js';
import { own, toJson } from './protocol.js';
import { graphEdges, graphNodes, recordRows } from './rows.js';
import type { QueryParams } from './server.js';
import type { AimxSession } from './session.js';

function recordList(s: AimxSession, id: number): void {
  const server = s.server;
  const rows = recordRows(server.db.records(), server.db.graph(), function (info) {
    return server.isWritable(info);
  });
  s.sendOk(id, JSON.stringify(rows));
}

/** True when `v` is what AimDB reads as a u64 (`as_u64`): a non-negative integer. */
function isU64(v: unknown): boolean {
  return typeof v === 'number' && v >= 0 && v % 1 === 0 && v <= 9007199254740991;
}

/** Reads up to `limit` values (-1: all) from the session's drain cursor of `info`, as JSON texts. */
function drainJson(s: AimxSession, info: RecordInfo, limit: number): string[] {
  const r = s.drainReader(info.id, info.key);
  const parts: string[] = [];
  while (limit < 0 || parts.length < limit) {
    const st = r.tryRecv();
    if (st === RECV_EMPTY || st === RECV_CLOSED) break;
    // A lag moved the cursor to the oldest retained value; keep reading (AimDB does the same).
    if (st === RECV_LAGGED) continue;
    // Serialize at once: a compact ring reuses `r.value` on the next read.
    const json = toJson(r.value);
    parts.push(json === undefined ? 'null' : json);
  }
  return parts;
}

function recordGet(s: AimxSession, id: number, p: any): void {
  if (typeof p.name !== 'string') return s.sendErr(id, 'not_found');
  const rid = s.server.db.findRecord(p.name);
  if (rid < 0) return s.sendErr(id, 'not_found');
  const info = s.recordInfo(p.name) as RecordInfo;
  if (info.bufferType === 'spmc_ring' && s.server.ringGet === 'drain') {
    // AimDB: a ring has no latest; the newest value of the session's drain cursor, consumed.
    const parts = drainJson(s, info, -1);
    return parts.length > 0 ? s.sendOk(id, parts[parts.length - 1]) : s.sendErr(id, 'not_found', 'no_value');
  }
  const v = s.server.db.latest(rid);
  if (v === undefined) return s.sendErr(id, 'not_found', 'no_value');
  const json = toJson(v);
  if (json === undefined) return s.sendErr(id, 'internal', 'unserializable');
  s.sendOk(id, json);
}

function recordSet(s: AimxSession, id: number, p: any): void {
  if (typeof p.name !== 'string' || !own(p, 'value')) return s.sendErr(id, 'internal', 'bad_params');
  const info = s.recordInfo(p.name);
  if (!info) return s.sendErr(id, 'denied', 'not_writable'); // AimDB: writability first, so unknown is denied
  if (!s.server.isWritable(info)) return s.sendErr(id, 'denied', 'not_writable');
  let delivery: string | void;
  try {
    delivery = s.server.db.setById(info.id, p.value);
  } catch (e) {
    // A value the database refuses (not of the record's declared shape) is `denied`, with the reason.
    if (isAimError(e, 'INVALID_ARGUMENT')) return s.sendErr(id, 'denied', 'bad_value: ' + (e as Error).message);
    return s.sendErr(id, isAimError(e, 'NOT_WRITABLE') ? 'denied' : 'internal');
  }
  const now = toJson(s.server.db.latest(info.id));
  s.sendOk(id, '{"status":"success"' + (typeof delivery === 'string' ? ',"delivery":' + JSON.stringify(delivery) : '') + (now !== undefined ? ',"value":' + now : '') + '}');
}

function recordDrain(s: AimxSession, id: number, p: any): void {
  if (typeof p.name !== 'string') return s.sendErr(id, 'internal', 'bad_params');
  const info = s.recordInfo(p.name);
  if (!info || info.bufferType === 'none') return s.sendErr(id, 'not_found');
  if (info.bufferType === 'mailbox' && !s.server.consumeMailboxes) return s.sendErr(id, 'denied', 'mailbox_consumption');
  const parts = drainJson(s, info, isU64(p.limit) ? p.limit : -1);
  s.sendOk(id, '{"record_name":' + JSON.stringify(info.key) + ',"values":[' + parts.join(',') + '],"count":' + parts.length + '}');
}

function recordQuery(s: AimxSession, id: number, p: any): void {
  const handler = s.server.queryHandler;
  // AimDB without a persistence layer: `internal`, before the params are looked at.
  if (!handler) return s.sendErr(id, 'internal', 'no_history_store');
  const q: QueryParams = { name: typeof p.name === 'string' ? p.name : '#' };
  if (isU64(p.limit)) q.limit = p.limit;
  if (isU64(p.start)) q.start = p.start;
  if (isU64(p.end)) q.end = p.end;
  let answered = false;
  handler(q, function (error: string | null, result?: unknown) {
    // One reply per request, whatever the handler does.
    if (answered) return;
    answered = true;
    if (error) return s.sendErr(id, 'internal', String(error));
    const json = toJson(result);
    if (json === undefined) return s.sendErr(id, 'internal', 'unserializable');
    s.sendOk(id, json);
  });
}

/** Dispatches one authenticated request and sends its reply. Unknown methods are `not_found`. */
export function callMethod(s: AimxSession, id: number, method: string, params: unknown): void {
  const p: any = params !== null && typeof params === 'object' ? params : {};
  const db = s.server.db;
  switch (method) {
    case 'record.list':
      return recordList(s, id);
    case 'record.get':
      return recordGet(s, id, p);
    case 'record.set':
      return recordSet(s, id, p);
    case 'record.drain':
      return recordDrain(s, id, p);
    case 'record.query':
      return recordQuery(s, id, p);
    case 'graph.nodes':
      return s.sendOk(id, JSON.stringify(graphNodes(db.graph())));
    case 'graph.edges':
      return s.sendOk(id, JSON.stringify(graphEdges(db.graph())));
    case 'graph.topo_order':
      return s.sendOk(id, JSON.stringify(db.graph().topoOrder));
    case 'buffer_metrics.reset':
      // AimDB: an admin action that needs write permission.
      if (s.server.writableKeys().length === 0) return s.sendErr(id, 'denied', 'read_only');
      db.resetMetrics();
      return s.sendOk(id, '{"reset":true}');
    case 'profiling.reset':
      // AimDB: stage profiling, an admin action that needs write permission; a database without
      // stage counters does not know the method (AimDB built without observability).
      if (!db.resetProfiling) break;
      if (s.server.writableKeys().length === 0) return s.sendErr(id, 'denied', 'read_only');
      db.resetProfiling();
      return s.sendOk(id, '{"reset":true}');
  }
  s.sendErr(id, 'not_found', 'unknown_method');
}
