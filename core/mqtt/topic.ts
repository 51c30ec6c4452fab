/**
 * MQTT topic names and filters (MQTT 3.1.1 §4.7): validation at create time, and a matcher for the
 * per-message path that walks both strings once and allocates nothing.
 *
 * @example
 * topicMatches('climate/+/temp', 'climate/zone-a/temp'); // true
 * topicMatches('climate/#', 'climate');                  // true (§4.7.1.2: '#' matches the parent)
 * topicMatches('#', '$SYS/uptime');                      // false (§4.7.2)
 */

/**
 * Why `s` cannot be an MQTT UTF-8 string (§1.5.3), or `undefined`: every UTF-16 surrogate paired
 * (a lone one has no UTF-8 encoding), no U+0000, at most 65,535 bytes once encoded. `what` names the
 * field in the message.
 */
export function utf8FieldError(s: string, what: string): string | undefined {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return 'NUL in ' + what;
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) return 'lone surrogate in ' + what;
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes > 65535 ? what + ' longer than 65535 bytes' : undefined;
}

/**
 * Why a topic filter is invalid, or `undefined` when it is fine: non-empty, `#` only as the whole
 * last level, `+` only as a whole level, a valid UTF-8 string (§4.7.1, §4.7.3, §1.5.3).
 */
export function filterError(filter: string): string | undefined {
  if (typeof filter !== 'string' || filter.length === 0) return 'empty topic filter';
  for (let i = 0; i < filter.length; i++) {
    const c = filter.charAt(i);
    if (c === '#' || c === '+') {
      if (i > 0 && filter.charAt(i - 1) !== '/') return "'" + c + "' must occupy a whole level";
      if (c === '#' && i !== filter.length - 1) return "'#' must be the last level";
      if (c === '+' && i + 1 < filter.length && filter.charAt(i + 1) !== '/') return "'+' must occupy a whole level";
    }
  }
  return utf8FieldError(filter, 'topic filter');
}

/** Why a topic name (for PUBLISH) is invalid, or `undefined`: non-empty, no wildcard, valid UTF-8 string. */
export function topicError(topic: string): string | undefined {
  if (typeof topic !== 'string' || topic.length === 0) return 'empty topic';
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charAt(i);
    if (c === '+' || c === '#') return 'wildcard in topic name';
  }
  return utf8FieldError(topic, 'topic name');
}

/**
 * Why pre-encoded topic bytes are unusable, or `undefined`: 1–65,535 bytes, no NUL, no wildcard.
 * (The bytes are taken to be UTF-8, as {@link topicBytes} in policy.ts makes them from a checked topic.)
 */
export function topicBytesError(topic: ArrayLike<number>): string | undefined {
  const n = topic.length;
  if (n === 0 || n > 65535) return 'topic name of ' + n + ' bytes';
  for (let i = 0; i < n; i++) {
    const b = topic[i];
    if (b === 0 || b === 35 || b === 43) return 'NUL or wildcard in topic name';
  }
  return undefined;
}

/** True when `filter` contains `+` or `#`. */
export function hasWildcard(filter: string): boolean {
  return filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0;
}

/**
 * True when the topic name `topic` matches the (valid) filter `filter`. Topics starting with `$`
 * are not matched by a filter starting with a wildcard (§4.7.2).
 */
export function topicMatches(filter: string, topic: string): boolean {
  const fl = filter.length;
  const tl = topic.length;
  if (tl > 0 && topic.charCodeAt(0) === 36 && fl > 0) {
    const f0 = filter.charCodeAt(0);
    if (f0 === 35 || f0 === 43) return false;
  }
  let fi = 0;
  let ti = 0;
  for (;;) {
    // Here fi and ti are at the start of a level.
    if (fi < fl && filter.charCodeAt(fi) === 35) return true; // '#': every remaining level
    if (fi < fl && filter.charCodeAt(fi) === 43) {
      fi++; // '+': exactly one level, possibly empty
      while (ti < tl && topic.charCodeAt(ti) !== 47) ti++;
    } else {
      while (fi < fl && filter.charCodeAt(fi) !== 47) {
        if (ti >= tl || topic.charCodeAt(ti) !== filter.charCodeAt(fi)) return false;
        fi++;
        ti++;
      }
      if (ti < tl && topic.charCodeAt(ti) !== 47) return false;
    }
    if (fi === fl) return ti === tl;
    // The filter goes on; a topic that ended matches only a trailing '/#' (§4.7.1.2, 'a/#' matches 'a').
    if (ti === tl) return fi + 2 === fl && filter.charCodeAt(fi + 1) === 35;
    fi++;
    ti++;
  }
}
