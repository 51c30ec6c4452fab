/**
 * Key patterns over dot-separated record keys (CONTRACT §7; MQTT topic filters, a different syntax,
 * are core/mqtt/topic.ts): `*` matches exactly one segment, `#` matches zero or more segments,
 * anywhere in the pattern. `/` is an ordinary character. Unlike AimDB (which treats everything after an inner `#` as matched), `a.#.c` requires a last
 * segment `c`.
 */

/** True when `pattern` contains a wildcard, i.e. subscribing means matching against every key. */
export function isKeyPattern(pattern: string): boolean {
  return pattern.indexOf('*') >= 0 || pattern.indexOf('#') >= 0;
}

function matchFrom(p: string[], pi: number, t: string[], ti: number): boolean {
  while (pi < p.length) {
    const seg = p[pi];
    if (seg === '#') {
      // `#` absorbs zero or more segments: try every split point (patterns are short).
      if (pi === p.length - 1) return true;
      for (let k = ti; k <= t.length; k++) if (matchFrom(p, pi + 1, t, k)) return true;
      return false;
    }
    if (ti >= t.length) return false;
    if (seg !== '*' && seg !== t[ti]) return false;
    pi++;
    ti++;
  }
  return ti === t.length;
}

/**
 * True when the record key `key` matches `pattern`.
 *
 * @example
 * keyMatches('sensors.#', 'sensors');            // true  (zero segments)
 * keyMatches('sensors.*.temp', 'sensors.a.temp'); // true
 * keyMatches('sensors.*', 'sensors.a.b');         // false
 */
export function keyMatches(pattern: string, key: string): boolean {
  if (pattern === key || pattern === '#') return true;
  if (!isKeyPattern(pattern)) return false;
  return matchFrom(pattern.split('.'), 0, key.split('.'), 0);
}
