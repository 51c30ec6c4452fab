/**
 * AimX v3 frame encoding and parsing. Encoders build the JSON text directly so a record value is
 * serialized once and spliced in; fields follow AimDB's wire order
 * (`t, id, seq, last, method, topic, sub, params, payload, data, ok, err`), so every frame is
 * byte-identical to the one AimDB's codec writes for the same content.
 *
 * | t | fields |
 * |---|---|
 * | `req` | `id`, `method`, `params` |
 * | `reply` | `id`, and `ok` or `err` (plus an optional `msg`) |
 * | `sub` | `id`, `topic` |
 * | `subscribed` | `sub` |
 * | `snap` | `seq`, `last?`, `topic`, `sub`, `data` |
 * | `event` | `seq`, `topic?`, `sub`, `data` |
 * | `unsub` | `sub` |
 * | `write` | `topic`, `payload` |
 * | `ping`, `pong` | — |
 */
import { AimxErrorCode, FrameError } from './protocol.js';

/** A parsed frame: `t` plus whichever fields its type carries. */
export interface AimxFrame {
  t: string;
  id?: number;
  seq?: number;
  method?: string;
  topic?: string;
  sub?: string;
  params?: unknown;
  payload?: unknown;
  data?: unknown;
  ok?: unknown;
  err?: string;
  msg?: string;
  last?: boolean;
}

/** Result of {@link parseFrame}: a frame, or an error with the frame's `id` when it had one. */
export interface ParseResult {
  frame: AimxFrame | null;
  error: FrameError | '';
  /** The `id` of a rejected frame when readable, else 0. */
  id: number;
}

function isId(v: unknown): boolean {
  return typeof v === 'number' && v >= 0 && v % 1 === 0 && v <= 9007199254740991;
}

function isStr(v: unknown): boolean {
  return typeof v === 'string';
}

function isOptStr(v: unknown): boolean {
  return v === undefined || typeof v === 'string';
}

/**
 * Checks the fields of a frame whose `t` is known; returns false when malformed. As AimDB's codec
 * (one flat frame shape): a field present with the wrong type is malformed whatever the `t`, and
 * each `t` needs its own fields. An empty `topic` is well-formed (a `sub` to it is `not_found`).
 */
function validFields(f: AimxFrame): boolean {
  if ((f.id !== undefined && !isId(f.id)) || (f.seq !== undefined && !isId(f.seq))) return false;
  if (!isOptStr(f.method) || !isOptStr(f.topic) || !isOptStr(f.sub) || !isOptStr(f.err)) return false;
  if (f.last !== undefined && typeof f.last !== 'boolean') return false;
  switch (f.t) {
    case 'req':
      return isId(f.id) && isStr(f.method);
    case 'reply':
      return isId(f.id) && (f.ok !== undefined || isStr(f.err));
    case 'sub':
      return isId(f.id) && isStr(f.topic);
    case 'subscribed':
    case 'unsub':
      return isStr(f.sub);
    case 'snap':
      return isStr(f.sub) && isStr(f.topic);
    case 'event':
      return isStr(f.sub) && isId(f.seq);
    case 'write':
      return isStr(f.topic);
    case 'ping':
    case 'pong':
      return true;
  }
  return false;
}

const KNOWN_TYPES = ' req reply sub subscribed snap event unsub write ping pong ';

/**
 * Parses one frame's text. Never throws: malformed input comes back as an error.
 *
 * @example
 * parseFrame('{"t":"ping"}');        // { frame: { t: 'ping' }, error: '', id: 0 }
 * parseFrame('{"t":"req","id":4}');  // { frame: null, error: 'bad_frame', id: 4 }
 * parseFrame('nope');                // { frame: null, error: 'bad_json', id: 0 }
 */
export function parseFrame(text: string): ParseResult {
  let f: any;
  try {
    f = JSON.parse(text);
  } catch (e) {
    return { frame: null, error: 'bad_json', id: 0 };
  }
  if (f === null || typeof f !== 'object' || f instanceof Array) return { frame: null, error: 'bad_json', id: 0 };
  const id = isId(f.id) ? (f.id as number) : 0;
  if (typeof f.t !== 'string') return { frame: null, error: 'bad_frame', id: id };
  if (KNOWN_TYPES.indexOf(' ' + f.t + ' ') < 0) return { frame: null, error: 'unknown_type', id: id };
  if (!validFields(f)) return { frame: null, error: 'bad_frame', id: id };
  return { frame: f as AimxFrame, error: '', id: id };
}

const q = JSON.stringify;

/** `{"t":"req","id":…,"method":…,"params":…}`; `paramsJson` is JSON text (default `null`). */
export function encodeReq(id: number, method: string, paramsJson?: string): string {
  return '{"t":"req","id":' + id + ',"method":' + q(method) + ',"params":' + (paramsJson || 'null') + '}';
}

/** `{"t":"reply","id":…,"ok":…}`; `okJson` is JSON text. */
export function encodeReplyOk(id: number, okJson: string): string {
  return '{"t":"reply","id":' + id + ',"ok":' + okJson + '}';
}

/**
 * `{"t":"reply","id":…,"err":…}` (AimDB's bytes), with a trailing `msg` only when given: the server
 * adds one only with its `details` option on.
 */
export function encodeReplyErr(id: number, err: AimxErrorCode, msg?: string): string {
  return '{"t":"reply","id":' + id + ',"err":' + q(err) + (msg ? ',"msg":' + q(msg) : '') + '}';
}

/** `{"t":"sub","id":…,"topic":…}`. */
export function encodeSub(id: number, topic: string): string {
  return '{"t":"sub","id":' + id + ',"topic":' + q(topic) + '}';
}

/** `{"t":"subscribed","sub":…}`. */
export function encodeSubscribed(sub: string): string {
  return '{"t":"subscribed","sub":' + q(sub) + '}';
}

/** `{"t":"snap","seq":…,"last":true,"topic":…,"sub":…,"data":…}`; `last` only on a burst's final snapshot. */
export function encodeSnap(sub: string, seq: number, topic: string, dataJson: string, last: boolean): string {
  return '{"t":"snap","seq":' + seq + (last ? ',"last":true' : '') + ',"topic":' + q(topic) + ',"sub":' + q(sub) + ',"data":' + dataJson + '}';
}

/** `{"t":"event","seq":…,"topic":…,"sub":…,"data":…}`; `topic` only when given (wildcards). */
export function encodeEvent(sub: string, seq: number, topic: string | null, dataJson: string): string {
  return '{"t":"event","seq":' + seq + (topic !== null ? ',"topic":' + q(topic) : '') + ',"sub":' + q(sub) + ',"data":' + dataJson + '}';
}

/** `{"t":"unsub","sub":…}`. */
export function encodeUnsub(sub: string): string {
  return '{"t":"unsub","sub":' + q(sub) + '}';
}

/** `{"t":"write","topic":…,"payload":…}`; `payloadJson` is JSON text (AimDB sends `{"value":v}`). */
export function encodeWrite(topic: string, payloadJson: string): string {
  return '{"t":"write","topic":' + q(topic) + ',"payload":' + payloadJson + '}';
}

/** `{"t":"ping"}`. */
export const PING_FRAME = '{"t":"ping"}';
/** `{"t":"pong"}`. */
export const PONG_FRAME = '{"t":"pong"}';
