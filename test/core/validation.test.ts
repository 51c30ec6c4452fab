import { expect } from 'chai';
import {
  builder,
  key,
  manualRuntime,
  ring,
  singleLatest,
  mailbox,
  isAimError,
  type Connector,
  type InvalidConfiguration,
  type Builder,
} from '../../core/index.js';

interface T1 {
  v: number;
}
const A = key<T1>('a', 'T1');
const B = key<T1>('b', 'T1');
const C = key<T1>('c', 'T1');

const fakeMqtt: Connector = { schemes: ['mqtt'], start() {}, stop() {} };
const ser = () => 'x';
const de = () => ({ v: 1 });

function problems(b: Builder): string[] {
  try {
    b.build();
  } catch (e) {
    expect(isAimError(e, 'INVALID_CONFIGURATION')).to.equal(true);
    return (e as InvalidConfiguration).problems.map((p) => `${p.key}${p.url ? ' (' + p.url + ')' : ''}: ${p.message}`);
  }
  throw new Error('build() did not throw');
}

function b0(): Builder {
  return builder(manualRuntime()).withConnector(fakeMqtt);
}

describe('core/validate', () => {
  describe('build()', () => {
    it('builds a valid configuration', () => {
      const db = b0()
        .configure(A, (r) => r.buffer(ring(4)).source(() => {}))
        .configure(B, (r) => r.buffer(singleLatest()).transform(A, (t) => t.map((v) => v)))
        .build();
      expect(db.records().map((r) => r.key)).to.deep.equal(['a', 'b']);
    });

    it('rejects two kinds of writer on one key (source + linkFrom)', () => {
      const p = problems(
        b0().configure(A, (r) =>
          r
            .buffer(ring(4))
            .source(() => {})
            .linkFrom('mqtt://a')
            .withDeserializer(de)
            .finish(),
        ),
      );
      expect(p).to.deep.equal(['a: more than one kind of writer (source, linkFrom): every key has exactly one authoritative producer']);
    });

    it('rejects source + transform on one key', () => {
      const p = problems(
        b0()
          .configure(A, (r) => r.buffer(ring(4)))
          .configure(B, (r) => r.buffer(ring(4)).source(() => {}).transform(A, (t) => t.map((v) => v))),
      );
      expect(p).to.deep.equal(['b: more than one kind of writer (source, transform): every key has exactly one authoritative producer']);
    });

    it('rejects a second source', () => {
      expect(problems(b0().configure(A, (r) => r.buffer(ring(4)).source(() => {}).source(() => {})))).to.deep.equal(['a: 2 sources configured; at most one is allowed']);
    });

    it('rejects a second transform', () => {
      const p = problems(
        b0()
          .configure(A, (r) => r.buffer(ring(4)))
          .configure(B, (r) =>
            r
              .buffer(ring(4))
              .transform(A, (t) => t.map((v) => v))
              .transform(A, (t) => t.map((v) => v)),
          ),
      );
      expect(p).to.deep.equal(['b: 2 transforms configured; at most one transform or transformJoin is allowed']);
    });

    it('rejects a key reused with a different value type', () => {
      const A2 = key<{ other: string }>('a', 'Other');
      const p = problems(b0().configure(A, (r) => r.buffer(ring(4))).configure(A2, (r) => r.buffer(ring(4))));
      expect(p).to.include("a: key reused with a different value type ('T1' and 'Other')");
    });

    it('adds to a record configured again with the same type', () => {
      const seen: string[] = [];
      const db = b0()
        .configure(A, (r) => r.buffer(ring(4)))
        .configure(A, (r) => r.tap(() => void seen.push('tap')))
        .build();
      db.start();
      expect(seen).to.deep.equal(['tap']);
      expect(db.graph().nodes[0].tapCount).to.equal(1);
    });

    it('rejects an invalid link URL', () => {
      expect(problems(b0().configure(A, (r) => r.buffer(ring(4)).linkTo('not a url').withSerializer(ser).finish()))).to.deep.equal([
        "a (not a url): invalid link URL: link URL 'not a url' has no scheme (expected scheme://address)",
      ]);
    });

    it('rejects a link without serializer or deserializer', () => {
      const p = problems(
        b0().configure(A, (r) => r.buffer(ring(4)).linkTo('mqtt://out').finish().linkFrom('mqtt://in').finish()),
      );
      expect(p).to.include('a (mqtt://out): linkTo without a serializer: call withSerializer()');
      expect(p).to.include('a (mqtt://in): linkFrom without a deserializer: call withDeserializer()');
    });

    it('rejects a scheme with no registered connector', () => {
      expect(problems(b0().configure(A, (r) => r.buffer(ring(4)).linkTo('knx://1/2/3').withSerializer(ser).finish()))).to.deep.equal([
        "a (knx://1/2/3): no connector registered for scheme 'knx'",
      ]);
    });

    it('rejects a link that was never finished', () => {
      expect(problems(b0().configure(A, (r) => r.buffer(ring(4)).linkTo('mqtt://x').withSerializer(ser)))).to.deep.equal(['a (mqtt://x): link not finished: call finish()']);
    });

    it('reports what a connector says is wrong with a link', () => {
      const strict: Connector = { schemes: ['serial'], validate: (l) => (l.address === 'bad' ? 'unknown port' : undefined), start() {}, stop() {} };
      const p = problems(builder(manualRuntime()).withConnector(strict).configure(A, (r) => r.buffer(ring(4)).linkTo('serial://bad').withSerializer(ser).finish()));
      expect(p).to.deep.equal(['a (serial://bad): unknown port']);
    });

    it('rejects wildcards in an outbound MQTT topic', () => {
      expect(problems(b0().configure(A, (r) => r.buffer(ring(4)).linkTo('mqtt://a/+/b').withSerializer(ser).finish()))).to.deep.equal([
        'a (mqtt://a/+/b): an outbound MQTT topic cannot contain wildcards (+ or #)',
      ]);
    });

    it('rejects a linked, tapped, transformed or remotely accessible record without a buffer', () => {
      const p = problems(
        b0()
          .configure(A, (r) => r.linkTo('mqtt://a').withSerializer(ser).finish())
          .configure(B, (r) => r.tap(() => {}))
          .configure(C, (r) => r.remote()),
      );
      expect(p).to.deep.equal([
        'a: no buffer, but the record is linked: configure ring(n), singleLatest() or mailbox()',
        'b: no buffer, but the record is tapped: configure ring(n), singleLatest() or mailbox()',
        'c: no buffer, but the record is remotely accessible: configure ring(n), singleLatest() or mailbox()',
      ]);
    });

    it('rejects capacity < 1 and a non-integer capacity', () => {
      expect(problems(b0().configure(A, (r) => r.buffer(ring(0))).configure(B, (r) => r.buffer(ring(2.5))))).to.deep.equal([
        'a: buffer capacity must be an integer >= 1 (got 0)',
        'b: buffer capacity must be an integer >= 1 (got 2.5)',
      ]);
    });

    it('rejects a bad numeric layout', () => {
      const p = problems(
        b0()
          .configure(A, (r) => r.buffer(ring(4, { layout: { v: 'f16' as never } })))
          .configure(B, (r) => r.buffer({ ...singleLatest(), layout: { v: 'f32' } })),
      );
      expect(p).to.deep.equal(["a: layout field 'v' has unknown number kind 'f16'", 'b: a numeric layout is only supported on ring buffers']);
    });

    it('rejects a transform input that does not exist', () => {
      expect(problems(b0().configure(B, (r) => r.buffer(ring(4)).transform(A, (t) => t.map((v) => v))))).to.deep.equal([
        "b (a): transform input 'a' is not a configured record",
      ]);
    });

    it('rejects a cycle among transforms', () => {
      const p = problems(
        b0()
          .configure(A, (r) => r.buffer(ring(4)).transform(C, (t) => t.map((v) => v)))
          .configure(B, (r) => r.buffer(ring(4)).transform(A, (t) => t.map((v) => v)))
          .configure(C, (r) => r.buffer(ring(4)).transformJoin((j) => j.input(B).onTriggers(() => {}))),
      );
      expect(p).to.deep.equal(['a: transforms form a cycle: a -> b -> c -> a']);
    });

    it('rejects a join without inputs or handler', () => {
      const p = problems(b0().configure(A, (r) => r.buffer(mailbox()).transformJoin((j) => j.queue(0) as never)));
      expect(p).to.deep.equal(['a: transformJoin has no inputs', 'a: transformJoin has no onTriggers handler', 'a: transformJoin queue capacity must be an integer >= 1']);
    });

    it('rejects a database without a runtime adapter', () => {
      expect(problems(builder().configure(A, (r) => r.buffer(ring(1))))).to.deep.equal([': no runtime adapter: call builder(adapter) or .runtime(adapter)']);
    });

    it('reports every mistake at once, each with its record key and URL, in one error message', () => {
      let message = '';
      try {
        builder()
          .configure(A, (r) => r.buffer(ring(0)).source(() => {}).linkFrom('mqtt://x').withDeserializer(de).finish())
          .configure(B, (r) => r.buffer(ring(2)).linkTo('nope://y').withSerializer(ser).finish())
          .build();
      } catch (e) {
        message = (e as Error).message;
        expect((e as InvalidConfiguration).problems).to.have.length(5);
      }
      expect(message).to.equal(
        [
          'InvalidConfiguration: 5 problem(s)',
          '  - database: no runtime adapter: call builder(adapter) or .runtime(adapter)',
          "  - record 'a': more than one kind of writer (source, linkFrom): every key has exactly one authoritative producer",
          "  - record 'a': buffer capacity must be an integer >= 1 (got 0)",
          "  - record 'a' (mqtt://x): no connector registered for scheme 'mqtt'",
          "  - record 'b' (nope://y): no connector registered for scheme 'nope'",
        ].join('\n'),
      );
    });

    it('runs nothing when build() fails', () => {
      let ran = false;
      try {
        b0()
          .configure(A, (r) => r.buffer(ring(0)).source(() => void (ran = true)))
          .run();
      } catch {
        /* expected */
      }
      expect(ran).to.equal(false);
    });
  });
});

describe('core/keys', () => {
  it('rejects wildcards, whitespace and empty segments in key names', async () => {
    const { key: mk, keyTable } = await import('../../core/index.js');
    for (const bad of ['', 'a b', 'a.*', 'a.#', 'a+b', '.a', 'a.', 'a..b']) expect(() => mk(bad), bad).to.throw(/key/);
    expect(() => keyTable<{ x: number; y: number }>('p.', { x: { key: 'k' }, y: { key: 'k' } })).to.throw("key table 'p.': variants 'x' and 'y' both define key 'p.k'");
  });

  it('builds a key table from a prefix and variants with link addresses', async () => {
    const { keyTable } = await import('../../core/index.js');
    const t = keyTable<{ temp: number; hum: number }>('climate.zone-a.', { temp: { link: 'mqtt://climate/zone-a/temp' }, hum: { key: 'humidity', type: 'Humidity' } });
    expect(t.temp).to.deep.equal({ name: 'climate.zone-a.temp', type: 'temp', link: 'mqtt://climate/zone-a/temp' });
    expect(t.hum).to.deep.equal({ name: 'climate.zone-a.humidity', type: 'Humidity' });
  });
});
