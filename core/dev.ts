/**
 * Development checks. Board builds define `__DEV__` as `false` (terser `global_defs`), so every
 * `if (DEV)` branch and its long messages are removed from device bundles. On Node it is `true`
 * unless the host defines `__DEV__` itself.
 */
declare const __DEV__: boolean | undefined;

/** `true` in development builds and on Node; `false` in minified board bundles. */
export const DEV: boolean = typeof __DEV__ === 'undefined' ? true : !!__DEV__;

// Espruino does not reach built-in prototypes through their constructors (ENGINES.md §1):
// `Object.prototype.hasOwnProperty` is undefined there, `({}).hasOwnProperty` works.
const HAS_OWN = {}.hasOwnProperty;

/** True when `o` has its own property `k` (safe on every engine). */
export function hasOwn(o: object, k: string): boolean {
  return HAS_OWN.call(o, k);
}
