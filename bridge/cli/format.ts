/** Output helpers of the `aimdb` CLI: aligned tables and compact values. */

/** Formats rows as an aligned table under `headers` (two spaces between columns). */
export function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** One-line JSON of a value. */
export function compact(v: unknown): string {
  return JSON.stringify(v === undefined ? null : v);
}

/** AimDB's `origin` (a string or `{kind: {...}}`) as short text: `transform(sensor.temp)`. */
export function originText(o: unknown): string {
  if (typeof o === 'string') return o;
  if (o && typeof o === 'object') {
    const [k, v] = Object.entries(o as Record<string, any>)[0] ?? ['?', {}];
    if (k === 'transform') return `transform(${v.input})`;
    if (k === 'transform_join') return `join(${(v.inputs ?? []).join(',')})`;
    if (k === 'link') return `link(${v.protocol}://${v.address})`;
    return k;
  }
  return String(o);
}

/** AimDB's `edge_type` as short text. */
export function edgeTypeText(t: unknown): string {
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object') {
    const [k, v] = Object.entries(t as Record<string, any>)[0] ?? ['?', {}];
    if (k === 'tap') return `tap#${v.index}`;
    if (v && v.protocol) return `${k}(${v.protocol})`;
    return k;
  }
  return String(t);
}
