/**
 * Link URLs, topic matching and the route objects handed to connectors (CONTRACT §3, §6). URLs are parsed and routes built once, at build; the per-message path only calls the
 * prepared functions.
 */
import type { InboundRoute, LinkMetrics, LinkOptions, LinkUrl, OutboundRoute, Payload } from './api.js';
import type { RuntimeContext } from './runtime/context.js';
import type { Rec } from './record.js';
import { DEV, hasOwn } from './dev.js';

// Device code avoids regular expressions: Espruino implements only a small subset of them.
function schemeOk(scheme: string): boolean {
  for (let i = 0; i < scheme.length; i++) {
    const c = scheme.charAt(i);
    const letter = c >= 'a' && c <= 'z';
    if (!letter && (i === 0 || !((c >= '0' && c <= '9') || c === '+' || c === '.' || c === '-'))) return false;
  }
  return scheme.length > 0;
}

/** True when `text` holds a space, tab, CR, LF, VT or FF (what `\s` means for ASCII keys and URLs). */
export function hasWhitespace(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (' \t\r\n\v\f'.indexOf(text.charAt(i)) >= 0) return true;
  return false;
}

/**
 * Parses `scheme://address?k=v&…`. Returns the parsed URL or an error message.
 *
 * @example parseLinkUrl('mqtt://sensors/temp?qos=1') // { scheme: 'mqtt', address: 'sensors/temp', query: { qos: '1' } }
 */
export function parseLinkUrl(url: string): LinkUrl | string {
  if (typeof url !== 'string' || url.length === 0) return DEV ? 'link URL must be a non-empty string' : 'url';
  const sep = url.indexOf('://');
  if (sep <= 0) return DEV ? "link URL '" + url + "' has no scheme (expected scheme://address)" : 'url';
  const scheme = url.substring(0, sep).toLowerCase();
  if (!schemeOk(scheme)) return DEV ? "link URL '" + url + "' has an invalid scheme" : 'url';
  let rest = url.substring(sep + 3);
  const query: { [name: string]: string } = {};
  const q = rest.indexOf('?');
  if (q >= 0) {
    const parts = rest.substring(q + 1).split('&');
    rest = rest.substring(0, q);
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === '') continue;
      const eq = parts[i].indexOf('=');
      const name = eq >= 0 ? parts[i].substring(0, eq) : parts[i];
      if (name === '') return DEV ? "link URL '" + url + "' has a query parameter without a name" : 'url';
      query[name] = eq >= 0 ? decodeURIComponent(parts[i].substring(eq + 1)) : 'true';
    }
  }
  if (rest.length === 0) return DEV ? "link URL '" + url + "' has an empty address" : 'url';
  if (hasWhitespace(rest)) return DEV ? "link URL '" + url + "' contains whitespace" : 'url';
  return { url: url, scheme: scheme, address: rest, query: query };
}

/** Zeroed link counters. */
export function newLinkMetrics(): LinkMetrics {
  return { sent: 0, received: 0, decodeErrors: 0, encodeErrors: 0, dropped: 0, queued: 0, gaps: 0 };
}

/** Zeroes link counters in place (`queued` is a level, not a counter, and is kept). */
export function resetLinkMetrics(m: LinkMetrics): void {
  m.sent = 0;
  m.received = 0;
  m.decodeErrors = 0;
  m.encodeErrors = 0;
  m.dropped = 0;
  m.gaps = 0;
}

/** A serializer as given to `withSerializer`. */
export type Serializer<T> = (ctx: RuntimeContext, value: T) => Payload;
/** A deserializer as given to `withDeserializer`; return `undefined` (or throw) to reject. */
export type Deserializer<T> = (ctx: RuntimeContext, payload: Payload, topic?: string) => T | undefined;

/** Makes the inbound route of a `linkFrom`. */
export function makeInboundRoute(rec: Rec, link: LinkUrl, options: LinkOptions, deser: Deserializer<any>, ctx: RuntimeContext): InboundRoute {
  const metrics = newLinkMetrics();
  return {
    key: rec.key,
    link: link,
    bufferKind: rec._kind as InboundRoute['bufferKind'],
    options: options,
    metrics: metrics,
    deliver: function (payload: Payload, topic?: string): boolean {
      metrics.received++;
      let v: any;
      try {
        v = deser(ctx, payload, topic);
      } catch (e) {
        metrics.decodeErrors++;
        ctx.log.warn('dropped a payload from ' + link.url + ': ' + String(e));
        return false;
      }
      if (v === undefined) {
        metrics.decodeErrors++;
        ctx.log.warn('dropped a payload from ' + link.url + ': deserializer returned nothing');
        return false;
      }
      // The record refuses what its buffer cannot hold (see produceInto): a decode error too.
      if (rec.produce(v)) return true;
      metrics.decodeErrors++;
      ctx.log.warn('dropped a payload from ' + link.url + ': the record refused the value');
      return false;
    },
  };
}

/** Makes the outbound route of a `linkTo`; the database drives it from a reader. */
export function makeOutboundRoute(rec: Rec, link: LinkUrl, options: LinkOptions): OutboundRoute {
  return {
    key: rec.key,
    link: link,
    bufferKind: rec._kind as OutboundRoute['bufferKind'],
    options: options,
    metrics: newLinkMetrics(),
    send: null,
  };
}

/** Link options from explicit options, falling back to the URL's query (`qos`, `retain`, `queue`). */
export function mergeLinkOptions(explicit: LinkOptions, link: LinkUrl): LinkOptions {
  const out: LinkOptions = {};
  const q = link.query;
  for (const k in q) {
    if (!hasOwn(q, k)) continue;
    const s = q[k];
    out[k] = k === 'qos' || k === 'queue' ? +s : k === 'retain' ? s === 'true' || s === '1' : s;
  }
  for (const k in explicit) if (hasOwn(explicit, k)) out[k] = explicit[k];
  return out;
}
