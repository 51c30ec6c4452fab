/**
 * Typed record keys (CONTRACT §1). A key is a small object whose TypeScript type carries the value
 * type; at run time it holds the name, a type tag and an optional link address.
 */
import type { RecordKey } from './api.js';
import { aimError } from './errors.js';
import { DEV, hasOwn } from './dev.js';
import { hasWhitespace } from './links.js';

/** Checks a full key name; returns an error message or `undefined`. */
export function keyNameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return DEV ? 'key must be a non-empty string' : 'key';
  // Wildcards of the AimX and MQTT pattern languages cannot appear in a key name.
  if (hasWhitespace(name) || name.indexOf('*') >= 0 || name.indexOf('#') >= 0 || name.indexOf('+') >= 0) return DEV ? "key '" + name + "' contains whitespace or a wildcard (* # +)" : 'key ' + name;
  if (name.charAt(0) === '.' || name.charAt(name.length - 1) === '.' || name.indexOf('..') >= 0) {
    return DEV ? "key '" + name + "' has an empty dot-separated segment" : 'key ' + name;
  }
  return undefined;
}

/**
 * Defines one typed key.
 *
 * @param name Full key, e.g. `sensor.temp`. Dots separate segments for AimX patterns.
 * @param type Name of the value type. Two keys with the same name and different types cannot both
 *   be configured. Default `''` (untagged).
 * @param link Optional link address declared with the key (e.g. `mqtt://sensors/temp`).
 * @example
 * interface Temperature { celsius: number }
 * const Temp = key<Temperature>('sensor.temp', 'Temperature');
 */
export function key<T>(name: string, type?: string, link?: string): RecordKey<T> {
  const problem = keyNameProblem(name);
  if (problem) throw aimError('INVALID_KEY', problem);
  const k: { name: string; type: string; link?: string } = { name: name, type: type || '' };
  if (link !== undefined) k.link = link;
  return k as RecordKey<T>;
}

/** One variant of a {@link keyTable}. */
export interface KeyVariant {
  /** Key suffix appended to the prefix. Default: the variant's property name. */
  key?: string;
  /** Value type tag. Default: the variant's property name. */
  type?: string;
  /** Link address (e.g. `mqtt://climate/zone-a/reading`). */
  link?: string;
}

/** The typed keys a {@link keyTable} makes: one `RecordKey` per variant. */
export type KeyTable<M> = { readonly [K in keyof M]: RecordKey<M[K]> };

/**
 * Builds an object of typed keys from a prefix and a table of variants (AimDB's `key_prefix`
 * enums). Full keys are `prefix + variant.key`; duplicates are rejected here, at definition time.
 *
 * @example
 * const Climate = keyTable<{ temp: Temperature; hum: Humidity }>('climate.zone-a.', {
 *   temp: { link: 'mqtt://climate/zone-a/temp' },
 *   hum: { key: 'humidity' },
 * });
 * Climate.temp.name; // 'climate.zone-a.temp'
 */
export function keyTable<M>(prefix: string, variants: { [K in keyof M]: KeyVariant }): KeyTable<M> {
  const out: { [name: string]: RecordKey<unknown> } = {};
  const seen: { [full: string]: string } = {};
  for (const prop in variants) {
    if (!hasOwn(variants, prop)) continue;
    const v = (variants as { [p: string]: KeyVariant })[prop] || {};
    const full = prefix + (v.key !== undefined ? v.key : prop);
    if (hasOwn(seen, full)) {
      throw aimError('DUPLICATE_KEY', DEV ? "key table '" + prefix + "': variants '" + seen[full] + "' and '" + prop + "' both define key '" + full + "'" : full);
    }
    seen[full] = prop;
    out[prop] = key<unknown>(full, v.type !== undefined ? v.type : prop, v.link);
  }
  return out as unknown as KeyTable<M>;
}
