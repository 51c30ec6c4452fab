/**
 * The gateway's configuration: `aimdb edge --config edge.yaml` (or `.json`). Every key can be
 * overridden by an environment variable (`AIMDB_BROKER__URL`, `AIMDB_DEVICES__0__TRANSPORT`, …).
 * Mistakes are reported all at once, each naming the file and the key.
 */
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { aimError, keyNameProblem } from '../../core/index.js';
import { checkHistoryConfig, type HistoryConfig } from '../history/config.js';
import { schemaProblem, type ValueSchema } from './schema.js';
import { applyEnv } from './env.js';

export { schemaProblem, valueMismatch, type ValueSchema } from './schema.js';
export { applyEnv } from './env.js';

/**
 * A client of the embedded broker. A user with `node` is that node: it alone may write
 * `<prefix>/$owners/<node>` and `<prefix>/<node>/…` (other than command topics ending in `/set`).
 * `publish` lists further topic filters it may publish on (commands, say); `subscribe`, what it may
 * subscribe to (default `#`).
 */
export interface BrokerUser {
  username: string;
  password: string;
  node?: string;
  publish: string[];
  subscribe: string[];
}

/** Largest configuration file read, in bytes: a config is a few KB; more is a mistake or an attack. */
export const MAX_CONFIG_BYTES = 1 << 20;
/** Devices in one configuration. */
export const MAX_DEVICES = 256;
/** Declared records per device. */
export const MAX_DECLARED_RECORDS = 1024;
/** Largest ring capacity a twin may have (also the cap on what a device reports). */
export const MAX_RING_CAPACITY = 65536;

/** A record to mirror, declared instead of discovered. */
export interface DeclaredRecord {
  /** Record key on the device. */
  key: string;
  /** Buffer of the twin. */
  buffer: 'spmc_ring' | 'single_latest' | 'mailbox';
  /** Ring capacity (default 64). */
  capacity: number;
  /** Commands from MQTT may be written to it (default: true for mailboxes, false otherwise). */
  writable: boolean;
  /** MQTT devices: the topic the board publishes it on (default `<prefix>/<node>/<key with / for .>`). */
  topic?: string;
  /** MQTT devices: the topic the board takes commands for it on (default `<topic>/set`). */
  command_topic?: string;
}

/** One device mirrored by the gateway. */
export interface DeviceConfig {
  /** Name: prefixes the twins' keys and MQTT topics. */
  name: string;
  /**
   * How to reach the device's AimX server: `serial:///dev/ttyACM0?baud=115200`, `tcp://host:port`,
   * `ws://…`, `unix:///path`, or `sim://<name>` (a stream supplied by the host program, for
   * simulations). Absent for boards that speak MQTT themselves (`mqtt` is set instead).
   */
  transport?: string;
  /** A board that publishes its records to the broker itself: its node id. */
  mqtt?: { node: string };
  /** Auth token for the device's AimX server. */
  token?: string;
  /** Shapes of writable records' values, by device record key: a command that does not match is refused. */
  schemas: { [key: string]: ValueSchema };
  /** A device that answers no ping for this long is marked offline, ms (0: never). Default 5000. */
  heartbeat_ms: number;
  /** `discover` (default for AimX devices: from the device's `record.list`) or a declared list. */
  records: 'discover' | DeclaredRecord[];
  /** AimX patterns of the records to mirror (default `['#']`: all). */
  include: string[];
  /** First reconnect delay, ms (default 500); doubles up to `reconnect_max_ms` (default 10000). */
  reconnect_ms: number;
  reconnect_max_ms: number;
  /**
   * How often SingleLatest twins are re-read from the device (ms; 0: never), so that a state update
   * lost on the line converges within this bound. Default 1000.
   */
  resync_ms: number;
}

