/**
 * Build-time validation (CONTRACT §4): the one place configuration mistakes surface. Collects every
 * problem; `build()` throws them together as one `InvalidConfiguration`.
 */
import { BUFFER_SPMC_RING, Connector, LinkUrl } from './api.js';
import type { RecordConfig } from './config.js';
import type { ConfigProblem } from './errors.js';
import { parseLinkUrl } from './links.js';
import { hasWildcard } from './mqtt/topic.js';
import { NUMBER_KINDS } from './record.js';
import type { RuntimeAdapter } from './runtime/adapter.js';
import { DEV, hasOwn } from './dev.js';

/** What validation returns besides problems: parsed links and connectors per link, for the build. */
export interface ValidatedLinks {
  /** `parsed[recordIndex].out[i]` / `.in[i]`: parsed URL and its connector, when valid. */
  parsed: Array<{ out: Array<{ link: LinkUrl; connector: Connector } | null>; in: Array<{ link: LinkUrl; connector: Connector } | null> }>;
}

function isInt(n: unknown): boolean {
  return typeof n === 'number' && isFinite(n) && Math.floor(n) === n;
}

/** Finds the connector serving a scheme. */
export function connectorFor(connectors: Connector[], scheme: string): Connector | undefined {
  for (let i = 0; i < connectors.length; i++) if (connectors[i].schemes.indexOf(scheme) >= 0) return connectors[i];
  return undefined;
}

/**
 * Validates the whole configuration. Returns the problems (empty when valid) and the parsed links.
 */
export function validate(records: RecordConfig[], connectors: Connector[], adapter: RuntimeAdapter | undefined, out: ConfigProblem[]): ValidatedLinks {
  const byName: { [name: string]: RecordConfig } = {};
  for (let i = 0; i < records.length; i++) byName[records[i].name] = records[i];
  if (!adapter) out.push({ key: '', message: DEV ? 'no runtime adapter: call builder(adapter) or .runtime(adapter)' : 'adapter' });
  const parsed: ValidatedLinks['parsed'] = [];

  for (let r = 0; r < records.length; r++) {
    const rec = records[r];
    const key = rec.name;
    for (let p = 0; p < rec.problems.length; p++) out.push(rec.problems[p]);
    const buf = rec.buffer;

    // Ownership: one authoritative producer kind per key.
    const writers: string[] = [];
    if (rec.sources.length > 0) writers.push('source');
    if (rec.transforms.length > 0) writers.push(rec.transforms[0].kind);
    if (rec.linksIn.length > 0) writers.push('linkFrom');
    if (writers.length > 1) {
      out.push({ key: key, message: DEV ? 'more than one kind of writer (' + writers.join(', ') + '): every key has exactly one authoritative producer' : 'writers' });
    }
    if (rec.sources.length > 1) out.push({ key: key, message: DEV ? rec.sources.length + ' sources configured; at most one is allowed' : 'sources' });
    if (rec.transforms.length > 1) out.push({ key: key, message: DEV ? rec.transforms.length + ' transforms configured; at most one transform or transformJoin is allowed' : 'transforms' });
    if (rec.bufferCalls > 1) out.push({ key: key, message: DEV ? 'buffer configured ' + rec.bufferCalls + ' times; a record has exactly one buffer' : 'buffers' });

    // Buffer.
    if (buf) {
      if (!isInt(buf.capacity) || buf.capacity < 1) out.push({ key: key, message: DEV ? 'buffer capacity must be an integer >= 1 (got ' + String(buf.capacity) + ')' : 'capacity' });
      if (buf.layout) {
        if (buf.kind !== BUFFER_SPMC_RING) out.push({ key: key, message: DEV ? 'a numeric layout is only supported on ring buffers' : 'layout' });
        let fields = 0;
        for (const f in buf.layout) {
          if (!hasOwn(buf.layout, f)) continue;
          fields++;
          if (NUMBER_KINDS.indexOf(buf.layout[f]) < 0) out.push({ key: key, message: DEV ? "layout field '" + f + "' has unknown number kind '" + String(buf.layout[f]) + "'" : 'layout' });
        }
        if (fields === 0) out.push({ key: key, message: DEV ? 'numeric layout has no fields' : 'layout' });
      }
    } else {
      const needs: string[] = [];
      if (rec.linksOut.length + rec.linksIn.length > 0) needs.push('linked');
      if (rec.taps.length > 0) needs.push('tapped');
      if (rec.transforms.length > 0) needs.push('transformed');
      if (rec.remote) needs.push('remotely accessible');
      if (isInputOfAny(records, key)) needs.push('read by a transform');
      if (needs.length > 0) out.push({ key: key, message: DEV ? 'no buffer, but the record is ' + needs.join(', ') + ': configure ring(n), singleLatest() or mailbox()' : 'no buffer' });
    }

    // Transforms and joins.
    for (let t = 0; t < rec.transforms.length; t++) {
      const spec = rec.transforms[t];
      if (spec.kind === 'transform' && !spec.map) out.push({ key: key, message: DEV ? 'transform has no map/onValue function' : 'map' });
      if (spec.kind === 'transformJoin') {
        if (spec.inputs.length === 0) out.push({ key: key, message: DEV ? 'transformJoin has no inputs' : 'join' });
        if (!spec.onTriggers && !spec.onTriggersAsync) out.push({ key: key, message: DEV ? 'transformJoin has no onTriggers handler' : 'join' });
        if (spec.queue !== undefined && (!isInt(spec.queue) || spec.queue < 1)) out.push({ key: key, message: DEV ? 'transformJoin queue capacity must be an integer >= 1' : 'join queue' });
      }
      for (let i = 0; i < spec.inputs.length; i++) {
        const input = byName[spec.inputs[i]];
        if (!input) out.push({ key: key, url: spec.inputs[i], message: DEV ? "transform input '" + spec.inputs[i] + "' is not a configured record" : 'input' });
        else if (input.type !== spec.inputTypes[i]) out.push({ key: key, url: spec.inputs[i], message: DEV ? "transform input '" + spec.inputs[i] + "' has type '" + input.type + "', the key used here has type '" + spec.inputTypes[i] + "'" : 'input type' });
      }
    }

    // Links.
    const po: Array<{ link: LinkUrl; connector: Connector } | null> = [];
    const pi: Array<{ link: LinkUrl; connector: Connector } | null> = [];
    checkLinks(rec, 'out', connectors, out, po);
    checkLinks(rec, 'in', connectors, out, pi);
    parsed.push({ out: po, in: pi });
  }

  const cycle = findTransformCycle(records, byName);
  if (cycle) out.push({ key: cycle[0], message: DEV ? 'transforms form a cycle: ' + cycle.join(' -> ') : 'cycle' });
  return { parsed: parsed };
}

