// The record graph as SVG (CONTRACT §5): a layered layout. Records sit in columns by derivation
// depth (computed along `graph.topo_order`: a transform's record is one column right of its
// deepest input); sources and inbound links get a column on the left, taps and outbound links one
// on the right. Within a column, records are ordered by the mean row of their inputs (one
// barycenter pass), which removes most crossings for the small graphs a gateway has.

const SVG = 'http://www.w3.org/2000/svg';
const NODE_W = 210;
const NODE_H = 62;
const END_W = 170;
const END_H = 26;
const COL_GAP = 80;
const ROW_GAP = 18;
const PAD = 14;

/** `origin` of `graph.nodes` (a string or `{link|transform|transform_join: …}`) as one word. */
export function originName(origin) {
  if (typeof origin === 'string') return origin;
  if (origin && typeof origin === 'object') {
    if (origin.link) return 'link';
    if (origin.transform) return 'transform';
    if (origin.transform_join) return 'transformJoin';
  }
  return 'passive';
}

/** `edge_type` of `graph.edges` as the core's kind name. */
export function edgeKind(t) {
  if (typeof t === 'string') return t === 'transform_join' ? 'transformJoin' : t;
  if (t && typeof t === 'object') {
    if (t.link) return 'link';
    if (t.link_out) return 'linkOut';
    if (t.tap) return 'tap';
  }
  return 'unknown';
}

const BUFFER_LABEL = { spmc_ring: 'ring', single_latest: 'SingleLatest', mailbox: 'Mailbox', none: 'no buffer' };
const ORIGIN_GLYPH = { source: '▶', link: '⇄', transform: 'ƒ', transformJoin: '⋈', passive: '○' };

/** Short buffer label: `ring 64`, `SingleLatest`, `Mailbox`. */
export function bufferLabel(type, capacity) {
  return type === 'spmc_ring' ? 'ring ' + capacity : BUFFER_LABEL[type] || type;
}

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

function text(parent, x, y, cls, s) {
  const t = el('text', { x, y, class: cls }, parent);
  t.textContent = s;
  return t;
}

