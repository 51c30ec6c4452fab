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
 * Why a topic filter is invalid, or `undefined` when it is fine: non-empty, `#` only as the whole
 * last level, `+` only as a whole level, no NUL (§4.7.1, §4.7.3).
 */
export function filterError(filter: string): string | undefined {
  if (filter.length === 0) return 'empty topic filter';
  for (let i = 0; i < filter.length; i++) {
    const c = filter.charAt(i);
    if (c === '\u0000') return 'NUL in topic filter';
    if (c === '#' || c === '+') {
      if (i > 0 && filter.charAt(i - 1) !== '/') return "'" + c + "' must occupy a whole level";
      if (c === '#' && i !== filter.length - 1) return "'#' must be the last level";
      if (c === '+' && i + 1 < filter.length && filter.charAt(i + 1) !== '/') return "'+' must occupy a whole level";
    }
  }
  return undefined;
}

/** Why a topic name (for PUBLISH) is invalid, or `undefined`: non-empty, no wildcard, no NUL. */
export function topicError(topic: string): string | undefined {
  if (topic.length === 0) return 'empty topic';
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charAt(i);
    if (c === '+' || c === '#') return 'wildcard in topic name';
    if (c === '\u0000') return 'NUL in topic name';
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
