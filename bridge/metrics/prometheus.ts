/**
 * Prometheus text exposition (format 0.0.4) of a database's counters: per record, per link, the
 * scheduler and joins, plus optional device, AimX and process metrics. `renderPrometheus` is pure
 * (same database state, same text); `prometheusHandler` serves it over `node:http`.
 *
 * Counters and `db.resetMetrics()`: every `_total` family is a Prometheus counter read straight from
 * the core's counters, which `resetMetrics()` (and AimX `buffer_metrics.reset`) sets back to zero.
 * Prometheus sees that as a counter reset — exactly what it sees when a process restarts — and
 * `rate()`/`increase()` compensate for it (a sample lower than the previous one starts a new run).
 * The raw value of a `_total` series is therefore "since start or last reset"; graph rates, not
 * raw values. `aimdb_metrics_resets_total` (when the caller tracks resets) makes resets visible.
 */
import type http from 'node:http';
import type { LinkMetrics, RecordInfo } from '../../core/api.js';

/** The database surface the exposition reads (the core `Database` has it). */
export interface MetricsSource {
  readonly nodeId: string;
  readonly runtimeName: string;
  records(): RecordInfo[];
  schedulerStats?(): { delivered: number; drains: number; queued: number };
  joinStats?(): Array<{ key: string; handled: number; stalls: number }>;
}

/** One device the gateway knows about (see the dashboard's `setDevices`). */
export interface DeviceStatus {
  /** Stable id (node id of the device). */
  id: string;
  /** Display name. Default: the id. */
  name?: string;
  /** True while the device is connected / heard from. */
  online: boolean;
  /** How it is attached: `serial`, `mqtt`, `tcp`, … */
  transport?: string;
  /** Wall-clock time it was last heard from, in ms since the epoch. */
  lastSeen?: number;
  /** Records it mirrors. */
  records?: number;
  /** Free text (firmware, board, last error). */
  detail?: string;
}

/** Optional extras of {@link renderPrometheus}. */
export interface PrometheusExtra {
  /** Devices: `aimdb_device_up`, `aimdb_device_last_seen_timestamp_seconds`. */
  devices?: DeviceStatus[];
  /** AimX server figures: live sessions and refused connections. */
  aimx?: { sessions: number; refused: number; closed?: { [reason: string]: number } };
  /** Process figures (see {@link processStats}); omitted when not given, so the golden text is stable. */
  process?: ProcessStats;
  /** Times the caller saw the metrics reset (see the module comment). */
  resets?: number;
}

/** Cheap process gauges read from Node. */
export interface ProcessStats {
  /** CPU time, user + system, in seconds. */
  cpuSeconds: number;
  /** Resident set size, in bytes. */
  residentBytes: number;
  /** V8 heap used, in bytes. */
  heapUsedBytes: number;
  /** Process start, in seconds since the epoch. */
  startTimeSeconds: number;
  /** Event-loop delay (p99 over the last interval), in seconds; omitted when not measured. */
  eventLoopDelaySeconds?: number;
}

/** The Content-Type of the 0.0.4 text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Escapes a label value: backslash, double quote and line feed (the three escapes 0.0.4 defines).
 *
 * @example
 * escapeLabelValue('a"b\\c\nd'); // 'a\\"b\\\\c\\nd'
 */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text: backslash and line feed (quotes stay as they are in HELP). */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Formats a sample value: integers plainly, `NaN`/`+Inf`/`-Inf` as the format spells them. */
export function formatValue(n: number): string {
  if (n !== n) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

type Labels = Array<[string, string]>;

/** Collects families in order; each family's samples are written together (one HELP/TYPE each). */
class Exposition {
  private out: string[] = [];

  family(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Labels, number]>): void {
    if (samples.length === 0) return;
    this.out.push('# HELP ' + name + ' ' + escapeHelp(help) + '\n# TYPE ' + name + ' ' + type + '\n');
    for (const [labels, value] of samples) {
      let line = name;
      if (labels.length > 0) line += '{' + labels.map(([k, v]) => k + '="' + escapeLabelValue(v) + '"').join(',') + '}';
      this.out.push(line + ' ' + formatValue(value) + '\n');
    }
  }

  text(): string {
    return this.out.join('');
  }
}