/** The whole gateway configuration, defaults applied. */
export interface EdgeConfig {
  /** This gateway's node id (status topic, ownership claims). Default `edge`. */
  node_id: string;
  /** MQTT topic prefix. Default `aimdb`. */
  prefix: string;
  log: { level: 'debug' | 'info' | 'warn' | 'error'; format: 'text' | 'json' };
  /** Upstream broker. Absent: an embedded broker (aedes) on `embedded_broker`. */
  broker?: {
    url: string;
    client_id?: string;
    username?: string;
    password?: string;
    /** PEM file paths for mqtts://. */
    ca?: string;
    cert?: string;
    key?: string;
  };
  /**
   * Where the embedded broker listens when no `broker` is given (default 127.0.0.1:1883), and who
   * may do what on it (see {@link BrokerUser}). Whatever the users, only the gateway writes its
   * ownership claims, its status topic and the topics of its twins. `ws_port` adds MQTT over
   * WebSocket (`ws://host:ws_port/mqtt`) for browser pages; absent: none.
   */
  embedded_broker: { host: string; port: number; users: BrokerUser[]; anonymous: boolean; anonymous_publish: string[]; ws_port?: number };
  devices: DeviceConfig[];
  /** Remote access (AimX) endpoints; each optional. */
  remote: {
    tcp?: string;
    ws?: string;
    unix?: string;
    token?: string;
    writable: string[];
    /** Serve a non-loopback endpoint without a token (refused otherwise). Default false. */
    insecure: boolean;
    /** Browser origins (`http://host:port`) allowed to open the WebSocket endpoint. Default none. */
    allowed_origins: string[];
    /** Connection limits (bridge/aimx/limits.ts). */
    max_sessions: number;
    login_timeout_ms: number;
    idle_timeout_ms: number;
  };
  /** Dashboard and Prometheus `/metrics`. Absent or `port: 0`… see `enabled`. */
  dashboard: { enabled: boolean; host: string; port: number; allowed_hosts: string[] };
  /** Ownership claims across nodes: refuse a second producer of a key (default true). */
  ownership: { enabled: boolean; refuse: boolean };
  /** History of chosen records in SQLite, answering `record.query` (bridge/history). Absent: none. */
  history?: HistoryConfig;
}

