import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEnv, checkConfig, loadConfig, MAX_CONFIG_BYTES, valueMismatch, type ConfigError, type ValueSchema } from '../../bridge/gateway/config.js';

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
        'edge.yaml: brokr: unknown key (expected one of: node_id, prefix, log, broker, embedded_broker, devices, remote, dashboard, ownership, history)',
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

describe('gateway config: security keys', () => {
  it('refuses a network endpoint without a token unless insecure, and placeholder tokens', () => {
    expect(problems(() => checkConfig({ remote: { ws: '0.0.0.0:7351' } }))).to.deep.equal([
      '<inline>: remote.token: remote.ws (0.0.0.0:7351) serves the network without a token: set remote.token, or remote.insecure: true to run it open',
    ]);
    expect(problems(() => checkConfig({ dashboard: { host: '0.0.0.0' } }))[0]).to.contain('dashboard (0.0.0.0)');
    expect(checkConfig({ remote: { tcp: '0.0.0.0:7350', insecure: true } }).remote.insecure).to.equal(true);
    expect(checkConfig({ remote: { tcp: '127.0.0.1:7350' } }).remote.token).to.equal(undefined);
    expect(problems(() => checkConfig({ remote: { tcp: '127.0.0.1:1', token: null } }))[0]).to.contain('remote.token: empty');
    expect(problems(() => checkConfig({ remote: { tcp: '127.0.0.1:1', token: 'None' } }))[0]).to.contain('reads as "no token"');
    const raw: { [k: string]: unknown } = {};
    applyEnv(raw, { AIMDB_REMOTE__TOKEN: 'null', AIMDB_BROKER__PASSWORD: '123' });
    expect(raw).to.deep.equal({ remote: { token: 'null' }, broker: { password: '123' } });
  });

  it('checks broker users and value schemas, naming each mistake', () => {
    expect(
      problems(() =>
        checkConfig({
          embedded_broker: { users: [{ username: 'u' }, { username: 'v', password: 'p', node: 'a b', publish: ['a/#/b'] }, 'x'], anonymous_publish: ['+x'] },
          devices: [{ name: 'd', transport: 'tcp://h:1', schemas: { 'a.b': { type: 'thing' }, 'a.c': { properties: { x: { maximum: 'big' } } }, 'a.d': { pattern: '.*' } } }],
        }),
      ),
    ).to.deep.equal([
      "<inline>: embedded_broker.anonymous_publish: '+x' is not a valid MQTT topic filter",
      '<inline>: embedded_broker.users[0].password: required',
      '<inline>: embedded_broker.users[1].node: use letters, digits, - and _ only',
      "<inline>: embedded_broker.users[1]: 'a/#/b' is not a valid MQTT topic filter",
      '<inline>: embedded_broker.users[2]: expected a mapping, got string "x"',
      "<inline>: devices[0].schemas.a.b: unknown type 'thing'",
      '<inline>: devices[0].schemas.a.c: properties.x: maximum: expected a number',
      "<inline>: devices[0].schemas.a.d: unsupported schema keyword 'pattern' (supported: type, properties, required, additionalProperties, minimum, maximum, maxLength, maxItems, items, enum, description)",
    ]);
  });

  it('matches values against a schema and names the first mismatch', () => {
    const s: ValueSchema = { type: 'object', required: ['open'], properties: { open: { type: 'boolean' }, n: { type: 'integer', minimum: 0, maximum: 9 }, tags: { type: 'array', maxItems: 2, items: { type: 'string', maxLength: 3 } } }, additionalProperties: false };
    expect(valueMismatch(s, { open: true, n: 3, tags: ['a'] })).to.equal(undefined);
    expect([null, { open: 'yes' }, {}, { open: true, x: 1 }, { open: true, n: 1.5 }, { open: true, n: 10 }, { open: true, tags: ['a', 'b', 'c'] }, { open: true, tags: ['long'] }].map((v) => valueMismatch(s, v))).to.deep.equal([
      'value: expected object, got null',
      'value.open: expected boolean, got string',
      'value.open: required',
      'value.x: not allowed',
      'value.n: expected integer, got number',
      'value.n: above the maximum 9',
      'value.tags: more than 2 items',
      'value.tags[0]: longer than 3',
    ]);
    expect(valueMismatch({ enum: ['a', 1] }, 'b')).to.equal('value: expected one of ["a",1]');
    expect(valueMismatch({ type: 'number' }, Infinity)).to.equal('value: not a finite number');
  });

  it('refuses a config file over the size limit before parsing it', () => {
    const p = file('huge.yaml', '#'.repeat(MAX_CONFIG_BYTES + 1));
    expect(problems(() => loadConfig(p))).to.deep.equal([`${p}: too large`]);
  });
});