/** Link families, each for the direction its counter means something in (LinkMetrics, core/api.ts). */
const LINK_FAMILIES: Array<[keyof LinkMetrics, 'out' | 'in', string, 'counter' | 'gauge', string]> = [
  ['sent', 'out', 'aimdb_link_sent_total', 'counter', 'Messages handed to the transport.'],
  ['encodeErrors', 'out', 'aimdb_link_encode_errors_total', 'counter', 'Outbound values the serializer rejected.'],
  ['dropped', 'out', 'aimdb_link_dropped_total', 'counter', 'Outbound messages dropped (offline queue overflow, transport refusal).'],
  ['queued', 'out', 'aimdb_link_queued', 'gauge', 'Outbound messages waiting in the offline queue.'],
  ['received', 'in', 'aimdb_link_received_total', 'counter', 'Messages received from the transport, before decoding.'],
  ['decodeErrors', 'in', 'aimdb_link_decode_errors_total', 'counter', 'Inbound payloads the deserializer rejected.'],
  ['gaps', 'in', 'aimdb_link_gaps_total', 'counter', 'Sequence gaps detected on inbound ring messages (values lost upstream or in transit).'],
];

/**
 * Renders the exposition text of a database. Pure: reads `db.records()`, `db.schedulerStats()`,
 * `db.joinStats()` and `extra`; families with no sample are left out.
 *
 * @example
 * res.setHeader('content-type', PROMETHEUS_CONTENT_TYPE);
 * res.end(renderPrometheus(db, { devices: gateway.devices() }));
 */
export function renderPrometheus(db: MetricsSource, extra: PrometheusExtra = {}): string {
  const x = new Exposition();
  const rows = db.records();
  x.family('aimdb_info', 'gauge', 'Database identity (value is always 1).', [
    [
      [
        ['node', db.nodeId],
        ['runtime', db.runtimeName],
      ],
      1,
    ],
  ]);
  const rec = (pick: (r: RecordInfo) => number): Array<[Labels, number]> =>
    rows.map((r) => [
      [
        ['record', r.key],
        ['buffer', r.bufferType],
      ],
      pick(r),
    ]);
  x.family('aimdb_record_produced_total', 'counter', 'Values produced into the record.', rec((r) => r.metrics.produced));
  x.family('aimdb_record_consumed_total', 'counter', 'Successful reads of the record, summed over its readers.', rec((r) => r.metrics.consumed));
  x.family('aimdb_record_dropped_total', 'counter', 'Values some reader never received (ring lag, SingleLatest collapse, Mailbox overwrite).', rec((r) => r.metrics.dropped));
  x.family('aimdb_record_rejected_total', 'counter', 'Values the record refused (undefined, or a non-object on a numeric-layout ring).', rec((r) => r.metrics.rejected));
  x.family('aimdb_record_errors_total', 'counter', 'Exceptions thrown by the record readers or by the transform or join writing it.', rec((r) => r.metrics.errors));
  x.family('aimdb_record_occupancy', 'gauge', 'Items held now (ring: the slowest reader backlog).', rec((r) => r.metrics.occupancy));
  x.family('aimdb_record_capacity', 'gauge', 'Buffer capacity in items (0 without a buffer).', rec((r) => r.metrics.capacity));
  x.family('aimdb_record_consumers', 'gauge', 'Live readers of the record.', rec((r) => r.consumerCount));

  const links: Array<{ labels: Labels; m: LinkMetrics; direction: 'out' | 'in' }> = [];
  for (const r of rows) {
    for (const l of r.links) {
      links.push({
        labels: [
          ['record', r.key],
          ['direction', l.direction],
          ['url', l.url],
        ],
        m: l.metrics,
        direction: l.direction,
      });
    }
  }
  for (const [field, direction, name, type, help] of LINK_FAMILIES) {
    x.family(
      name,
      type,
      help,
      links.filter((l) => l.direction === direction).map((l) => [l.labels, l.m[field]] as [Labels, number]),
    );
  }

  if (db.schedulerStats) {
    const s = db.schedulerStats();
    x.family('aimdb_scheduler_deliveries_total', 'counter', 'Deliveries made by the cooperative scheduler.', [[[], s.delivered]]);
    x.family('aimdb_scheduler_drains_total', 'counter', 'Scheduler drain passes run.', [[[], s.drains]]);
    x.family('aimdb_scheduler_queued', 'gauge', 'Deliveries waiting in the scheduler queue.', [[[], s.queued]]);
  }
  if (db.joinStats) {
    const joins = db.joinStats();
    x.family('aimdb_join_triggers_total', 'counter', 'Triggers handled by a transformJoin.', joins.map((j) => [[['record', j.key]], j.handled] as [Labels, number]));
    x.family('aimdb_join_stalls_total', 'counter', 'Times a transformJoin queue was full and applied backpressure.', joins.map((j) => [[['record', j.key]], j.stalls] as [Labels, number]));
  }
  if (extra.resets !== undefined) x.family('aimdb_metrics_resets_total', 'counter', 'Times the record and link counters were reset (counters restart at 0).', [[[], extra.resets]]);

  if (extra.devices) {
    const dev = (d: DeviceStatus): Labels => [
      ['device', d.id],
      ['transport', d.transport ?? ''],
    ];
    x.family('aimdb_device_up', 'gauge', 'Whether the device is connected (1) or not (0).', extra.devices.map((d) => [dev(d), d.online ? 1 : 0] as [Labels, number]));
    x.family(
      'aimdb_device_last_seen_timestamp_seconds',
      'gauge',
      'When the device was last heard from, in seconds since the epoch.',
      extra.devices.filter((d) => typeof d.lastSeen === 'number').map((d) => [dev(d), (d.lastSeen as number) / 1000] as [Labels, number]),
    );
  }
  if (extra.aimx) {
    x.family('aimdb_aimx_sessions', 'gauge', 'Open AimX sessions across transports.', [[[], extra.aimx.sessions]]);
    x.family('aimdb_aimx_refused_total', 'counter', 'AimX connections refused because the session limit was reached.', [[[], extra.aimx.refused]]);
    const closed = extra.aimx.closed;
    if (closed) {
      x.family(
        'aimdb_aimx_limit_events_total',
        'counter',
        'AimX connection-limit events: sessions closed (login deadline, frames before login, idle, output overflow), reads paused, failed tokens, frames held by a token backoff.',
        Object.keys(closed).map((k) => [[['event', k]], closed[k]] as [Labels, number]),
      );
    }
  }
  const p = extra.process;
  if (p) {
    x.family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', [[[], p.cpuSeconds]]);
    x.family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [[[], p.residentBytes]]);
    x.family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', [[[], p.startTimeSeconds]]);
    x.family('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap used in bytes.', [[[], p.heapUsedBytes]]);
    if (p.eventLoopDelaySeconds !== undefined) x.family('nodejs_eventloop_delay_p99_seconds', 'gauge', 'Event-loop delay, 99th percentile since the previous scrape, in seconds.', [[[], p.eventLoopDelaySeconds]]);
  }
  return x.text();
}

