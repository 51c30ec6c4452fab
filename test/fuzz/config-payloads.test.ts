/**
 * Fuzzing the gateway's configuration loader and the built-in deserializers.
 * - `checkConfig(arbitrary JSON)`: a config, or a ConfigError listing problems; never another exception.
 * - The twins' inbound routes (`jsonPayload` on MQTT links, as-is on device links): arbitrary
 *   payloads never throw out of `deliver`, and each one is counted: received = produced + decodeErrors.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { checkConfig } from '../../bridge/gateway/config.js';
import { buildTwinDatabase, jsonPayload, planTwins } from '../../bridge/gateway/twins.js';
import type { Connector, ConnectorContext, InboundRoute } from '../../core/index.js';
import { nodeRuntime } from '../../targets/node/index.js';
import { bounded, runs } from './runs.js';

const KEYS = ['node_id', 'prefix', 'log', 'broker', 'embedded_broker', 'devices', 'remote', 'dashboard', 'ownership', 'name', 'transport', 'mqtt', 'records', 'include', 'reconnect_ms', 'url', 'port', 'host', 'level', 'key', 'buffer', 'capacity', 'writable', 'topic', 'tcp', 'token', 'enabled', 'refuse', '__proto__', 'constructor', 'toString'];
const leaf = fc.oneof(fc.constantFrom('aimdb', 'mqtt://127.0.0.1:1883', 'sim://x', 'spmc_ring', 'mailbox', 'single_latest', 'debug', 'json', '', '#', 'a.b', '127.0.0.1:0'), fc.integer({ min: -5, max: 70000 }), fc.boolean(), fc.constant(null), fc.double(), fc.string());
/** Config-shaped documents: the real keys, nested, with values of every type. */
const configLike = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('obj'), tie('arr')),
  obj: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string()), tie('node'), { maxKeys: 6 }),
  arr: fc.array(tie('node'), { maxLength: 4 }),
})).node;

describe('fuzz: gateway config and deserializers', () => {
  describe('checkConfig', () => {
    it('returns a config or throws a ConfigError listing problems, for any JSON', () => {
      fc.assert(
        fc.property(fc.oneof(configLike, fc.jsonValue()), (raw) => {
          try {
            const cfg = bounded(200, () => checkConfig(raw));
            expect(cfg).to.be.an('object');
            expect(cfg.devices).to.be.an('array');
          } catch (e) {
            const err = e as { code?: string; problems?: unknown };
            expect(err.code, String(e)).to.equal('INVALID_CONFIGURATION');
            expect(err.problems).to.be.an('array').that.is.not.empty;
            for (const p of err.problems as unknown[]) expect(p).to.be.a('string');
          }
        }),
        runs(3000),
      );
    });
  });

  describe('twin inbound routes', () => {
    const captured: { [scheme: string]: InboundRoute[] } = {};
    const fake = (scheme: string): Connector => ({
      schemes: [scheme],
      validate: () => undefined,
      start(ctx: ConnectorContext) {
        captured[scheme] = ctx.inbound;
        for (const r of ctx.outbound) r.send = () => {};
      },
      stop() {},
    });
    const cfg = checkConfig({
      devices: [{ name: 'b', mqtt: { node: 'b' }, records: [{ key: 'r', buffer: 'spmc_ring' }, { key: 's', buffer: 'single_latest' }, { key: 'm', buffer: 'mailbox', writable: true }] }],
    });
    const db = buildTwinDatabase(nodeRuntime({ sink: () => {} }), 'fz', planTwins(cfg, new Map()), [fake('mqtt'), fake('device')]);
    db.start();
    after(() => db.stop());

    const payload = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 200 }), fc.json().map((j) => j), fc.string({ unit: 'binary', maxLength: 100 }));

    it('jsonPayload on MQTT links: never throws out of deliver; received = produced + decodeErrors', () => {
      const routes = captured.mqtt;
      expect(routes.length).to.equal(2);
      fc.assert(
        fc.property(fc.array(payload, { maxLength: 10 }), (ps) => {
          for (const r of routes) {
            const before = { ...r.metrics };
            const produced0 = db.metrics({ name: r.key, type: '' }).produced;
            let ok = 0;
            bounded(100, () => {
              for (const p of ps) if (r.deliver(p, r.link.address)) ok++;
            });
            expect(r.metrics.received - before.received).to.equal(ps.length);
            expect(r.metrics.decodeErrors - before.decodeErrors + ok).to.equal(ps.length);
            expect(db.metrics({ name: r.key, type: '' }).produced - produced0).to.equal(ok);
          }
        }),
        runs(1500),
      );
    });

    it('jsonPayload itself throws only SyntaxError (caught and counted by deliver)', () => {
      fc.assert(
        fc.property(payload, (p) => {
          try {
            jsonPayload(p);
          } catch (e) {
            expect(e).to.be.instanceOf(SyntaxError);
          }
        }),
        runs(2000),
      );
    });
  });
});
