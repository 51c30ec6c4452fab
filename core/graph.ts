/**
 * The dataflow graph (CONTRACT §5): nodes, edges and a topological order, computed from the
 * configuration once at build. The running counters are read from records, not from here.
 */
import type { Graph, GraphEdge, GraphNode, Origin } from './api.js';
import { bufferTypeName } from './buffers.js';
import type { RecordConfig } from './config.js';
import { parseLinkUrl } from './links.js';

/** The origin of a record: which kind of stage writes it. */
export function originOf(rec: RecordConfig): Origin {
  if (rec.sources.length > 0) return 'source';
  if (rec.transforms.length > 0) return rec.transforms[0].kind;
  if (rec.linksIn.length > 0) return 'link';
  return 'passive';
}

function endpoint(url: string): { protocol: string; address: string } {
  const p = parseLinkUrl(url);
  return typeof p === 'string' ? { protocol: '?', address: url } : { protocol: p.scheme, address: p.address };
}

/** Builds the graph of a (valid) configuration. */
export function buildGraph(records: RecordConfig[]): Graph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (let r = 0; r < records.length; r++) {
    const rec = records[r];
    const inbound: GraphNode['inbound'] = [];
    const outbound: GraphNode['outbound'] = [];
    for (let i = 0; i < rec.linksIn.length; i++) {
      const e = endpoint(rec.linksIn[i].url);
      inbound.push(e);
      edges.push({ from: e.protocol + '://' + e.address, to: rec.name, kind: 'link', protocol: e.protocol });
    }
    for (let i = 0; i < rec.linksOut.length; i++) {
      const e = endpoint(rec.linksOut[i].url);
      outbound.push(e);
      edges.push({ from: rec.name, to: e.protocol + '://' + e.address, kind: 'linkOut', protocol: e.protocol });
    }
    if (rec.sources.length > 0) edges.push({ from: 'source:' + rec.name, to: rec.name, kind: 'source' });
    for (let t = 0; t < rec.transforms.length; t++) {
      const spec = rec.transforms[t];
      for (let i = 0; i < spec.inputs.length; i++) edges.push({ from: spec.inputs[i], to: rec.name, kind: spec.kind });
    }
    for (let t = 0; t < rec.taps.length; t++) edges.push({ from: rec.name, to: 'tap:' + rec.name + '#' + t, kind: 'tap' });
    nodes.push({
      key: rec.name,
      origin: originOf(rec),
      inbound: inbound,
      bufferType: bufferTypeName(rec.buffer ? rec.buffer.kind : 0),
      bufferCapacity: rec.buffer ? rec.buffer.capacity : 0,
      tapCount: rec.taps.length,
      outbound: outbound,
    });
  }
  return { nodes: nodes, edges: edges, topoOrder: topoOrder(records) };
}

/** Kahn's algorithm over transform edges; ties keep declaration order. */
export function topoOrder(records: RecordConfig[]): string[] {
  const indeg: { [name: string]: number } = {};
  const outs: { [name: string]: string[] } = {};
  for (let r = 0; r < records.length; r++) {
    indeg[records[r].name] = 0;
    outs[records[r].name] = [];
  }
  for (let r = 0; r < records.length; r++) {
    const ts = records[r].transforms;
    for (let t = 0; t < ts.length; t++) {
      for (let i = 0; i < ts[t].inputs.length; i++) {
        const input = ts[t].inputs[i];
        if (!outs[input]) continue;
        outs[input].push(records[r].name);
        indeg[records[r].name]++;
      }
    }
  }
  const order: string[] = [];
  const done: { [name: string]: boolean } = {};
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (let r = 0; r < records.length; r++) {
      const name = records[r].name;
      if (done[name] || indeg[name] > 0) continue;
      done[name] = true;
      order.push(name);
      progressed = true;
      const o = outs[name];
      for (let i = 0; i < o.length; i++) indeg[o[i]]--;
    }
  }
  return order;
}
