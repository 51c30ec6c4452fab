/**
 * The dataflow graph (CONTRACT §5): nodes, edges and a topological order. Computed on request from
 * the run-time records and their routes, so a running database keeps no copy of it (most devices
 * never ask for it).
 */
import type { Graph, GraphEdge, GraphNode, InboundRoute, Origin, OutboundRoute } from './api.js';
import { bufferTypeName } from './buffers.js';
import type { RecordConfig } from './config.js';
import type { Rec } from './record.js';

/** The origin of a record: which kind of stage writes it. */
export function originOf(rec: RecordConfig): Origin {
  if (rec.sources.length > 0) return 'source';
  if (rec.transforms.length > 0) return rec.transforms[0].kind;
  if (rec.linksIn.length > 0) return 'link';
  return 'passive';
}

/** Builds the graph of a built database's records. */
export function buildGraph(recs: Rec[], outRoutes: OutboundRoute[][], inRoutes: InboundRoute[][]): Graph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (let r = 0; r < recs.length; r++) {
    const rec = recs[r];
    const name = rec.key;
    const inbound: GraphNode['inbound'] = [];
    const outbound: GraphNode['outbound'] = [];
    for (let i = 0; i < inRoutes[r].length; i++) {
      const l = inRoutes[r][i].link;
      inbound.push({ protocol: l.scheme, address: l.address });
      edges.push({ from: l.scheme + '://' + l.address, to: name, kind: 'link', protocol: l.scheme });
    }
    for (let i = 0; i < outRoutes[r].length; i++) {
      const l = outRoutes[r][i].link;
      outbound.push({ protocol: l.scheme, address: l.address });
      edges.push({ from: name, to: l.scheme + '://' + l.address, kind: 'linkOut', protocol: l.scheme });
    }
    if (rec._meta.origin === 'source') edges.push({ from: 'source:' + name, to: name, kind: 'source' });
    const inputs = rec._meta.inputs;
    if (inputs !== null) for (let i = 0; i < inputs.length; i++) edges.push({ from: inputs[i], to: name, kind: rec._meta.origin as 'transform' });
    for (let t = 0; t < rec._meta.taps; t++) edges.push({ from: name, to: 'tap:' + name + '#' + t, kind: 'tap' });
    nodes.push({
      key: name,
      origin: rec._meta.origin,
      inbound: inbound,
      bufferType: bufferTypeName(rec._kind),
      bufferCapacity: rec._cap,
      tapCount: rec._meta.taps,
      outbound: outbound,
    });
  }
  return { nodes: nodes, edges: edges, topoOrder: topoOrder(recs) };
}

/** Kahn's algorithm over transform edges; ties keep declaration order. */
export function topoOrder(recs: Rec[]): string[] {
  const indeg: { [name: string]: number } = {};
  const outs: { [name: string]: string[] } = {};
  for (let r = 0; r < recs.length; r++) {
    indeg[recs[r].key] = 0;
    outs[recs[r].key] = [];
  }
  for (let r = 0; r < recs.length; r++) {
    const inputs = recs[r]._meta.inputs;
    if (inputs === null) continue;
    for (let i = 0; i < inputs.length; i++) {
      if (!outs[inputs[i]]) continue;
      outs[inputs[i]].push(recs[r].key);
      indeg[recs[r].key]++;
    }
  }
  const order: string[] = [];
  const done: { [name: string]: boolean } = {};
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (let r = 0; r < recs.length; r++) {
      const name = recs[r].key;
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
