/** The gateway's `history:` section and `embedded_broker.ws_port`: defaults, and every malformed input reported with its key. */
import { expect } from 'chai';
import { checkConfig, loadConfig, type ConfigError } from '../../bridge/gateway/config.js';
import { parseDuration } from '../../bridge/history/index.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function problems(raw: unknown): string[] {
  try {
    checkConfig(raw, 'edge.yaml');
  } catch (e) {
    expect((e as ConfigError).code).to.equal('INVALID_CONFIGURATION');
    return (e as ConfigError).problems;
  }
  throw new Error('no error');
}

describe('history and MQTT-over-WebSocket configuration', () => {
  it('applies the defaults of a minimal history section', () => {
    expect(checkConfig({ history: { path: '/var/lib/aimdb/h.db' } }).history).to.deep.equal({
      path: '/var/lib/aimdb/h.db',
      records: ['#'],
      max_age_ms: 7 * 86_400_000,
      max_rows: 10_000,
      max_total_rows: 1_000_000,
      flush_ms: 200,
      batch: 1000,
      queue: 50_000,
    });
    expect(checkConfig({}).history).to.equal(undefined);
  });

  it('accepts every key, durations with units', () => {
    const h = checkConfig({ history: { path: 'h.db', records: ['esp32.climate.*', 'pico.#'], max_age: '90m', max_rows: 5, max_total_rows: 50, flush_ms: 50, batch: 10, queue: 100 } }).history!;
    expect(h).to.include({ max_age_ms: 90 * 60_000, max_rows: 5, max_total_rows: 50, flush_ms: 50, batch: 10, queue: 100 });
    expect(h.records).to.deep.equal(['esp32.climate.*', 'pico.#']);
    expect(parseDuration('10m')).to.equal(600_000);
    expect(parseDuration('1.5h')).to.equal(5_400_000);
    expect(parseDuration('250ms')).to.equal(250);
    expect(parseDuration(3000)).to.equal(3000);
  });

  it('reports each malformed history key', () => {
    expect(problems({ history: 'yes' })).to.deep.equal(['edge.yaml: history: expected a mapping, got string "yes"']);
    expect(problems({ history: [] })).to.deep.equal(['edge.yaml: history: expected a mapping, got a list']);
    expect(problems({ history: {} })).to.deep.equal(['edge.yaml: history.path: required (the SQLite file)']);
    expect(problems({ history: { path: 3 } })).to.deep.equal(['edge.yaml: history.path: expected a file path, got number 3']);
    expect(problems({ history: { path: 'a\0b' } })).to.deep.equal(['edge.yaml: history.path: expected a file path, got string "a\\u0000b"']);
    expect(problems({ history: { path: 'h.db', colour: 'red' } })[0]).to.match(/^edge\.yaml: history\.colour: unknown key \(expected one of: path, records/);
    expect(problems({ history: { path: 'h.db', records: 'pico.#' } })).to.deep.equal(['edge.yaml: history.records: expected a list of 1 to 1000 record patterns, got string "pico.#"']);
    expect(problems({ history: { path: 'h.db', records: [] } })).to.deep.equal(['edge.yaml: history.records: expected a list of 1 to 1000 record patterns, got a list']);
    expect(problems({ history: { path: 'h.db', records: ['ok.*', 7, ''] } })).to.have.length(1);
    expect(problems({ history: { path: 'h.db', records: ['pico*', 'a..b', 'x.#y'] } })).to.deep.equal([
      "edge.yaml: history.records[0]: pattern 'pico*' wildcards must be whole segments ('pico*')",
      "edge.yaml: history.records[1]: pattern 'a..b' has an empty segment",
      "edge.yaml: history.records[2]: pattern 'x.#y' wildcards must be whole segments ('#y')",
    ]);
    for (const bad of ['7 days', '-1d', '0s', '', 'd', '1w', true, 0, -5, 1.5, '11000d']) {
      expect(problems({ history: { path: 'h.db', max_age: bad } }), String(bad)).to.have.length(1).and.to.match(/history\.max_age: expected a duration/);
    }
    for (const k of ['max_rows', 'max_total_rows', 'flush_ms', 'batch', 'queue']) {
      for (const bad of [0, -1, 2.5, '10', 1e12, true]) {
        expect(problems({ history: { path: 'h.db', [k]: bad } }), `${k}=${bad}`).to.have.length(1).and.to.match(new RegExp(`history\\.${k}: expected an integer from`));
      }
    }
  });

  it('reports history problems together with the rest of the file', () => {
    expect(problems({ node_id: 'bad id', history: { max_rows: 0 } })).to.deep.equal([
      'edge.yaml: node_id: use letters, digits, - and _ only',
      'edge.yaml: history.path: required (the SQLite file)',
      'edge.yaml: history.max_rows: expected an integer from 1 to 100000000, got number 0',
    ]);
  });

  it('reads the section from YAML and from the environment', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aimdb-hcfg-'));
    const f = path.join(dir, 'edge.yaml');
    fs.writeFileSync(f, 'history:\n  path: /tmp/h.db\n  records: [pico.#]\n  max_age: 24h\n');
    const cfg = loadConfig(f, { AIMDB_HISTORY__MAX_ROWS: '500' });
    expect(cfg.history).to.include({ path: '/tmp/h.db', max_age_ms: 86_400_000, max_rows: 500 });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes embedded_broker.ws_port and rejects a bad one', () => {
    expect(checkConfig({ embedded_broker: { port: 1883, ws_port: 9001 } }).embedded_broker).to.deep.equal({ host: '127.0.0.1', port: 1883, users: [], anonymous: true, anonymous_publish: ['#'], ws_port: 9001 });
    expect(checkConfig({ embedded_broker: { port: 1883 } }).embedded_broker).to.deep.equal({ host: '127.0.0.1', port: 1883, users: [], anonymous: true, anonymous_publish: ['#'] });
    for (const bad of [-1, 65536, 'ws', 1.5, true]) {
      expect(problems({ embedded_broker: { ws_port: bad } }), String(bad)).to.have.length(1).and.to.match(/embedded_broker\.ws_port: expected an integer from 0 to 65535/);
    }
  });
});