/** The error thrown for a bad configuration: one line per problem in `problems`. */
export interface ConfigError extends Error {
  code: 'INVALID_CONFIGURATION';
  problems: string[];
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Collects problems while checking a raw document. */
class Checker {
  problems: string[] = [];
  constructor(readonly file: string) {}
  add(path: string, message: string): void {
    this.problems.push(`${this.file}: ${path || '(top level)'}: ${message}`);
  }
  obj(v: Json | undefined, path: string): { [k: string]: Json } | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.add(path, `expected a mapping, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }
  keys(o: { [k: string]: Json }, path: string, allowed: string[]): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.add(join(path, k), `unknown key (expected one of: ${allowed.join(', ')})`);
  }
  str(v: Json | undefined, path: string, def?: string, test?: (s: string) => string | undefined): string | undefined {
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string' || v === '') {
      this.add(path, `expected a non-empty string, got ${describe(v)}`);
      return def;
    }
    const m = test?.(v);
    if (m) this.add(path, m);
    return v;
  }
  int(v: Json | undefined, path: string, def: number, min: number, max: number): number {
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.add(path, `expected an integer from ${min} to ${max}, got ${describe(v)}`);
      return def;
    }
    return v;
  }
  bool(v: Json | undefined, path: string, def: boolean): boolean {
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') {
      this.add(path, `expected true or false, got ${describe(v)}`);
      return def;
    }
    return v;
  }
  oneOf<T extends string>(v: Json | undefined, path: string, def: T, options: T[]): T {
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string' || !options.includes(v as T)) {
      this.add(path, `expected one of ${options.join(', ')}, got ${describe(v)}`);
      return def;
    }
    return v as T;
  }
  strList(v: Json | undefined, path: string, def: string[]): string[] {
    if (v === undefined || v === null) return def;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) {
      this.add(path, `expected a list of non-empty strings, got ${describe(v)}`);
      return def;
    }
    return v as string[];
  }
}

function describe(v: Json | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function join(path: string, k: string | number): string {
  return typeof k === 'number' ? `${path}[${k}]` : path ? `${path}.${k}` : k;
}

const ENDPOINT = /^(serial|tcp|ws|wss|unix|sim):\/\/\S+$/;
const BROKER = /^mqtts?:\/\/[^/?#\s]+\/?$/;
const HOSTPORT = /^(tcp:\/\/)?[^\s:/]+:\d{1,5}$/;

function checkDevice(c: Checker, raw: Json, path: string, seen: Set<string>): DeviceConfig | undefined {
  const o = c.obj(raw, path);
  if (!o) {
    if (raw === null || raw === undefined) c.add(path, 'expected a device mapping');
    return undefined;
  }
  c.keys(o, path, ['name', 'transport', 'mqtt', 'token', 'records', 'include', 'reconnect_ms', 'reconnect_max_ms', 'resync_ms', 'schemas', 'heartbeat_ms']);
  const name = c.str(o.name, join(path, 'name'), undefined, (s) => (/^[A-Za-z0-9_-]+$/.test(s) ? undefined : 'device names use letters, digits, - and _ only'));
  if (o.name === undefined) c.add(join(path, 'name'), 'required');
  if (name && seen.has(name)) c.add(join(path, 'name'), `duplicate device name '${name}'`);
  if (name) seen.add(name);
  const transport = c.str(o.transport, join(path, 'transport'), undefined, (s) => (ENDPOINT.test(s) ? undefined : `expected serial://, tcp://, ws://, unix:// or sim:// URL, got '${s}'`));
  const mqttRaw = c.obj(o.mqtt, join(path, 'mqtt'));
  let mqtt: { node: string } | undefined;
  if (mqttRaw) {
    c.keys(mqttRaw, join(path, 'mqtt'), ['node']);
    const node = c.str(mqttRaw.node, join(path, 'mqtt.node'));
    if (!node) c.add(join(path, 'mqtt.node'), 'required');
    else mqtt = { node };
  }
  if (!transport && !mqtt && o.transport === undefined && o.mqtt === undefined) c.add(path, 'a device needs a transport (AimX) or mqtt.node (a board that speaks MQTT)');
  if (o.transport !== undefined && o.mqtt !== undefined) c.add(path, 'give either transport or mqtt, not both');
  let records: DeviceConfig['records'] = 'discover';
  if (o.records === 'discover') records = 'discover';
  else if (Array.isArray(o.records)) {
    records = [];
    if (o.records.length > MAX_DECLARED_RECORDS) c.add(join(path, 'records'), `at most ${MAX_DECLARED_RECORDS} records per device, got ${o.records.length}`);
    o.records.forEach((r, i) => {
      const rp = join(join(path, 'records'), i);
      const ro = c.obj(r, rp);
      if (!ro) return;
      c.keys(ro, rp, ['key', 'buffer', 'capacity', 'writable', 'topic', 'command_topic']);
      const key = c.str(ro.key, join(rp, 'key'), undefined, (s) => keyNameProblem(s));
      if (ro.key === undefined) c.add(join(rp, 'key'), 'required');
      const buffer = c.oneOf(ro.buffer, join(rp, 'buffer'), 'single_latest', ['spmc_ring', 'single_latest', 'mailbox']);
      const rec: DeclaredRecord = {
        key: key ?? '',
        buffer,
        capacity: c.int(ro.capacity, join(rp, 'capacity'), buffer === 'spmc_ring' ? 64 : 1, 1, MAX_RING_CAPACITY),
        writable: c.bool(ro.writable, join(rp, 'writable'), buffer === 'mailbox'),
      };
      const noWild = (t: string) => (/[#+]/.test(t) ? 'a topic to publish on cannot contain + or #' : undefined);
      const topic = c.str(ro.topic, join(rp, 'topic'));
      if (topic) rec.topic = topic;
      const commandTopic = c.str(ro.command_topic, join(rp, 'command_topic'), undefined, noWild);
      if (commandTopic) rec.command_topic = commandTopic;
      (records as DeclaredRecord[]).push(rec);
    });
  } else if (o.records !== undefined) c.add(join(path, 'records'), `expected 'discover' or a list of records, got ${describe(o.records)}`);
  if (mqtt && records === 'discover') c.add(join(path, 'records'), 'an MQTT device needs a declared list of records (discovery needs AimX)');
  const dev: DeviceConfig = {
    name: name ?? '',
    records,
    include: c.strList(o.include, join(path, 'include'), ['#']),
    reconnect_ms: c.int(o.reconnect_ms, join(path, 'reconnect_ms'), 500, 10, 600_000),
    reconnect_max_ms: c.int(o.reconnect_max_ms, join(path, 'reconnect_max_ms'), 10_000, 10, 3_600_000),
    resync_ms: c.int(o.resync_ms, join(path, 'resync_ms'), 1000, 0, 3_600_000),
    schemas: {},
    heartbeat_ms: c.int(o.heartbeat_ms, join(path, 'heartbeat_ms'), 5000, 0, 3_600_000),
  };
  const schemas = c.obj(o.schemas, join(path, 'schemas'));
  if (schemas) {
    for (const [k, v] of Object.entries(schemas)) {
      const problem = schemaProblem(v);
      if (problem) c.add(join(join(path, 'schemas'), k), problem);
      else Object.defineProperty(dev.schemas, k, { value: v as ValueSchema, enumerable: true, writable: true, configurable: true });
    }
  }
  if (transport) dev.transport = transport;
  if (mqtt) dev.mqtt = mqtt;
  const token = c.str(o.token, join(path, 'token'));
  if (token) dev.token = token;
  return dev;
}

const FILTER_OK = (s: string) => (s.split('/').some((l, i, a) => (l.includes('#') && (l !== '#' || i !== a.length - 1)) || (l.includes('+') && l !== '+')) ? `'${s}' is not a valid MQTT topic filter` : undefined);

function checkUsers(c: Checker, raw: Json | undefined, path: string): BrokerUser[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    c.add(path, `expected a list of users, got ${describe(raw)}`);
    return [];
  }
  const users: BrokerUser[] = [];
  raw.forEach((r, i) => {
    const up = join(path, i);
    const o = c.obj(r, up);
    if (!o) return;
    c.keys(o, up, ['username', 'password', 'node', 'publish', 'subscribe']);
    const username = c.str(o.username, join(up, 'username'));
    const password = c.str(o.password, join(up, 'password'));
    if (!username) c.add(join(up, 'username'), 'required');
    if (!password) c.add(join(up, 'password'), 'required');
    const node = c.str(o.node, join(up, 'node'), undefined, (s) => (/^[A-Za-z0-9_-]+$/.test(s) ? undefined : 'use letters, digits, - and _ only'));
    const publish = c.strList(o.publish, join(up, 'publish'), []);
    const subscribe = c.strList(o.subscribe, join(up, 'subscribe'), ['#']);
    for (const f of [...publish, ...subscribe]) {
      const m = FILTER_OK(f);
      if (m) c.add(up, m);
    }
    if (username && password) users.push({ username, password, publish, subscribe, ...(node ? { node } : {}) });
  });
  return users;
}

/** True for an interface address only this machine reaches (a loopback bind). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * Checks a parsed document and applies defaults. Throws a {@link ConfigError} listing every problem.
 *
 * @param file Name used in messages (the file path, or `<inline>`).
 */
export function checkConfig(raw: unknown, file = '<inline>'): EdgeConfig {
  const c = new Checker(file);
  const top = c.obj((raw ?? {}) as Json, '') ?? {};
  c.keys(top, '', ['node_id', 'prefix', 'log', 'broker', 'embedded_broker', 'devices', 'remote', 'dashboard', 'ownership', 'history']);
  const idTest = (s: string) => (/^[A-Za-z0-9_-]+$/.test(s) ? undefined : 'use letters, digits, - and _ only');
  const cfg: EdgeConfig = {
    node_id: c.str(top.node_id, 'node_id', 'edge', idTest)!,
    prefix: c.str(top.prefix, 'prefix', 'aimdb', (s) => (/[#+\s]/.test(s) || s.startsWith('/') || s.endsWith('/') ? 'an MQTT topic prefix without wildcards, spaces or leading/trailing /' : undefined))!,
    log: { level: 'info', format: 'text' },
    embedded_broker: { host: '127.0.0.1', port: 1883, users: [], anonymous: true, anonymous_publish: ['#'] },
    devices: [],
    remote: { writable: [], insecure: false, allowed_origins: [], max_sessions: 8, login_timeout_ms: 10_000, idle_timeout_ms: 300_000 },
    dashboard: { enabled: false, host: '127.0.0.1', port: 8080, allowed_hosts: [] },
    ownership: { enabled: true, refuse: true },
  };
  const log = c.obj(top.log, 'log');
  if (log) {
    c.keys(log, 'log', ['level', 'format']);
    cfg.log = { level: c.oneOf(log.level, 'log.level', 'info', ['debug', 'info', 'warn', 'error']), format: c.oneOf(log.format, 'log.format', 'text', ['text', 'json']) };
  }
  const broker = c.obj(top.broker, 'broker');
  if (broker) {
    c.keys(broker, 'broker', ['url', 'client_id', 'username', 'password', 'ca', 'cert', 'key']);
    const url = c.str(broker.url, 'broker.url', undefined, (s) => (BROKER.test(s) ? undefined : `expected mqtt://host[:port] or mqtts://host[:port], got '${s}'`));
    if (broker.url === undefined) c.add('broker.url', 'required when broker is given (omit broker for the embedded one)');
    cfg.broker = { url: url ?? '' };
    for (const k of ['client_id', 'username', 'password', 'ca', 'cert', 'key'] as const) {
      const v = c.str(broker[k], `broker.${k}`);
      if (v !== undefined) cfg.broker[k] = v;
    }
  }
  const eb = c.obj(top.embedded_broker, 'embedded_broker');
  if (eb) {
    c.keys(eb, 'embedded_broker', ['host', 'port', 'users', 'anonymous', 'anonymous_publish', 'ws_port']);
    const anonymous_publish = c.strList(eb.anonymous_publish, 'embedded_broker.anonymous_publish', ['#']);
    for (const f of anonymous_publish) {
      const m = FILTER_OK(f);
      if (m) c.add('embedded_broker.anonymous_publish', m);
    }
    cfg.embedded_broker = {
      host: c.str(eb.host, 'embedded_broker.host', '127.0.0.1')!,
      port: c.int(eb.port, 'embedded_broker.port', 1883, 0, 65535),
      users: checkUsers(c, eb.users, 'embedded_broker.users'),
      anonymous: c.bool(eb.anonymous, 'embedded_broker.anonymous', true),
      anonymous_publish,
    };
    if (eb.ws_port !== undefined && eb.ws_port !== null) cfg.embedded_broker.ws_port = c.int(eb.ws_port, 'embedded_broker.ws_port', 0, 0, 65535);
  }
  if (top.devices !== undefined && top.devices !== null) {
    if (!Array.isArray(top.devices)) c.add('devices', `expected a list of devices, got ${describe(top.devices)}`);
    else if (top.devices.length > MAX_DEVICES) c.add('devices', `at most ${MAX_DEVICES} devices, got ${top.devices.length}`);
    else {
      const seen = new Set<string>();
      top.devices.forEach((d, i) => {
        const dev = checkDevice(c, d, join('devices', i), seen);
        if (dev) cfg.devices.push(dev);
      });
    }
  }
  const remote = c.obj(top.remote, 'remote');
  if (remote) {
    c.keys(remote, 'remote', ['tcp', 'ws', 'unix', 'token', 'writable', 'insecure', 'allowed_origins', 'max_sessions', 'login_timeout_ms', 'idle_timeout_ms']);
    // `token: null` (or AIMDB_REMOTE__TOKEN=null) must not silently turn authentication off.
    if (Object.prototype.hasOwnProperty.call(remote, 'token') && (remote.token === null || remote.token === '')) c.add('remote.token', 'empty: remove the key (and set insecure: true) to run without a token');
    const hp = (s: string) => (HOSTPORT.test(s) ? undefined : `expected host:port, got '${s}'`);
    const tcp = c.str(remote.tcp, 'remote.tcp', undefined, hp);
    const ws = c.str(remote.ws, 'remote.ws', undefined, hp);
    const unix = c.str(remote.unix, 'remote.unix', undefined, (s) => (s.startsWith('/') ? undefined : `expected an absolute socket path, got '${s}'`));
    const token = c.str(remote.token, 'remote.token', undefined, (t) => (['null', 'undefined', 'none', 'false', '~'].includes(t.trim().toLowerCase()) ? `'${t}' reads as "no token": set a real one, or remove the key and set insecure: true` : undefined));
    cfg.remote = {
      writable: c.strList(remote.writable, 'remote.writable', []),
      insecure: c.bool(remote.insecure, 'remote.insecure', false),
      allowed_origins: c.strList(remote.allowed_origins, 'remote.allowed_origins', []),
      max_sessions: c.int(remote.max_sessions, 'remote.max_sessions', 8, 1, 1024),
      login_timeout_ms: c.int(remote.login_timeout_ms, 'remote.login_timeout_ms', 10_000, 100, 600_000),
      idle_timeout_ms: c.int(remote.idle_timeout_ms, 'remote.idle_timeout_ms', 300_000, 0, 86_400_000),
    };
    if (tcp) cfg.remote.tcp = tcp.replace(/^tcp:\/\//, '');
    if (ws) cfg.remote.ws = ws;
    if (unix) cfg.remote.unix = unix;
    if (token) cfg.remote.token = token;
  }
  const dash = c.obj(top.dashboard, 'dashboard');
  if (dash) {
    c.keys(dash, 'dashboard', ['enabled', 'host', 'port', 'allowed_hosts']);
    cfg.dashboard = {
      enabled: c.bool(dash.enabled, 'dashboard.enabled', true),
      host: c.str(dash.host, 'dashboard.host', '127.0.0.1')!,
      port: c.int(dash.port, 'dashboard.port', 8080, 0, 65535),
      allowed_hosts: c.strList(dash.allowed_hosts, 'dashboard.allowed_hosts', []),
    };
  }
  const own = c.obj(top.ownership, 'ownership');
  if (own) {
    c.keys(own, 'ownership', ['enabled', 'refuse']);
    cfg.ownership = { enabled: c.bool(own.enabled, 'ownership.enabled', true), refuse: c.bool(own.refuse, 'ownership.refuse', true) };
  }
  const history = checkHistoryConfig(top.history, (path, msg) => c.add(path, msg));
  if (history) cfg.history = history;
  // A network endpoint without a token is refused unless the configuration says so in so many words.
  if (!cfg.remote.token && !cfg.remote.insecure) {
    const open: string[] = [];
    const exposed = (hp: string | undefined) => !!hp && HOSTPORT.test(hp) && !isLoopbackHost(hp.replace(/^tcp:\/\//, '').slice(0, hp.replace(/^tcp:\/\//, '').lastIndexOf(':')));
    if (exposed(cfg.remote.tcp)) open.push(`remote.tcp (${cfg.remote.tcp})`);
    if (exposed(cfg.remote.ws)) open.push(`remote.ws (${cfg.remote.ws})`);
    if (cfg.dashboard.enabled && !isLoopbackHost(cfg.dashboard.host)) open.push(`dashboard (${cfg.dashboard.host})`);
    if (open.length) c.add('remote.token', `${open.join(', ')} ${open.length > 1 ? 'serve' : 'serves'} the network without a token: set remote.token, or remote.insecure: true to run it open`);
  }
  if (c.problems.length > 0) {
    const e = aimError('INVALID_CONFIGURATION', `invalid gateway configuration (${c.problems.length} problem(s)):\n  - ${c.problems.join('\n  - ')}`) as unknown as ConfigError;
    e.problems = c.problems;
    throw e;
  }
  return cfg;
}

export function parseConfigText(text: string, file: string): unknown {
  try {
    if (extname(file).toLowerCase() === '.json') return JSON.parse(text);
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    const err = aimError('INVALID_CONFIGURATION', `${file}: not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${msg}`) as unknown as ConfigError;
    err.problems = [`${file}: ${msg}`];
    throw err;
  }
}

/**
 * Loads, overrides from the environment, checks and completes a configuration file.
 *
 * @example
 * const cfg = loadConfig('/etc/aimdb/edge.yaml', process.env);
 */
export function loadConfig(file: string | undefined, env: { [k: string]: string | undefined } = {}): EdgeConfig {
  let raw: unknown = {};
  if (file) {
    let text: string;
    try {
      const size = statSync(file).size;
      if (size > MAX_CONFIG_BYTES) {
        const err = aimError('INVALID_CONFIGURATION', `${file}: ${size} bytes is more than a configuration needs (at most ${MAX_CONFIG_BYTES})`) as unknown as ConfigError;
        err.problems = [`${file}: too large`];
        throw err;
      }
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as ConfigError).code === 'INVALID_CONFIGURATION') throw e;
      const err = aimError('INVALID_CONFIGURATION', `${file}: cannot read: ${(e as Error).message}`) as unknown as ConfigError;
      err.problems = [`${file}: cannot read`];
      throw err;
    }
    raw = parseConfigText(text, file) ?? {};
  }
  if (typeof raw !== 'object' || Array.isArray(raw) || raw === null) return checkConfig(raw, file ?? '<environment>');
  applyEnv(raw as { [k: string]: unknown }, env);
  return checkConfig(raw, file ?? '<environment>');
}
