// Value formatting and sparklines. A record is "numeric" when its values are numbers, or flat
// objects with at least one numeric field; each numeric field is one series (at most 4 shown).

export const SERIES_COLORS = ['#2563eb', '#059669', '#d97706', '#db2777'];
const MAX_SERIES = 4;

/** Numeric fields of a value: `[['value', n]]` for a number, `[[field, n], …]` for a flat object. */
export function numericFields(v) {
  if (typeof v === 'number' && isFinite(v)) return [['value', v]];
  if (typeof v === 'boolean') return [['value', v ? 1 : 0]];
  const out = [];
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (typeof x === 'number' && isFinite(x)) out.push([k, x]);
      if (out.length >= MAX_SERIES) break;
    }
  }
  return out;
}

function num(n) {
  if (Number.isInteger(n)) return String(n);
  const a = Math.abs(n);
  return a >= 1000 ? n.toFixed(0) : a >= 10 ? n.toFixed(2) : n.toFixed(3);
}

/** A one-line rendering of a value: `21.5`, `celsius 21.5 · rh 40`, `"on"`, JSON otherwise. */
export function formatValue(v) {
  if (v === undefined) return '—';
  if (typeof v === 'number') return num(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length > 0 && keys.length <= 6 && keys.every((k) => v[k] === null || typeof v[k] !== 'object')) {
      return keys.map((k) => k + ' ' + (typeof v[k] === 'number' ? num(v[k]) : JSON.stringify(v[k]))).join(' · ');
    }
  }
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s;
}

/** Fixed-length history of the numeric series of one record. */
export class History {
  constructor(limit) {
    this.limit = limit;
    this.names = [];
    this.series = new Map();
    this.count = 0;
  }

  push(v) {
    const fields = numericFields(v);
    if (fields.length === 0) return false;
    for (const [name, x] of fields) {
      let s = this.series.get(name);
      if (!s) {
        if (this.names.length >= MAX_SERIES) continue;
        s = [];
        this.series.set(name, s);
        this.names.push(name);
      }
      s.push(x);
      if (s.length > this.limit) s.shift();
    }
    this.count++;
    return true;
  }
}

/**
 * Path `d` of one series in a `w`×`h` box scaled to the series' own [min, max] (a sparkline shows
 * shape, not magnitude; the current value is printed beside it). The newest point is at the right
 * edge. Returns '' for no points.
 */
export function sparkPath(points, w, h, limit) {
  if (points.length === 0) return '';
  let min = Infinity;
  let max = -Infinity;
  for (const x of points) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (min === max) {
    min -= 1;
    max += 1;
  }
  const span = max - min;
  const step = w / Math.max(1, limit - 1);
  const x0 = w - (points.length - 1) * step;
  let d = '';
  for (let i = 0; i < points.length; i++) {
    const x = x0 + i * step;
    const y = h - 3 - ((points[i] - min) / span) * (h - 6);
    d += (i === 0 ? 'M' : 'L') + x.toFixed(1) + ',' + y.toFixed(1);
  }
  if (points.length === 1) d += 'l' + (-step).toFixed(1) + ',0';
  return d;
}

/** Redraws the `<svg class="sparkline">` of a history (one `<path>` per series). */
export function drawSparkline(svg, hist, w, h) {
  const paths = svg.querySelectorAll('path');
  hist.names.forEach((name, i) => {
    let p = paths[i];
    if (!p) {
      p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
      p.setAttribute('stroke', SERIES_COLORS[i % SERIES_COLORS.length]);
      p.setAttribute('data-series', name);
      svg.appendChild(p);
    }
    p.setAttribute('d', sparkPath(hist.series.get(name), w, h, hist.limit));
  });
}
