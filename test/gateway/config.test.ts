import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEnv, checkConfig, loadConfig, type ConfigError } from '../../bridge/gateway/config.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect((e as ConfigError).code).to.equal('INVALID_CONFIGURATION');
    return (e as ConfigError).problems;
  }
  throw new Error('no error');
}

const dir = mkdtempSync(join(tmpdir(), 'aimdb-cfg-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('gateway config', () => {
  describe('checkConfig()', () => {
    it('applies the embedded defaults to an empty document', () => {
      expect(checkConfig({})).to.deep.equal({
        node_id: 'edge',
        prefix: 'aimdb',
        log: { level: 'info', format: 'text' },
        embedded_broker: { host: '127.0.0.1', port: 1883, users: [], anonymous: true, anonymous_publish: ['#'] },
        devices: [],
        remote: { writable: [], insecure: false, allowed_origins: [], max_sessions: 8, login_timeout_ms: 10000, idle_timeout_ms: 300000 },
        dashboard: { enabled: false, host: '127.0.0.1', port: 8080, allowed_hosts: [] },
        ownership: { enabled: true, refuse: true },
      });
    });

    it('accepts a full configuration', () => {
      const cfg = checkConfig({
        node_id: 'edge-1',
        broker: { url: 'mqtts://broker.lan:8883', username: 'u', password: 'p', ca: '/etc/ca.pem' },
        devices: [
          { name: 'pico', transport: 'serial:///dev/ttyACM0?baud=115200', include: ['actuator.#'] },
          { name: 'esp32', mqtt: { node: 'climate-1' }, records: [{ key: 'climate.temp', buffer: 'spmc_ring', capacity: 32 }, { key: 'climate.cmd', buffer: 'mailbox' }] },
        ],
        remote: { tcp: '0.0.0.0:7350', ws: '127.0.0.1:7351', unix: '/run/aimdb.sock', token: 's3cret' },
        dashboard: { port: 8081 },
      });
      expect(cfg.devices[1]).to.deep.equal({
        name: 'esp32',
        mqtt: { node: 'climate-1' },
        records: [
          { key: 'climate.temp', buffer: 'spmc_ring', capacity: 32, writable: false },
          { key: 'climate.cmd', buffer: 'mailbox', capacity: 1, writable: true },
        ],
        include: ['#'],
        reconnect_ms: 500,
        reconnect_max_ms: 10000,
        resync_ms: 1000,
        schemas: {},
        heartbeat_ms: 5000,
      });
      expect(cfg.dashboard).to.deep.equal({ enabled: true, host: '127.0.0.1', port: 8081, allowed_hosts: [] });
    });

    it('names the file and the key of every mistake, all at once', () => {
      expect(
        problems(() =>
          checkConfig(
            {
              node_id: 'edge 1',
              brokr: {},
              broker: { url: 'http://x' },
              log: { level: 'loud' },
              devices: [{ transport: 'com3' }, { name: 'a', transport: 'tcp://h:1', mqtt: { node: 'n' } }, { name: 'a', mqtt: {} }, 42],
              remote: { tcp: 'nowhere', writable: 'all' },
              dashboard: { port: 70000 },
            },
            'edge.yaml',
          ),
        ),
      ).to.deep.equal([
        'edge.yaml: brokr: unknown key (expected one of: node_id, prefix, log, broker, embedded_broker, devices, remote, dashboard, ownership)',
        'edge.yaml: node_id: use letters, digits, - and _ only',
        "edge.yaml: log.level: expected one of debug, info, warn, error, got string \"loud\"",
        "edge.yaml: broker.url: expected mqtt://host[:port] or mqtts://host[:port], got 'http://x'",
        'edge.yaml: devices[0].name: required',
        "edge.yaml: devices[0].transport: expected serial://, tcp://, ws://, unix:// or sim:// URL, got 'com3'",
        'edge.yaml: devices[1]: give either transport or mqtt, not both',
        'edge.yaml: devices[1].records: an MQTT device needs a declared list of records (discovery needs AimX)',
        "edge.yaml: devices[2].name: duplicate device name 'a'",
        'edge.yaml: devices[2].mqtt.node: required',
        'edge.yaml: devices[3]: expected a mapping, got number 42',
        "edge.yaml: remote.tcp: expected host:port, got 'nowhere'",
        'edge.yaml: remote.writable: expected a list of non-empty strings, got string "all"',
        'edge.yaml: dashboard.port: expected an integer from 0 to 65535, got number 70000',
      ]);
    });

    it('rejects bad declared records', () => {
      expect(
        problems(() => checkConfig({ devices: [{ name: 'd', mqtt: { node: 'n' }, records: [{ key: 'a b', buffer: 'queue', capacity: 0 }, 'x'] }] })),
      ).to.deep.equal([
        "<inline>: devices[0].records[0].key: key 'a b' contains whitespace or a wildcard (* # +)",
        '<inline>: devices[0].records[0].buffer: expected one of spmc_ring, single_latest, mailbox, got string "queue"',
        '<inline>: devices[0].records[0].capacity: expected an integer from 1 to 65536, got number 0',
        '<inline>: devices[0].records[1]: expected a mapping, got string "x"',
      ]);
    });
  });

  describe('applyEnv()', () => {
    it('overrides nested keys and list items, parsing JSON scalars', () => {
      const raw: { [k: string]: unknown } = { devices: [{ name: 'pico', transport: 'serial:///dev/ttyACM0' }] };
      const applied = applyEnv(raw, {
        AIMDB_NODE_ID: 'edge-9',
        AIMDB_BROKER__URL: 'mqtt://10.1.2.3:1883',
        AIMDB_DEVICES__0__TRANSPORT: 'serial:///dev/ttyUSB1',
        AIMDB_DASHBOARD__PORT: '9000',
        AIMDB_REMOTE__WRITABLE: '["pico.#"]',
        AIMDB_CONNECT: 'tcp://ignored:1',
        OTHER: 'x',
      });
      expect(applied).to.deep.equal(['AIMDB_BROKER__URL', 'AIMDB_DASHBOARD__PORT', 'AIMDB_DEVICES__0__TRANSPORT', 'AIMDB_NODE_ID', 'AIMDB_REMOTE__WRITABLE']);
      expect(raw).to.deep.equal({
        node_id: 'edge-9',
        broker: { url: 'mqtt://10.1.2.3:1883' },
        devices: [{ name: 'pico', transport: 'serial:///dev/ttyUSB1' }],
        dashboard: { port: 9000 },
        remote: { writable: ['pico.#'] },
      });
    });
  });

  describe('loadConfig()', () => {
    it('loads YAML and JSON files, environment last', () => {
      const y = file('edge.yaml', 'node_id: from-file\ndevices:\n  - name: pico\n    transport: sim://pico\n');
      expect(loadConfig(y, { AIMDB_NODE_ID: 'from-env' }).node_id).to.equal('from-env');
      const j = file('edge.json', '{"prefix": "plant/a"}');
      expect(loadConfig(j).prefix).to.equal('plant/a');
    });

    it('reports malformed YAML and JSON with the file name', () => {
      expect(problems(() => loadConfig(file('bad.yaml', 'devices: [\n  - name: x\n')))[0]).to.match(/^.*bad\.yaml: /);
      expect(() => loadConfig(file('bad.json', '{"a": }'))).to.throw(/bad\.json: not valid JSON/);
      expect(() => loadConfig(file('dup.yaml', 'node_id: a\nnode_id: b\n'))).to.throw(/dup\.yaml: not valid YAML: Map keys must be unique/);
    });

    it('reports a missing file, and a document that is not a mapping', () => {
      expect(() => loadConfig(join(dir, 'missing.yaml'))).to.throw(/missing\.yaml: cannot read/);
      expect(problems(() => loadConfig(file('list.yaml', '- a\n- b\n')))).to.deep.equal([`${join(dir, 'list.yaml')}: (top level): expected a mapping, got a list`]);
    });
  });
});

describe('shipped deployment files', () => {
  it('docs/deploy/edge.yaml is a valid configuration', () => {
    const cfg = loadConfig(join(import.meta.dirname, '../../docs/deploy/edge.yaml'));
    expect(cfg.node_id).to.equal('greenhouse-pi');
    expect(cfg.devices.map((d) => d.name)).to.deep.equal(['pico', 'esp32']);
  });
});
