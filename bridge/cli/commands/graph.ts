/** `aimdb graph nodes|edges|order|dot`: the dataflow graph of an AimDB instance. */
import { edgeTypeText, originText, table } from '../format.js';
import { CliCommand, UsageError } from '../registry.js';

const USAGE = `Usage: aimdb graph <nodes|edges|order|dot>
  graph nodes    records with origin, buffer, taps and outbound links
  graph edges    source, link, transform, join, tap and outbound edges
  graph order    record keys in topological order
  graph dot      the graph in Graphviz DOT (pipe into: dot -Tsvg)`;

function q(s: string): string {
  return JSON.stringify(s);
}

/** Graphviz text of nodes and edges in AimX shapes. */
export function toDot(nodes: any[], edges: any[]): string[] {
  const lines = ['digraph aimdb {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
  for (const n of nodes) lines.push(`  ${q(n.key)} [label=${q(`${n.key}\n${n.buffer_type}${n.buffer_capacity ? '(' + n.buffer_capacity + ')' : ''}`)}];`);
  let ext = 0;
  for (const e of edges) {
    const type = edgeTypeText(e.edge_type);
    if (e.from && e.to) {
      lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(type)}];`);
      continue;
    }
    const id = `ext${ext++}`;
    const label = e.endpoint ?? type;
    const shape = type.startsWith('tap') ? 'point' : type === 'source' ? 'circle' : 'ellipse';
    lines.push(`  ${id} [shape=${shape}, label=${q(shape === 'point' ? '' : label)}];`);
    if (e.to) lines.push(`  ${id} -> ${q(e.to)} [label=${q(type)}];`);
    else lines.push(`  ${q(e.from)} -> ${id} [label=${q(type)}];`);
  }
  lines.push('}');
  return lines;
}

export const command: CliCommand = {
  name: 'graph',
  summary: 'show the dataflow graph (nodes, edges, order, dot)',
  usage: USAGE,
  async run(ctx) {
    const sub = ctx.args[0];
    if (!sub) throw new UsageError('missing subcommand (nodes, edges, order or dot)', USAGE);
    if (!['nodes', 'edges', 'order', 'dot'].includes(sub)) throw new UsageError(`unknown subcommand '${sub}' (nodes, edges, order or dot)`, USAGE);
    if (ctx.args.length > 1) throw new UsageError(`unexpected argument '${ctx.args[1]}'`, USAGE);
    const c = await ctx.connect();
    if (sub === 'order') {
      const order = await c.topoOrder();
      if (ctx.json) ctx.out(JSON.stringify(order));
      else for (const k of order) ctx.out(k);
      return 0;
    }
    if (sub === 'nodes') {
      const nodes = await c.graphNodes();
      if (ctx.json) ctx.out(JSON.stringify(nodes));
      else
        for (const l of table(
          ['KEY', 'ORIGIN', 'BUFFER', 'CAP', 'TAPS', 'OUTBOUND'],
          nodes.map((n) => [n.key, originText(n.origin), n.buffer_type, String(n.buffer_capacity ?? '-'), String(n.tap_count), (n.outbound ?? []).map((o: any) => `${o.protocol}://${o.address}`).join(',') || (n.has_outbound_link ? 'yes' : '-')]),
        ))
          ctx.out(l);
      return 0;
    }
    const edges = await c.graphEdges();
    if (sub === 'edges') {
      if (ctx.json) ctx.out(JSON.stringify(edges));
      else for (const l of table(['FROM', 'TO', 'TYPE'], edges.map((e) => [e.from ?? e.endpoint ?? '(external)', e.to ?? e.endpoint ?? '(external)', edgeTypeText(e.edge_type)]))) ctx.out(l);
      return 0;
    }
    const nodes = await c.graphNodes();
    for (const l of toDot(nodes, edges)) ctx.out(l);
    return 0;
  },
};