function isInputOfAny(records: RecordConfig[], name: string): boolean {
  for (let r = 0; r < records.length; r++) {
    const ts = records[r].transforms;
    for (let t = 0; t < ts.length; t++) if (ts[t].inputs.indexOf(name) >= 0) return true;
  }
  return false;
}

function checkLinks(rec: RecordConfig, dir: 'out' | 'in', connectors: Connector[], out: ConfigProblem[], parsedOut: Array<{ link: LinkUrl; connector: Connector } | null>): void {
  const links = dir === 'out' ? rec.linksOut : rec.linksIn;
  for (let i = 0; i < links.length; i++) {
    const l = links[i];
    parsedOut.push(null);
    const parsed = parseLinkUrl(l.url);
    if (typeof parsed === 'string') {
      out.push({ key: rec.name, url: String(l.url), message: DEV ? 'invalid link URL: ' + parsed : 'url' });
      continue;
    }
    if (!l.finished) out.push({ key: rec.name, url: l.url, message: DEV ? 'link not finished: call finish()' : 'finish' });
    if (dir === 'out' && !(l as { serializer?: unknown }).serializer) out.push({ key: rec.name, url: l.url, message: DEV ? 'linkTo without a serializer: call withSerializer()' : 'serializer' });
    if (dir === 'in' && !(l as { deserializer?: unknown }).deserializer) out.push({ key: rec.name, url: l.url, message: DEV ? 'linkFrom without a deserializer: call withDeserializer()' : 'deserializer' });
    if (dir === 'out' && hasWildcard(parsed.address) && (parsed.scheme === 'mqtt' || parsed.scheme === 'mqtts')) {
      out.push({ key: rec.name, url: l.url, message: DEV ? 'an outbound MQTT topic cannot contain wildcards (+ or #)' : 'wildcard' });
    }
    const c = connectorFor(connectors, parsed.scheme);
    if (!c) {
      out.push({ key: rec.name, url: l.url, message: DEV ? "no connector registered for scheme '" + parsed.scheme + "'" : 'scheme' });
      continue;
    }
    const msg = c.validate ? c.validate(parsed, dir) : undefined;
    if (msg) {
      out.push({ key: rec.name, url: l.url, message: msg });
      continue;
    }
    parsedOut[i] = { link: parsed, connector: c };
  }
}

/** Returns the keys of one cycle among transform edges (input -> output), or null. */
function findTransformCycle(records: RecordConfig[], byName: { [name: string]: RecordConfig }): string[] | null {
  // Colours: 0 white, 1 on the stack, 2 done. Depth-first over "record <- its inputs".
  const colour: { [name: string]: number } = {};
  const stack: string[] = [];
  function visit(name: string): string[] | null {
    colour[name] = 1;
    stack.push(name);
    const rec = byName[name];
    const ts = rec ? rec.transforms : [];
    for (let t = 0; t < ts.length; t++) {
      for (let i = 0; i < ts[t].inputs.length; i++) {
        const input = ts[t].inputs[i];
        if (!byName[input]) continue;
        if (colour[input] === 1) {
          const from = stack.indexOf(input);
          return stack.slice(from).concat([input]);
        }
        if (!colour[input]) {
          const c = visit(input);
          if (c) return c;
        }
      }
    }
    stack.pop();
    colour[name] = 2;
    return null;
  }
  for (let r = 0; r < records.length; r++) {
    if (!colour[records[r].name]) {
      const c = visit(records[r].name);
      if (c) return c.reverse();
    }
  }
  return null;
}
