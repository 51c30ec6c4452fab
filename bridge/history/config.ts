/**
 * The gateway's `history:` configuration section: which records to keep, where, and for how long.
 *
 * ```yaml
 * history:
 *   path: /var/lib/aimdb/history.db   # SQLite file (required)
 *   records: ['esp32.climate.*']       # record patterns (`*` one segment, `#` the rest); default all
 *   max_age: 7d                        # retention by age: ms, or a number with s, m, h or d
 *   max_rows: 10000                    # retention by count, per record
 *   max_total_rows: 1000000            # retention by count, whole store
 *   flush_ms: 200                      # a batch is written at least this often
 *   batch: 1000                        # rows per write transaction, at most
 *   queue: 50000                       # rows waiting in memory, at most (more are dropped, counted)
 * ```
 */

/** The section with defaults applied. */
export interface HistoryConfig {
  path: string;
  records: string[];
  max_age_ms: number;
  max_rows: number;
  max_total_rows: number;
  flush_ms: number;
  batch: number;
  queue: number;
}

const UNIT: { [u: string]: number } = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_AGE_MS = 10 * 365 * 86_400_000;

/**
 * Parses a duration: a whole number of ms, or `<n><unit>` with unit ms, s, m, h, d (`10m`, `7d`,
 * `1.5h`). Returns undefined when malformed or not positive.
 */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(v);
  if (!m) return undefined;
  const ms = Math.round(Number(m[1]) * UNIT[m[2]]);
  return ms > 0 && Number.isFinite(ms) ? ms : undefined;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Checks a pattern of dot-separated key segments: wildcards only as whole segments. */
function patternProblem(p: string): string | undefined {
  if (p.length > 256) return 'longer than 256 characters';
  const segs = p.split('.');
  for (const s of segs) {
    if (s === '') return 'has an empty segment';
    if ((s.includes('*') || s.includes('#')) && s !== '*' && s !== '#') return `wildcards must be whole segments ('${s}')`;
  }
  return undefined;
}

/**
 * Checks the raw `history` value; problems go to `add(path, message)` (the gateway's config
 * checker). Returns the completed section, or undefined when absent or unusable.
 */
export function checkHistoryConfig(raw: unknown, add: (path: string, message: string) => void): HistoryConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    add('history', `expected a mapping, got ${describe(raw)}`);
    return undefined;
  }
  const o = raw as { [k: string]: unknown };
  const allowed = ['path', 'records', 'max_age', 'max_rows', 'max_total_rows', 'flush_ms', 'batch', 'queue'];
  for (const k of Object.keys(o)) if (!allowed.includes(k)) add(`history.${k}`, `unknown key (expected one of: ${allowed.join(', ')})`);
  const before = { n: 0 };
  const problem = (path: string, msg: string) => {
    before.n++;
    add(path, msg);
  };
  let path = '';
  if (o.path === undefined || o.path === null) problem('history.path', 'required (the SQLite file)');
  else if (typeof o.path !== 'string' || o.path === '' || o.path.includes('\0')) problem('history.path', `expected a file path, got ${describe(o.path)}`);
  else path = o.path;
  let records = ['#'];
  if (o.records !== undefined && o.records !== null) {
    if (!Array.isArray(o.records) || o.records.length === 0 || o.records.length > 1000 || o.records.some((x) => typeof x !== 'string' || x === '')) {
      problem('history.records', `expected a list of 1 to 1000 record patterns, got ${describe(o.records)}`);
    } else {
      records = o.records as string[];
      records.forEach((p, i) => {
        const why = patternProblem(p);
        if (why) problem(`history.records[${i}]`, `pattern '${p}' ${why}`);
      });
    }
  }
  const int = (k: string, def: number, min: number, max: number): number => {
    const v = o[k];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problem(`history.${k}`, `expected an integer from ${min} to ${max}, got ${describe(v)}`);
      return def;
    }
    return v;
  };
  let maxAge = 7 * 86_400_000;
  if (o.max_age !== undefined && o.max_age !== null) {
    const ms = parseDuration(o.max_age);
    if (ms === undefined || ms > MAX_AGE_MS) problem('history.max_age', `expected a duration such as 90s, 10m, 24h, 7d (at most 10 years) or a whole number of ms, got ${describe(o.max_age)}`);
    else maxAge = ms;
  }
  const cfg: HistoryConfig = {
    path,
    records,
    max_age_ms: maxAge,
    max_rows: int('max_rows', 10_000, 1, 100_000_000),
    max_total_rows: int('max_total_rows', 1_000_000, 1, 1_000_000_000),
    flush_ms: int('flush_ms', 200, 10, 60_000),
    batch: int('batch', 1000, 1, 100_000),
    queue: int('queue', 50_000, 1, 10_000_000),
  };
  return before.n > 0 ? undefined : cfg;
}