/** Reads the process gauges (cheap: a few syscalls). */
export function processStats(eventLoopDelaySeconds?: number): ProcessStats {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const s: ProcessStats = {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    residentBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    startTimeSeconds: Math.round((Date.now() - process.uptime() * 1000) / 1000),
  };
  if (eventLoopDelaySeconds !== undefined) s.eventLoopDelaySeconds = eventLoopDelaySeconds;
  return s;
}

/** Options of {@link prometheusHandler}. */
export interface PrometheusHandlerOptions {
  /** Extras computed per scrape (devices, AimX figures). Default: none. */
  extra?: () => PrometheusExtra;
  /** Include process gauges. Default true. */
  process?: boolean;
  /**
   * An event-loop delay histogram (`perf_hooks.monitorEventLoopDelay()`, enabled by the caller);
   * each scrape reports its p99 and resets it. Default: not measured.
   */
  eventLoopDelay?: { percentile(p: number): number; reset(): void };
}

/**
 * An HTTP handler serving the exposition (GET/HEAD; anything else is 405). Mount it at `/metrics`.
 *
 * @example
 * http.createServer((req, res) => req.url === '/metrics' ? handler(req, res) : res.writeHead(404).end());
 */
export function prometheusHandler(db: MetricsSource, options: PrometheusHandlerOptions = {}): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    let body: string;
    try {
      const extra = options.extra ? options.extra() : {};
      if (options.process !== false && !extra.process) {
        const h = options.eventLoopDelay;
        let delay: number | undefined;
        if (h) {
          // Nanoseconds; NaN before the first sample.
          const p99 = h.percentile(99);
          delay = p99 === p99 ? p99 / 1e9 : 0;
          h.reset();
        }
        extra.process = processStats(delay);
      }
      body = renderPrometheus(db, extra);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed: ' + String(e) + '\n');
      return;
    }
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
