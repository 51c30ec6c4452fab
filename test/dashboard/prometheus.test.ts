import { expect } from 'chai';
import { manualRuntime } from '../../core/index.js';
import type { RecordInfo } from '../../core/index.js';
import { escapeHelp, escapeLabelValue, formatValue, processStats, renderPrometheus, type MetricsSource } from '../../bridge/metrics/prometheus.js';
import { dashboardDb, K, loopbackConnector } from './fixture.js';
import { parsePrometheus } from './promparse.js';

/** The fixture after 300 virtual ms (3 temps, 1 count), 3 inbound payloads (one bad) and 2 setpoints. */
function knownDb() {
  const rt = manualRuntime();
  const conn = loopbackConnector();
  const db = dashboardDb(rt, conn, { periodMs: 100 });
  db.start();
  rt.advance(300);
  conn.deliver('12');
  conn.deliver('bad');
  conn.deliver('5');
  db.set(K.setpoint, 20);
  db.set(K.setpoint, 21);
  rt.runUntilIdle();
  return { db, rt };
}

/** A metrics source with hand-made rows (keys the core would refuse, to test escaping). */
function fakeSource(keys: string[], url: string): MetricsSource {
  const zero = { sent: 0, received: 0, decodeErrors: 0, encodeErrors: 0, dropped: 0, queued: 0, gaps: 0 };
  return {
    nodeId: 'n"1',
    runtimeName: 'node',
    records: () =>
      keys.map(
        (key, id): RecordInfo => ({
          id,
          key,
          type: '',
          bufferType: 'spmc_ring',
          bufferCapacity: 4,
          origin: 'passive',
          producerCount: 0,
          consumerCount: 0,
          writable: false,
          hasProducerStage: false,
          metrics: { produced: id + 1, consumed: 0, dropped: 0, rejected: 0, errors: 0, occupancy: 0, capacity: 4 },
          links: [{ direction: 'out', url, metrics: { ...zero, sent: 7 } }],
        }),
      ),
  };
}

