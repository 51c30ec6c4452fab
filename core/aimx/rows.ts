/**
 * JSON shapes of `record.list`, `graph.nodes` and `graph.edges` (CONTRACT §7). They follow AimDB's
 * serde output so AimDB's tools can read them: `origin` is `"source"`, `"passive"`,
 * `{"link":{"protocol","address"}}`, `{"transform":{"input"}}` or `{"transform_join":{"inputs"}}`;
 * edge types are `"source"`, `{"link":{"protocol"}}`, `"transform"`, `"transform_join"`,
 * `{"tap":{"index"}}`, `{"link_out":{"protocol"}}`. Extra fields (`outbound`, `endpoint`) are ours;
 * AimDB's client ignores unknown fields.
 */
import type { Graph, GraphEdge, GraphNode, RecordInfo } from '../api.js';
import { own } from './protocol.js';

/** Transform inputs of each record key, from the graph's edges. */
function inputsByKey(graph: Graph): { [key: string]: string[] } {
  const inputs: { [key: string]: string[] } = {};
  for (let i = 0; i < graph.edges.length; i++) {
    const e = graph.edges[i];
    if (e.kind !== 'transform' && e.kind !== 'transformJoin') continue;
    if (!own(inputs, e.to)) inputs[e.to] = [];
    inputs[e.to].push(e.from);
  }
  return inputs;
}

function originJson(origin: string, key: string, inbound: Array<{ protocol: string; address: string }>, inputs: { [key: string]: string[] }): unknown {
  const ins = own(inputs, key) ? inputs[key] : [];
  switch (origin) {
    case 'link': {
      const first = inbound.length > 0 ? inbound[0] : { protocol: '', address: '' };
      return { link: { protocol: first.protocol, address: first.address } };
    }
    case 'transform':
      return { transform: { input: ins.length > 0 ? ins[0] : '' } };
    case 'transformJoin':
      return { transform_join: { inputs: ins } };
  }
  return origin;
}

/** The record's leaf segment: everything after the last `.` or `/` (AimDB's `entity`). */
function leaf(key: string): string {
  let at = -1;
  for (let i = 0; i < key.length; i++) {
    const c = key.charAt(i);
    if (c === '.' || c === '/') at = i;
  }
  return key.substring(at + 1);
}

/** Link inbound endpoints per key, from the graph's nodes. */
function nodesByKey(graph: Graph): { [key: string]: GraphNode } {
  const m: { [key: string]: GraphNode } = {};
  for (let i = 0; i < graph.nodes.length; i++) m[graph.nodes[i].key] = graph.nodes[i];
  return m;
}

/**
 * Rows of `record.list`. `writable` is the server's policy for the record (see the server).
 */
export function recordRows(infos: RecordInfo[], graph: Graph, isWritable: (info: RecordInfo) => boolean): unknown[] {
  const inputs = inputsByKey(graph);
  const nodes = nodesByKey(graph);
  const rows: unknown[] = [];
  for (let i = 0; i < infos.length; i++) {
    const r = infos[i];
    const node = own(nodes, r.key) ? nodes[r.key] : null;
    let outbound = 0;
    for (let k = 0; k < r.links.length; k++) if (r.links[k].direction === 'out') outbound++;
    const m = r.metrics;
    const row: any = {
      record_id: r.id,
      record_key: r.key,
      name: r.type,
      type_id: r.type,
      origin: originJson(r.origin, r.key, node ? node.inbound : [], inputs),
      buffer_type: r.bufferType,
      buffer_capacity: r.bufferCapacity,
      producer_count: r.producerCount,
      consumer_count: r.consumerCount,
      writable: isWritable(r),
      outbound_connector_count: outbound,
      entity: leaf(r.key),
      produced_count: m.produced,
      consumed_count: m.consumed,
      dropped_count: m.dropped,
      // AimDB.js additions to AimDB's row: values `produce` refused, and exceptions thrown by the
      // record's readers or by the transform or join writing it.
      rejected_count: m.rejected,
      error_count: m.errors,
    };
    // AimDB omits occupancy when the capacity is 0 (no buffer).
    if (m.capacity > 0) row.occupancy = [m.occupancy, m.capacity];
    rows.push(row);
  }
  return rows;
}

/** `graph.nodes`: AimDB's GraphNode plus our `inbound`/`outbound` endpoint lists. */
export function graphNodes(graph: Graph): unknown[] {
  const inputs = inputsByKey(graph);
  const out: unknown[] = [];
  for (let i = 0; i < graph.nodes.length; i++) {
    const n = graph.nodes[i];
    out.push({
      key: n.key,
      origin: originJson(n.origin, n.key, n.inbound, inputs),
      buffer_type: n.bufferType,
      buffer_capacity: n.bufferCapacity,
      tap_count: n.tapCount,
      has_outbound_link: n.outbound.length > 0,
      inbound: n.inbound,
      outbound: n.outbound,
    });
  }
  return out;
}

function edgeType(e: GraphEdge, tapIndex: number): unknown {
  switch (e.kind) {
    case 'link':
      return { link: { protocol: e.protocol || '' } };
    case 'linkOut':
      return { link_out: { protocol: e.protocol || '' } };
    case 'tap':
      return { tap: { index: tapIndex } };
    case 'transformJoin':
      return 'transform_join';
  }
  return e.kind;
}

/**
 * `graph.edges`: `{from, to, edge_type}` with `from`/`to` a record key or `null` for an external end
 * (as AimDB), plus `endpoint` naming that external end (`mqtt://…`) when the graph knows it.
 */
export function graphEdges(graph: Graph): unknown[] {
  const nodes = nodesByKey(graph);
  const taps: { [key: string]: number } = {};
  const out: unknown[] = [];
  for (let i = 0; i < graph.edges.length; i++) {
    const e = graph.edges[i];
    const fromKey = own(nodes, e.from) ? e.from : null;
    const toKey = own(nodes, e.to) ? e.to : null;
    let tapIndex = 0;
    if (e.kind === 'tap') {
      const k = fromKey || e.from;
      tapIndex = own(taps, k) ? taps[k] : 0;
      taps[k] = tapIndex + 1;
    }
    const row: any = { from: fromKey, to: toKey, edge_type: edgeType(e, tapIndex) };
    const ext = fromKey === null ? e.from : toKey === null ? e.to : '';
    if (ext && e.kind !== 'tap' && e.kind !== 'source') row.endpoint = ext;
    out.push(row);
  }
  return out;
}
