/**
 * The demo (`make demo`, `aimdb demo`): the edge gateway with its embedded MQTT broker (TCP, and
 * WebSocket for browsers), the browser twin page, and the two example apps as simulated boards
 * running their real firmware bundles from `dist/`:
 * - `climate-sensor` on an ESP32, publishing over MQTT (its broker address is mapped to the
 *   embedded broker on loopback);
 * - `pico-actuator` on an Espruino Pico, serving AimX over COBS on a simulated UART to the gateway.
 * An operator client sends commands through the broker, and the demo prints live values.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import type { ByteStream, ByteStreamHandlers } from '../../core/index.js';
import { dialStream } from '../aimx/index.js';
import { startTwinPage, type TwinPage } from '../browser/server.js';
import { checkConfig } from '../gateway/config.js';
import { Gateway, type GatewayEndpoints } from '../gateway/gateway.js';
import { bootBundle, type EspruinoSim } from '../sim/espruino-sim.js';

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** Embedded broker port. Default 1883 (0: any free port). */
  mqttPort?: number;
  /** AimX TCP port. Default 7350. */
  aimxPort?: number;
  /** AimX WebSocket port. Default 7351. */
  wsPort?: number;
  /** The embedded broker's MQTT over WebSocket port (the browser twin's broker). Default 9001. */
  mqttWsPort?: number;
  /** Port of the browser twin page. Default 8081. */
  twinPort?: number;
  /** Dashboard and /metrics port. Default 8080. */
  dashboardPort?: number;
  /** AimX Unix socket (0600: its file mode is the credential). Default `aimdb.sock` in a fresh temp directory. */
  unixSocket?: string;
  /** AimX token the network transports (TCP, WebSocket) ask for. Default: a random one, printed. */
  token?: string;
  /** Where the bundles are. Default `<repo>/dist`. */
  distDir?: string;
  /** Output lines. */
  print: (line: string) => void;
  /** Interval of the live value line, ms. Default 2000. */
  reportMs?: number;
  /** Interval of the operator's valve commands, ms. Default 5000. */
  commandMs?: number;
}