describe('bridge/metrics/prometheus', () => {
  describe('renderPrometheus', () => {
    it('renders the known database exactly (golden text)', () => {
      const { db } = knownDb();
      const expected = [
      '# HELP aimdb_info Database identity (value is always 1).',
      '# TYPE aimdb_info gauge',
      'aimdb_info{node="edge-test",runtime="host"} 1',
      '# HELP aimdb_record_produced_total Values produced into the record.',
      '# TYPE aimdb_record_produced_total counter',
      'aimdb_record_produced_total{record="sensor.temp",buffer="spmc_ring"} 3',
      'aimdb_record_produced_total{record="sensor.count",buffer="single_latest"} 1',
      'aimdb_record_produced_total{record="sensor.avg",buffer="single_latest"} 3',
      'aimdb_record_produced_total{record="weather.outdoor",buffer="spmc_ring"} 2',
      'aimdb_record_produced_total{record="alarm.state",buffer="mailbox"} 2',
      'aimdb_record_produced_total{record="app.setpoint",buffer="single_latest"} 2',
      '# HELP aimdb_record_consumed_total Successful reads of the record, summed over its readers.',
      '# TYPE aimdb_record_consumed_total counter',
      'aimdb_record_consumed_total{record="sensor.temp",buffer="spmc_ring"} 9',
      'aimdb_record_consumed_total{record="sensor.count",buffer="single_latest"} 0',
      'aimdb_record_consumed_total{record="sensor.avg",buffer="single_latest"} 3',
      'aimdb_record_consumed_total{record="weather.outdoor",buffer="spmc_ring"} 2',
      'aimdb_record_consumed_total{record="alarm.state",buffer="mailbox"} 0',
      'aimdb_record_consumed_total{record="app.setpoint",buffer="single_latest"} 0',
      '# HELP aimdb_record_dropped_total Values some reader never received (ring lag, SingleLatest collapse, Mailbox overwrite).',
      '# TYPE aimdb_record_dropped_total counter',
      'aimdb_record_dropped_total{record="sensor.temp",buffer="spmc_ring"} 0',
      'aimdb_record_dropped_total{record="sensor.count",buffer="single_latest"} 0',
      'aimdb_record_dropped_total{record="sensor.avg",buffer="single_latest"} 0',
      'aimdb_record_dropped_total{record="weather.outdoor",buffer="spmc_ring"} 0',
      'aimdb_record_dropped_total{record="alarm.state",buffer="mailbox"} 1',
      'aimdb_record_dropped_total{record="app.setpoint",buffer="single_latest"} 0',
      '# HELP aimdb_record_rejected_total Values the record refused (undefined, or a non-object on a numeric-layout ring).',
      '# TYPE aimdb_record_rejected_total counter',
      'aimdb_record_rejected_total{record="sensor.temp",buffer="spmc_ring"} 0',
      'aimdb_record_rejected_total{record="sensor.count",buffer="single_latest"} 0',
      'aimdb_record_rejected_total{record="sensor.avg",buffer="single_latest"} 0',
      'aimdb_record_rejected_total{record="weather.outdoor",buffer="spmc_ring"} 0',
      'aimdb_record_rejected_total{record="alarm.state",buffer="mailbox"} 0',
      'aimdb_record_rejected_total{record="app.setpoint",buffer="single_latest"} 0',
      '# HELP aimdb_record_errors_total Exceptions thrown by the record readers or by the transform or join writing it.',
      '# TYPE aimdb_record_errors_total counter',
      'aimdb_record_errors_total{record="sensor.temp",buffer="spmc_ring"} 0',
      'aimdb_record_errors_total{record="sensor.count",buffer="single_latest"} 0',
      'aimdb_record_errors_total{record="sensor.avg",buffer="single_latest"} 0',
      'aimdb_record_errors_total{record="weather.outdoor",buffer="spmc_ring"} 0',
      'aimdb_record_errors_total{record="alarm.state",buffer="mailbox"} 0',
      'aimdb_record_errors_total{record="app.setpoint",buffer="single_latest"} 0',
      '# HELP aimdb_record_occupancy Items held now (ring: the slowest reader backlog).',
      '# TYPE aimdb_record_occupancy gauge',
      'aimdb_record_occupancy{record="sensor.temp",buffer="spmc_ring"} 0',
      'aimdb_record_occupancy{record="sensor.count",buffer="single_latest"} 1',
      'aimdb_record_occupancy{record="sensor.avg",buffer="single_latest"} 1',
      'aimdb_record_occupancy{record="weather.outdoor",buffer="spmc_ring"} 0',
      'aimdb_record_occupancy{record="alarm.state",buffer="mailbox"} 1',
      'aimdb_record_occupancy{record="app.setpoint",buffer="single_latest"} 1',
      '# HELP aimdb_record_capacity Buffer capacity in items (0 without a buffer).',
      '# TYPE aimdb_record_capacity gauge',
      'aimdb_record_capacity{record="sensor.temp",buffer="spmc_ring"} 16',
      'aimdb_record_capacity{record="sensor.count",buffer="single_latest"} 1',
      'aimdb_record_capacity{record="sensor.avg",buffer="single_latest"} 1',
      'aimdb_record_capacity{record="weather.outdoor",buffer="spmc_ring"} 8',
      'aimdb_record_capacity{record="alarm.state",buffer="mailbox"} 1',
      'aimdb_record_capacity{record="app.setpoint",buffer="single_latest"} 1',
      '# HELP aimdb_record_consumers Live readers of the record.',
      '# TYPE aimdb_record_consumers gauge',
      'aimdb_record_consumers{record="sensor.temp",buffer="spmc_ring"} 3',
      'aimdb_record_consumers{record="sensor.count",buffer="single_latest"} 0',
      'aimdb_record_consumers{record="sensor.avg",buffer="single_latest"} 1',
      'aimdb_record_consumers{record="weather.outdoor",buffer="spmc_ring"} 1',
      'aimdb_record_consumers{record="alarm.state",buffer="mailbox"} 0',
      'aimdb_record_consumers{record="app.setpoint",buffer="single_latest"} 0',
      '# HELP aimdb_link_sent_total Messages handed to the transport.',
      '# TYPE aimdb_link_sent_total counter',
      'aimdb_link_sent_total{record="sensor.temp",direction="out",url="mqtt://site/temp"} 3',
      '# HELP aimdb_link_encode_errors_total Outbound values the serializer rejected.',
      '# TYPE aimdb_link_encode_errors_total counter',
      'aimdb_link_encode_errors_total{record="sensor.temp",direction="out",url="mqtt://site/temp"} 0',
      '# HELP aimdb_link_dropped_total Outbound messages dropped (offline queue overflow, transport refusal).',
      '# TYPE aimdb_link_dropped_total counter',
      'aimdb_link_dropped_total{record="sensor.temp",direction="out",url="mqtt://site/temp"} 0',
      '# HELP aimdb_link_queued Outbound messages waiting in the offline queue.',
      '# TYPE aimdb_link_queued gauge',
      'aimdb_link_queued{record="sensor.temp",direction="out",url="mqtt://site/temp"} 0',
      '# HELP aimdb_link_received_total Messages received from the transport, before decoding.',
      '# TYPE aimdb_link_received_total counter',
      'aimdb_link_received_total{record="weather.outdoor",direction="in",url="mqtt://weather/outdoor"} 3',
      '# HELP aimdb_link_decode_errors_total Inbound payloads the deserializer rejected.',
      '# TYPE aimdb_link_decode_errors_total counter',
      'aimdb_link_decode_errors_total{record="weather.outdoor",direction="in",url="mqtt://weather/outdoor"} 1',
      '# HELP aimdb_link_gaps_total Sequence gaps detected on inbound ring messages (values lost upstream or in transit).',
      '# TYPE aimdb_link_gaps_total counter',
      'aimdb_link_gaps_total{record="weather.outdoor",direction="in",url="mqtt://weather/outdoor"} 0',
      '# HELP aimdb_scheduler_deliveries_total Deliveries made by the cooperative scheduler.',
      '# TYPE aimdb_scheduler_deliveries_total counter',
      'aimdb_scheduler_deliveries_total 19',
      '# HELP aimdb_scheduler_drains_total Scheduler drain passes run.',
      '# TYPE aimdb_scheduler_drains_total counter',
      'aimdb_scheduler_drains_total 8',
      '# HELP aimdb_scheduler_queued Deliveries waiting in the scheduler queue.',
      '# TYPE aimdb_scheduler_queued gauge',
      'aimdb_scheduler_queued 0',
      '# HELP aimdb_join_triggers_total Triggers handled by a transformJoin.',
      '# TYPE aimdb_join_triggers_total counter',
      'aimdb_join_triggers_total{record="alarm.state"} 5',
      '# HELP aimdb_join_stalls_total Times a transformJoin queue was full and applied backpressure.',
      '# TYPE aimdb_join_stalls_total counter',
      'aimdb_join_stalls_total{record="alarm.state"} 0',
      ].join('\n') + '\n';
      expect(renderPrometheus(db)).to.equal(expected);
      db.stop();
    });

    it('produces text the strict 0.0.4 parser accepts, with HELP and TYPE for every family', () => {
      const { db } = knownDb();
      const text = renderPrometheus(db, {
        devices: [
          { id: 'esp32-a', online: true, transport: 'serial', lastSeen: 1700000000000 },
          { id: 'pico-b', online: false },
        ],
        aimx: { sessions: 2, refused: 1 },
        resets: 0,
        process: processStats(0.002),
      });
      const families = parsePrometheus(text);
      for (const f of families) {
        expect(f.help, f.name).to.be.a('string');
        expect(f.type, f.name).to.be.oneOf(['counter', 'gauge']);
        if (f.type === 'counter') expect(f.name, 'counter names end in _total').to.match(/_total$/);
      }
      const byName = new Map(families.map((f) => [f.name, f]));
      expect(byName.get('aimdb_device_up')!.samples).to.deep.equal([
        { name: 'aimdb_device_up', labels: { device: 'esp32-a', transport: 'serial' }, value: 1 },
        { name: 'aimdb_device_up', labels: { device: 'pico-b', transport: '' }, value: 0 },
      ]);
      expect(byName.get('aimdb_device_last_seen_timestamp_seconds')!.samples).to.deep.equal([
        { name: 'aimdb_device_last_seen_timestamp_seconds', labels: { device: 'esp32-a', transport: 'serial' }, value: 1700000000 },
      ]);
      expect(byName.get('aimdb_aimx_sessions')!.samples[0].value).to.equal(2);
      expect(byName.get('aimdb_aimx_refused_total')!.samples[0].value).to.equal(1);
      expect(byName.get('process_resident_memory_bytes')!.samples[0].value).to.be.greaterThan(0);
      expect(byName.get('nodejs_eventloop_delay_p99_seconds')!.samples[0].value).to.equal(0.002);
      db.stop();
    });

    it('escapes backslash, double quote and line feed in label values, and parses back to the same strings', () => {
      const keys = ['plain', 'quo"te', 'back\\slash', 'new\nline', 'all\\"\n\\n', 'uni ✓ {x="y"}'];
      const url = 'mqtt://a/"b"\\c\nd';
      const text = renderPrometheus(fakeSource(keys, url));
      expect(text).to.contain('aimdb_info{node="n\\"1",runtime="node"} 1\n');
      expect(text).to.contain('aimdb_record_produced_total{record="all\\\\\\"\\n\\\\n",buffer="spmc_ring"} 5\n');
      const fam = parsePrometheus(text).find((f) => f.name === 'aimdb_record_produced_total')!;
      expect(fam.samples.map((s) => s.labels.record)).to.deep.equal(keys);
      const sent = parsePrometheus(text).find((f) => f.name === 'aimdb_link_sent_total')!;
      expect(sent.samples.map((s) => s.labels.url)).to.deep.equal(keys.map(() => url));
    });

    it('shows resetMetrics() as counters going back to 0 (a Prometheus counter reset), gauges unchanged', () => {
      const { db } = knownDb();
      const before = parsePrometheus(renderPrometheus(db));
      db.resetMetrics();
      const after = parsePrometheus(renderPrometheus(db));
      const value = (fs: typeof before, name: string, record: string) => fs.find((f) => f.name === name)!.samples.find((s) => s.labels.record === record)!.value;
      expect(value(before, 'aimdb_record_produced_total', 'sensor.temp')).to.equal(3);
      expect(value(after, 'aimdb_record_produced_total', 'sensor.temp')).to.equal(0);
      expect(value(after, 'aimdb_link_received_total', 'weather.outdoor')).to.equal(0);
      expect(value(after, 'aimdb_record_capacity', 'sensor.temp')).to.equal(16);
      db.stop();
    });

    it('keeps counters monotonic between scrapes while the database runs', () => {
      const { db, rt } = knownDb();
      const counters = (text: string) => {
        const m = new Map<string, number>();
        for (const f of parsePrometheus(text)) if (f.type === 'counter') for (const s of f.samples) m.set(s.name + JSON.stringify(s.labels), s.value);
        return m;
      };
      let prev = counters(renderPrometheus(db));
      for (let i = 0; i < 5; i++) {
        rt.advance(250);
        const next = counters(renderPrometheus(db));
        for (const [k, v] of prev) expect(next.get(k), k).to.be.at.least(v);
        prev = next;
      }
      expect(prev.get('aimdb_record_produced_total{"record":"sensor.temp","buffer":"spmc_ring"}')).to.equal(15);
      db.stop();
    });
  });

  describe('escaping helpers', () => {
    it('escapeLabelValue escapes exactly \\, " and \\n', () => {
      expect(escapeLabelValue('a"b\\c\nd\te')).to.equal('a\\"b\\\\c\\nd\te');
    });
    it('escapeHelp escapes \\ and \\n but not quotes', () => {
      expect(escapeHelp('say "hi"\\\n')).to.equal('say "hi"\\\\\\n');
    });
    it('formatValue spells NaN and infinities as the format does', () => {
      expect([NaN, Infinity, -Infinity, 0, 1.5, 1e21].map(formatValue)).to.deep.equal(['NaN', '+Inf', '-Inf', '0', '1.5', '1e+21']);
    });
  });

  describe('the strict test parser', () => {
    const bad: Array<[string, string]> = [
      ['no final newline', 'a 1'],
      ['bad escape', 'a{l="\\t"} 1\n'],
      ['unterminated value', 'a{l="x} 1\n'],
      ['bad value', 'a 1,5\n'],
      ['TYPE after samples', 'a 1\n# TYPE a gauge\n'],
      ['family split', '# TYPE a gauge\na 1\nb 1\na{x="1"} 2\n'],
      ['duplicate series', 'a{x="1"} 1\na{x="1"} 2\n'],
      ['bad metric name', '1a 1\n'],
      ['empty line', 'a 1\n\nb 2\n'],
      ['negative counter', '# TYPE a_total counter\na_total -1\n'],
    ];
    for (const [why, text] of bad) {
      it('rejects ' + why, () => {
        expect(() => parsePrometheus(text)).to.throw();
      });
    }
  });
});
