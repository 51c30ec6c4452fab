/**
 * A small, strict parser of the Prometheus text exposition format 0.0.4, for the tests: it throws on
 * anything our exporter must never emit, naming the line. Checked:
 * - metric names `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*` (not `__…`);
 * - label values in double quotes with only the escapes `\\`, `\"`, `\n`;
 * - sample values: Go float syntax, `NaN`, `+Inf`, `-Inf`; an optional integer timestamp;
 * - `# HELP` / `# TYPE` at most once per family, TYPE before the family's first sample, a known type;
 * - one family's lines together (no family reappearing after another), no duplicate series;
 * - the text ends with a line feed; no empty lines, no trailing spaces, no CR.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type?: string;
  help?: string;
  samples: Sample[];
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

function fail(n: number, line: string, why: string): never {
  throw new Error(`line ${n}: ${why}: ${JSON.stringify(line)}`);
}

/** The family a sample name belongs to (histogram/summary suffixes fold into their base). */
function familyOf(name: string, families: Map<string, Family>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const f = families.get(base);
      if (f && (f.type === 'histogram' || f.type === 'summary')) return base;
    }
  }
  return name;
}

function parseValue(s: string, n: number, line: string): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (!FLOAT.test(s)) fail(n, line, 'bad value ' + JSON.stringify(s));
  return Number(s);
}

function parseLabels(rest: string, n: number, line: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  for (;;) {
    if (rest[i] === '}') return { labels, rest: rest.slice(i + 1) };
    const m = LABEL.exec(rest.slice(i));
    if (!m) fail(n, line, 'bad label name');
    const lname = m[0];
    if (lname.startsWith('__')) fail(n, line, 'reserved label name ' + lname);
    if (lname in labels) fail(n, line, 'duplicate label ' + lname);
    i += lname.length;
    if (rest[i] !== '=' || rest[i + 1] !== '"') fail(n, line, 'expected ="');
    i += 2;
    let v = '';
    for (;;) {
      const c = rest[i];
      if (c === undefined) fail(n, line, 'unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const e = rest[i + 1];
        if (e === '\\') v += '\\';
        else if (e === '"') v += '"';
        else if (e === 'n') v += '\n';
        else fail(n, line, 'bad escape \\' + e);
        i += 2;
        continue;
      }
      v += c;
      i++;
    }
    labels[lname] = v;
    i++;
    if (rest[i] === ',') {
      i++;
      continue;
    }
    if (rest[i] !== '}') fail(n, line, 'expected , or }');
  }
}

/** Parses `text`; returns the families in order of appearance. Throws on any violation. */
export function parsePrometheus(text: string): Family[] {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('text does not end with a line feed');
  if (text.includes('\r')) throw new Error('carriage return in text');
  const families = new Map<string, Family>();
  const order: Family[] = [];
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: string | null = null;
  const enter = (name: string, n: number, line: string): Family => {
    if (current !== name) {
      if (closed.has(name)) fail(n, line, 'family ' + name + ' appears again after another family');
      if (current !== null) closed.add(current);
      current = name;
    }
    let f = families.get(name);
    if (!f) {
      f = { name, samples: [] };
      families.set(name, f);
      order.push(f);
    }
    return f;
  };
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, idx) => {
    const n = idx + 1;
    if (line === '') fail(n, line, 'empty line');
    if (line.endsWith(' ')) fail(n, line, 'trailing space');
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([^ ]+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kw, name, rest] = m;
      if (!METRIC.test(name) || METRIC.exec(name)![0] !== name) fail(n, line, 'bad metric name');
      const f = enter(name, n, line);
      if (kw === 'HELP') {
        if (f.help !== undefined) fail(n, line, 'second HELP');
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) fail(n, line, 'bad escape in HELP');
        f.help = rest.replace(/\\(\\|n)/g, (_s, e) => (e === 'n' ? '\n' : '\\'));
      } else {
        if (f.type !== undefined) fail(n, line, 'second TYPE');
        if (f.samples.length > 0) fail(n, line, 'TYPE after samples');
        if (!TYPES.includes(rest)) fail(n, line, 'unknown type ' + rest);
        f.type = rest;
      }
      return;
    }
    const m = METRIC.exec(line);
    if (!m) fail(n, line, 'bad metric name');
    const name = m[0];
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, n, line));
    const parts = rest.split(' ');
    if (parts[0] !== '' || parts.length < 2 || parts.length > 3) fail(n, line, 'expected " value [timestamp]"');
    const value = parseValue(parts[1], n, line);
    if (parts.length === 3 && !/^-?\d+$/.test(parts[2])) fail(n, line, 'bad timestamp');
    const f = enter(familyOf(name, families), n, line);
    if (f.type === 'counter' && value < 0) fail(n, line, 'negative counter');
    const id = name + JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
    if (series.has(id)) fail(n, line, 'duplicate series');
    series.add(id);
    f.samples.push({ name, labels, value });
  });
  return order;
}