/** A running demo. */
export interface Demo {
  gateway: Gateway;
  endpoints: GatewayEndpoints;
  /** The browser twin page (the core in a browser, over MQTT on WebSocket). */
  twin: TwinPage;
  boards: { esp32: EspruinoSim; pico: EspruinoSim };
  /** The AimX token of the network transports. */
  token: string;
  /** The AimX Unix socket path (no token: its file mode admits only this user). */
  unixSocket: string;
  /** Stops boards, operator, gateway and broker. */
  stop(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '../..');
const ESP32_BROKER_PORT = 1883;

function bundle(dist: string, name: string): string {
  const file = join(dist, name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run 'make build' first (make demo does)`);
  return readFileSync(file, 'utf8');
}

/** The Pico's UART as the gateway's serial port: one byte stream per open. */
function uartOpener(sim: EspruinoSim): () => Promise<import('../aimx/index.js').MessageConn> {
  const uart = sim.uart('Serial1');
  let current: ByteStreamHandlers | null = null;
  uart.onData((b) => current?.onData(b));
  return () =>
    dialStream((h: ByteStreamHandlers): ByteStream => {
      current = h;
      // A UART is open as soon as it exists: say so once the link is attached.
      setImmediate(() => h.onConnect?.());
      return {
        write: (chunk) => uart.write(typeof chunk === 'string' ? chunk : Uint8Array.from(chunk as ArrayLike<number>)),
        close: () => {
          if (current === h) current = null;
          h.onClose?.();
        },
      };
    }, 'pico');
}

function fmt(v: unknown, digits = 1): string {
  return typeof v === 'number' ? v.toFixed(digits) : '–';
}

/**
 * Starts the demo.
 *
 * @example
 * const demo = await startDemo({ print: console.log });
 * process.on('SIGINT', () => demo.stop());
 */
export async function startDemo(o: DemoOptions): Promise<Demo> {
  const dist = o.distDir ?? join(ROOT, 'dist');
  const picoCode = bundle(dist, 'pico-actuator.pico.js');
  const espCode = bundle(dist, 'climate-sensor.esp32.js');
  const print = o.print;
  const storage = mkdtempSync(join(tmpdir(), 'aimdb-demo-'));
  const unixSocket = o.unixSocket ?? join(storage, 'aimdb.sock');
  const token = o.token ?? randomBytes(12).toString('base64url');

  // The Pico boots first: the gateway discovers its records over the UART.
  const pico = bootBundle(picoCode, { board: 'PICO', jsVars: 5100, time: 'real', storageFile: join(storage, 'pico.json'), print: (l) => print(`  [pico] ${l}`) });
  const config = checkConfig({
    node_id: 'demo-edge',
    embedded_broker: { host: '127.0.0.1', port: o.mqttPort ?? 1883, ws_port: o.mqttWsPort ?? 9001 },
    devices: [
      { name: 'pico', transport: 'sim://pico' },
      {
        name: 'esp32',
        mqtt: { node: 'climate-esp32-a' },
        records: [
          { key: 'climate.temp', buffer: 'spmc_ring', capacity: 256, topic: 'climate/zone-a/temp' },
          { key: 'climate.hum', buffer: 'spmc_ring', capacity: 256, topic: 'climate/zone-a/hum' },
          { key: 'climate.config', buffer: 'single_latest', topic: 'climate/zone-a/config', command_topic: 'climate/zone-a/config', writable: true },
          { key: 'climate.cmd', buffer: 'mailbox', command_topic: 'climate/zone-a/cmd', writable: true },
        ],
      },
    ],
    remote: { tcp: `127.0.0.1:${o.aimxPort ?? 7350}`, ws: `127.0.0.1:${o.wsPort ?? 7351}`, unix: unixSocket, token },
    dashboard: { host: '127.0.0.1', port: o.dashboardPort ?? 8080 },
    // The readings' history, for `record query` and the dashboard's sparklines (gone with the demo).
    history: { path: join(storage, 'history.db'), records: ['esp32.climate.*', 'pico.actuator.#'], max_age: '1h' },
    log: { level: 'warn' },
  });
  const gateway = new Gateway(config, {
    simulators: { pico: uartOpener(pico) },
    onLog: (r) => print(`  [gateway] ${r.level} ${r.source}: ${r.message}`),
  });
  let endpoints: GatewayEndpoints;
  try {
    endpoints = await gateway.start();
    await gateway.ready();
  } catch (e) {
    // A demo that cannot start (a port in use) leaves nothing behind: no board, no storage folder.
    await gateway.stop().catch(() => {});
    pico.kill();
    pico.dispose();
    rmSync(storage, { recursive: true, force: true });
    throw e;
  }
  const brokerPort = Number(new URL(endpoints.mqtt).port);
  const twin = await startTwinPage({ mqttWs: endpoints.mqttWs!, zone: 'climate/zone-a', port: o.twinPort ?? 8081, distDir: dist });

  // The ESP32 firmware dials its site's broker; the simulation maps that address to ours.
  const esp32 = bootBundle(espCode, {
    board: 'ESP32',
    jsVars: 16383,
    time: 'real',
    wifi: { connectMs: 50 },
    storageFile: join(storage, 'esp32.json'),
    netRoute: (_host, port) => (port === ESP32_BROKER_PORT ? { host: '127.0.0.1', port: brokerPort } : null),
    print: (l) => print(`  [esp32] ${l}`),
  });

  // An operator on the broker: sample the climate every second, toggle the valve now and then.
  const operator = await mqtt.connectAsync(endpoints.mqtt, { clientId: 'demo-operator' });
  const db = () => gateway.db!;
  // The sensor's configuration is a retained SingleLatest on its own topic: it applies it now and
  // after every reboot.
  await operator.publishAsync('climate/zone-a/config', JSON.stringify({ intervalMs: 1000, tempOffset: 0 }), { qos: 1, retain: true });
  let valveOpen = false;
  let cmdId = 0;
  const commandTimer = setInterval(() => {
    valveOpen = !valveOpen;
    cmdId++;
    void operator.publishAsync('aimdb/pico/actuator/valve/cmd/set', JSON.stringify({ id: cmdId, open: valveOpen }), { qos: 1 });
    print(`  [operator] valve ${valveOpen ? 'open' : 'close'} (command #${cmdId}) -> aimdb/pico/actuator/valve/cmd/set`);
  }, o.commandMs ?? 5000);

  print('');
  print('AimDB.js demo: gateway + embedded broker + simulated boards running their real bundles');
  print(`  MQTT broker   ${endpoints.mqtt}        (try: mosquitto_sub -h 127.0.0.1 -p ${brokerPort} -t '#' -v)`);
  const unixUrl = endpoints.aimx.find((u) => u.startsWith('unix://')) ?? 'unix://' + unixSocket;
  const wsUrl = endpoints.aimx.find((u) => u.startsWith('ws://'));
  print(`  AimX Unix     ${unixUrl}   (no token: the socket is 0600)`);
  print(`                try: node bin/aimdb.mjs --connect ${unixUrl} record list`);
  print(`                AimDB's own CLI: aimdb record list --socket ${unixSocket}`);
  print(`  AimX TCP      ${endpoints.aimx[0]}       (token in hello: node bin/aimdb.mjs --connect ${endpoints.aimx[0]} --token ${token} record list)`);
  if (wsUrl) print(`  AimX WS       ${wsUrl}?v=3.0   (token at the upgrade: Authorization: Bearer ${token}, or &token=…)`);
  print(`  AimX token    ${token}`);
  // The page reads the token from the URL fragment, which the browser never sends to a server.
  if (endpoints.dashboard) print(`  Dashboard     ${endpoints.dashboard}#token=${token}     Prometheus: ${endpoints.metrics}`);
  print('  Ctrl-C stops everything.');
  print('');
  print(`  Browser twin  ${twin.url}     (the core in a page: live chart of the ESP32, commands back to it)`);
  if (endpoints.mqttWs) print(`  MQTT over WS  ${endpoints.mqttWs}     (the page's broker)`);
  print('');

  const reportTimer = setInterval(() => {
    const d = db();
    const latest = (key: string) => {
      const id = d.findRecord(key);
      return id >= 0 ? (d.latest(id) as { [k: string]: unknown } | undefined) : undefined;
    };
    const temp = latest('esp32.climate.temp');
    const hum = latest('esp32.climate.hum');
    const valve = latest('pico.actuator.valve.state');
    const up = latest('pico.actuator.uptime');
    const status = latest('pico.$status');
    const rows = d.records();
    const gaps = rows.reduce((n, r) => n + r.links.reduce((m, l) => m + l.metrics.gaps, 0), 0);
    print(
      `${new Date().toISOString().slice(11, 19)}  esp32 ${fmt(temp?.v)} °C ${fmt(hum?.v)} %RH` +
        `  |  pico valve ${valve ? (valve.open ? 'OPEN' : 'closed') + ` (cmd #${valve.cmd})` : '–'} up ${up ? up.s + ' s' : '–'} link ${status?.state ?? '–'}` +
        `  |  ${rows.length} twins, gaps ${gaps}`,
    );
  }, o.reportMs ?? 2000);

  let stopped = false;
  return {
    gateway,
    endpoints,
    twin,
    boards: { esp32, pico },
    token,
    unixSocket,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(commandTimer);
      clearInterval(reportTimer);
      await operator.endAsync().catch(() => {});
      await twin.close();
      esp32.kill();
      esp32.dispose();
      await gateway.stop();
      pico.kill();
      pico.dispose();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}
