/**
 * AimX v3 protocol constants (CONTRACT §7), shared by the server session and the client.
 * Wire-compatible with AimDB's `aimdb-core::session::aimx` codec: one JSON object per frame,
 * discriminated by `"t"`.
 */

/** Protocol version this implementation speaks. */
export const AIMX_VERSION = '3.0';

/** Error codes a `reply` may carry in `err` (the complete AimX v3 set). */
export type AimxErrorCode = 'not_found' | 'denied' | 'internal' | 'version_mismatch';

/**
 * Why a frame was refused before dispatch (counted in `SessionStats.badFrames`; AimDB answers none
 * of them, and neither do we unless the server's `details` option is on):
 * - `bad_json`: not one JSON object;
 * - `bad_frame`: a known `t` with missing or mistyped fields;
 * - `unknown_type`: a `t` this side does not accept;
 * - `oversize`: larger than the transport's frame limit (the frame was discarded unread).
 */
export type FrameError = 'bad_json' | 'bad_frame' | 'unknown_type' | 'oversize';

/**
 * True when a peer's `"MAJOR.MINOR"` version has the same major as {@link AIMX_VERSION}, compared
 * as text the way AimDB compares it (`"3"` and `"3.7"` match, `"03.1"` does not). A missing or
 * empty major is incompatible (fail closed).
 *
 * @example
 * versionCompatible('3.7'); // true
 * versionCompatible('2.0'); // false
 * versionCompatible('');    // false
 */
export function versionCompatible(version: unknown): boolean {
  if (typeof version !== 'string') return false;
  const dot = version.indexOf('.');
  const major = dot < 0 ? version : version.substring(0, dot);
  return major.length > 0 && major === AIMX_VERSION.substring(0, AIMX_VERSION.indexOf('.'));
}

/** `Object.prototype.hasOwnProperty` through an instance (Espruino, ENGINES.md §1). */
const hasOwn = {}.hasOwnProperty;

/** True when `obj` has its own property `name` (safe for maps keyed by user strings). */
export function own(obj: object, name: string): boolean {
  return hasOwn.call(obj, name);
}

/**
 * Serializes a value for the wire. `undefined` becomes `null`; a value JSON cannot represent
 * (a cycle, a BigInt) returns `undefined` so the caller can count it instead of throwing.
 */
export function toJson(value: unknown): string | undefined {
  if (value === undefined) return 'null';
  try {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  } catch (e) {
    return undefined;
  }
}

