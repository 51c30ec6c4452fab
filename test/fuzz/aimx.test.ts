/**
 * Fuzzing AimX (core/aimx): the frame parser, a server session on a real database, and the client.
 * Arbitrary frames never throw out, never hang, and each one is counted (frames, badFrames); a
 * frame that reaches dispatch never raises an internal error (logged as `aimx: … failed`).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { builder, key, mailbox, ring, singleLatest } from '../../core/index.js';
import { aimxServer, parseFrame, AimxClient } from '../../core/aimx/index.js';
import { nodeRuntime } from '../../targets/node/index.js';
import { bounded, runs } from './runs.js';

const TYPES = ['req', 'reply', 'sub', 'subscribed', 'snap', 'event', 'unsub', 'write', 'ping', 'pong', 'nope', ''];
const METHODS = ['hello', 'record.list', 'record.get', 'record.set', 'record.drain', 'graph.nodes', 'graph.edges', 'graph.topo_order', 'buffer_metrics.reset', 'x'];
const NAMES = ['f.ring', 'f.latest', 'f.box', 'f.#', '*', '#', 'missing', ''];

const anyValue = fc.oneof(fc.jsonValue(), fc.constantFrom(...NAMES), fc.integer(), fc.constant(undefined));
/** Frames that look like AimX: right type, plausible fields, each possibly wrong. */
const frameLike = fc
  .record(
    {
      t: fc.constantFrom(...TYPES),
      id: fc.oneof(fc.nat(1000), fc.integer(), fc.double(), fc.string()),
      method: fc.oneof(fc.constantFrom(...METHODS), fc.string()),
      params: fc.oneof(
        fc.record({ name: fc.constantFrom(...NAMES), value: anyValue, limit: fc.oneof(fc.integer(), fc.string()), version: fc.constantFrom('3.0', '2.0', 'x', 3), client: fc.string(), token: fc.string() }, { requiredKeys: [] }),
        fc.jsonValue(),
      ),
      topic: fc.oneof(fc.constantFrom(...NAMES), fc.string()),
      sub: fc.oneof(fc.constantFrom('1', '2', '3'), fc.string()),
      seq: fc.oneof(fc.nat(100), fc.integer(), fc.double()),
      payload: anyValue,
      data: anyValue,
      ok: anyValue,
      err: fc.oneof(fc.constantFrom('not_found', 'denied', 'internal'), fc.string()),
      last: fc.boolean(),
    },
    { requiredKeys: ['t'] },
  )
  .map((f) => JSON.stringify(f));
const anyText = fc.oneof({ weight: 4, arbitrary: frameLike }, { weight: 1, arbitrary: fc.json() }, { weight: 1, arbitrary: fc.string({ maxLength: 200 }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) });

function fixture() {
  const errors: string[] = [];
  const rt = nodeRuntime({ onLog: (r) => void (r.level === 'error' && errors.push(r.message)) });
  const db = builder(rt)
    .nodeId('fuzz')
    .configure(key<unknown>('f.ring'), (r) => r.buffer(ring(8)).remote({ writable: true }))
    .configure(key<unknown>('f.latest'), (r) => r.buffer(singleLatest()).remote({ writable: true }))
    .configure(key<unknown>('f.box'), (r) => r.buffer(mailbox()).remote({ writable: true }))
    .build();
  db.start();
  return { db, errors, server: aimxServer(db, { writable: ['f.ring', 'f.latest', 'f.box'] }) };
}

describe('fuzz: AimX', () => {
  describe('parseFrame', () => {
    it('never throws: a frame, or an error code', () => {
      fc.assert(
        fc.property(anyText, (t) => {
          const r = bounded(100, () => parseFrame(t));
          expect((r.frame === null) !== (r.error === '')).to.equal(true);
        }),
        runs(5000),
      );
    });
  });

  describe('AimxSession.receive', () => {
    it('counts every frame, never throws, never fails internally, always answers a bad one', () => {
      const fx = fixture();
      try {
        fc.assert(
          fc.property(fc.array(anyText, { minLength: 1, maxLength: 20 }), fc.boolean(), (texts, trusted) => {
            let sent = 0;
            const s = fx.server.open({ send: () => void sent++, close: () => {} }, { transport: 'fuzz', trusted })!;
            try {
              bounded(500, () => {
                for (const t of texts) s.receive(t);
              });
              expect(s.stats.frames).to.equal(texts.length);
              const bad = texts.filter((t) => parseFrame(t).frame === null).length;
              expect(s.stats.badFrames).to.be.at.least(bad);
              expect(fx.errors, 'internal errors').to.deep.equal([]);
            } finally {
              s.close();
            }
          }),
          runs(1500),
        );
      } finally {
        fx.db.stop();
      }
    });
  });

  describe('AimxClient.receive', () => {
    it('never throws; unusable frames are counted', () => {
      fc.assert(
        fc.property(fc.array(anyText, { maxLength: 20 }), (texts) => {
          const c = new AimxClient(() => {});
          const updates: number[] = [];
          c.subscribe('f.ring', { onUpdate: (u) => updates.push(u.seq), onError: () => {} });
          c.call('record.list', null, () => {});
          bounded(200, () => {
            for (const t of texts) c.receive(t);
          });
          const bad = texts.filter((t) => parseFrame(t).frame === null).length;
          expect(c.stats.badFrames).to.be.at.least(bad);
          // Delivered updates increase in seq (older ones are counted, not delivered), except where
          // the numbering started over, each such step counted as a restart.
          let backwards = 0;
          for (let i = 1; i < updates.length; i++) if (!(updates[i] > updates[i - 1])) backwards++;
          expect(backwards).to.be.at.most(c.stats.restarts);
          c.close('done');
        }),
        runs(2000),
      );
    });
  });
});