function clip(s, n) {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/**
 * Computes positions. `nodes`/`edges` are the AimX `graph.nodes`/`graph.edges` replies, `topo` the
 * `graph.topo_order` one. Returns `{width, height, records: Map<key, box>, ends: [box], edges: [...]}`.
 */
export function layout(nodes, edges, topo) {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const order = topo.filter((k) => byKey.has(k));
  for (const n of nodes) if (!order.includes(n.key)) order.push(n.key);
  const inputs = new Map(order.map((k) => [k, []]));
  for (const e of edges) {
    const kind = edgeKind(e.edge_type);
    if ((kind === 'transform' || kind === 'transformJoin') && byKey.has(e.from) && byKey.has(e.to)) inputs.get(e.to).push(e.from);
  }
  const layer = new Map();
  for (const k of order) {
    let l = 0;
    for (const i of inputs.get(k)) if (layer.has(i)) l = Math.max(l, layer.get(i) + 1);
    layer.set(k, l);
  }
  const starts = [];
  const finals = [];
  for (const e of edges) {
    const kind = edgeKind(e.edge_type);
    if ((kind === 'source' || kind === 'link') && byKey.has(e.to)) starts.push({ kind, to: e.to, label: kind === 'source' ? 'source' : e.endpoint || 'link' });
    if ((kind === 'tap' || kind === 'linkOut') && byKey.has(e.from)) finals.push({ kind, from: e.from, label: kind === 'tap' ? 'tap #' + (e.edge_type.tap ? e.edge_type.tap.index : 0) : e.endpoint || 'link out' });
  }
  // Columns: [inbound endpoints] [records by depth, with each record's taps/outbound links in the
  // column right after its own] — so no edge skips over a column of nodes.
  const leftCol = starts.length > 0 ? 1 : 0;
  const cols = [];
  const col = (c) => {
    while (cols.length <= c) cols.push([]);
    return cols[c];
  };
  const records = new Map();
  const ends = [];
  for (const k of order) col(leftCol + layer.get(k)).push({ rec: k, w: NODE_W, h: NODE_H });
  for (const f of finals) col(leftCol + layer.get(f.from) + 1).push({ end: f, w: END_W, h: END_H });
  const widths = cols.map((items) => items.reduce((w, it) => Math.max(w, it.w), 0));
  const colX = [];
  let x = PAD;
  for (let c = 0; c < cols.length; c++) {
    colX.push(x);
    x += (c === 0 && leftCol ? END_W : widths[c]) + COL_GAP;
  }
  const center = (b) => b.y + b.h / 2;
  // Stacks items top-down in the order of their wished centre, never overlapping.
  const stack = (items, c) => {
    items.sort((p, q) => p.want - q.want || p.idx - q.idx);
    let y = PAD;
    for (const it of items) {
      it.y = Math.max(y, it.want - it.h / 2);
      it.x = colX[c] + (widths[c] - it.w) / 2;
      y = it.y + it.h + ROW_GAP;
    }
  };
  cols.forEach((items, c) => {
    if (c < leftCol) return;
    items.forEach((it, i) => {
      it.idx = i;
      if (it.rec !== undefined) {
        const ins = inputs.get(it.rec).filter((k) => records.has(k));
        // Room for several inbound endpoints stacked in front of a first-column record.
        const nIn = starts.filter((s) => s.to === it.rec).length;
        it.need = Math.max(NODE_H, nIn * (END_H + 8) - 8);
        it.want = ins.length ? ins.reduce((sum, k) => sum + center(records.get(k)), 0) / ins.length : c === leftCol ? -1 : 1e9;
      } else {
        it.want = center(records.get(it.end.from));
      }
    });
    if (c === leftCol) {
      let y = PAD;
      for (const it of items) {
        it.x = colX[c] + (widths[c] - it.w) / 2;
        it.y = y + (it.need - it.h) / 2;
        y += it.need + ROW_GAP;
      }
    } else {
      stack(items, c);
    }
    for (const it of items) {
      if (it.rec !== undefined) records.set(it.rec, { key: it.rec, node: byKey.get(it.rec), x: it.x, y: it.y, w: it.w, h: it.h });
      else ends.push({ kind: it.end.kind, label: it.end.label, x: it.x, y: it.y, w: it.w, h: it.h, rec: it.end.from, side: 'out' });
    }
  });
  if (leftCol) {
    const ins = starts.map((s, i) => ({ s, idx: i, w: END_W, h: END_H, want: center(records.get(s.to)) }));
    widths[0] = END_W;
    stack(ins, 0);
    for (const it of ins) ends.push({ kind: it.s.kind, label: it.s.label, x: it.x, y: it.y, w: it.w, h: it.h, rec: it.s.to, side: 'in' });
  }
  const lines = [];
  for (const e of edges) {
    const kind = edgeKind(e.edge_type);
    if (kind === 'transform' || kind === 'transformJoin') {
      const a = records.get(e.from);
      const b = records.get(e.to);
      if (a && b) lines.push({ kind, a, b });
    }
  }
  for (const end of ends) {
    const r = records.get(end.rec);
    lines.push(end.side === 'in' ? { kind: end.kind, a: end, b: r } : { kind: end.kind, a: r, b: end });
  }
  let width = 0;
  let height = 0;
  for (const b of records.values()) {
    width = Math.max(width, b.x + b.w);
    height = Math.max(height, b.y + b.h);
  }
  for (const b of ends) {
    width = Math.max(width, b.x + b.w);
    height = Math.max(height, b.y + b.h);
  }
  return { width: width + PAD, height: height + PAD, records, ends, lines };
}

function curve(a, b) {
  const x1 = a.x + a.w;
  const y1 = a.y + a.h / 2;
  const x2 = b.x - 7;
  const y2 = b.y + b.h / 2;
  const dx = Math.max(30, (x2 - x1) / 2);
  return `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
}

/**
 * Draws the graph into `svg`. Returns `Map<key, {group, value: SVGTextElement}>` so the page can
 * write live values into the nodes.
 */
export function drawGraph(svg, nodes, edges, topo) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const g = layout(nodes, edges, topo);
  svg.setAttribute('viewBox', `0 0 ${g.width} ${g.height}`);
  svg.setAttribute('width', String(g.width));
  svg.setAttribute('height', String(g.height));
  const defs = el('defs', {}, svg);
  for (const kind of ['source', 'link', 'transform', 'transformJoin', 'tap', 'linkOut']) {
    const m = el('marker', { id: 'arrow-' + kind, viewBox: '0 0 10 10', refX: '1', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow arrow-' + kind }, m);
  }
  const edgeLayer = el('g', { class: 'edges' }, svg);
  for (const l of g.lines) {
    el('path', { d: curve(l.a, l.b), class: 'edge edge-' + l.kind, 'data-kind': l.kind, 'marker-end': `url(#arrow-${l.kind})` }, edgeLayer);
  }
  const endLayer = el('g', { class: 'ends' }, svg);
  for (const e of g.ends) {
    const grp = el('g', { class: 'gend kind-' + e.kind, 'data-end': e.kind, transform: `translate(${e.x},${e.y})` }, endLayer);
    el('rect', { width: e.w, height: e.h }, grp);
    const icon = e.kind === 'source' ? '▶ ' : e.kind === 'tap' ? '◉ ' : '';
    const t = text(grp, 10, e.h / 2, '', icon + clip(e.label, 24));
    const title = el('title', {}, t);
    title.textContent = e.kind + ': ' + e.label;
  }
  const nodeLayer = el('g', { class: 'nodes' }, svg);
  const out = new Map();
  for (const r of g.records.values()) {
    const n = r.node;
    const origin = originName(n.origin);
    const grp = el('g', { class: 'gnode buf-' + n.buffer_type, 'data-node': n.key, 'data-buffer': n.buffer_type, 'data-origin': origin, transform: `translate(${r.x},${r.y})` }, nodeLayer);
    el('rect', { class: 'box', width: r.w, height: r.h, rx: 8 }, grp);
    el('rect', { class: 'band', width: 26, height: r.h, rx: 8 }, grp);
    el('rect', { class: 'band', x: 18, width: 8, height: r.h }, grp);
    text(grp, 13, r.h / 2, 'glyph', ORIGIN_GLYPH[origin] || '?');
    text(grp, 36, 19, 'k', clip(n.key, 24));
    text(grp, 36, 35, 'meta', bufferLabel(n.buffer_type, n.buffer_capacity) + ' · ' + origin + (n.tap_count ? ' · ' + n.tap_count + ' tap' + (n.tap_count > 1 ? 's' : '') : ''));
    const value = text(grp, 36, 52, 'val', '—');
    value.setAttribute('data-node-value', n.key);
    const title = el('title', {}, grp);
    title.textContent = n.key + '\n' + bufferLabel(n.buffer_type, n.buffer_capacity) + ', origin ' + origin;
    out.set(n.key, { group: grp, value });
  }
  return out;
}
