/**
 * climate-sensor (ESP32): temperature and humidity rings in compact numeric layouts (two typed
 * arrays each instead of 256 objects: ~200 JsVars instead of ~1,290, ENGINES.md §1), a SingleLatest
 * configuration (remote via MQTT, persisted to flash), a Mailbox command, and MQTT over Wi-Fi with
 * the core's MCU connector. Without a network (the host-driven engine tests) it runs link-free.
 */
import { builder, keyTable, mailbox, ring, singleLatest, utf8Decode } from '../../core/index.js';
import type { Connector, Database, Payload, RuntimeContext } from '../../core/index.js';
import { mqttConnector, parseBrokerUrl } from '../../core/mqtt/index.js';
import { persistLatest } from '../../targets/espruino/persist.js';
import type { Platform } from '../../targets/espruino/boot.js';
import { SETTINGS } from './settings.js';

/** A reading: `t` ms since boot, `v` the value (°C or %RH). */
export interface Reading {
  t: number;
  v: number;
}
/** Sampling configuration (SingleLatest, retained on the broker, persisted on the device). */
export interface SensorConfig {
  intervalMs: number;
  /** Offset added to the temperature (calibration), °C. */
  tempOffset: number;
}
/** A command (Mailbox: each is taken once). */
export interface Command {
  action: 'report' | 'calibrate';
  value?: number;
}

const zone = 'climate/' + SETTINGS.zone;
export const Keys = keyTable<{ temp: Reading; hum: Reading; config: SensorConfig; cmd: Command }>('climate.', {
  temp: { key: 'temp', type: 'Reading', link: 'mqtt://' + zone + '/temp' },
  hum: { key: 'hum', type: 'Reading', link: 'mqtt://' + zone + '/hum' },
  config: { key: 'config', type: 'SensorConfig', link: 'mqtt://' + zone + '/config' },
  cmd: { key: 'cmd', type: 'Command', link: 'mqtt://' + zone + '/cmd' },
});

/** Ring slots per series (at 10 s intervals: about 42 minutes of history). */
export const HISTORY = 256;
const DEFAULT_CONFIG: SensorConfig = { intervalMs: 10000, tempOffset: 0 };

/** The platform the app needs: Espruino's, or a host-driven one without network and storage. */
export type ClimatePlatform = Pick<Platform, 'runtime' | 'print'> & Partial<Platform>;

/**
 * Storage file read at boot: its `broker` (`mqtt://host[:port]`) replaces `SETTINGS.broker`, so a
 * flashed sensor is pointed at another broker without a rebuild:
 * `require('Storage').writeJSON('climate.json', { broker: 'mqtt://10.0.0.5:1883' })`, then reset.
 */
export const SITE_FILE = 'climate.json';

/** The broker to use: the Storage setting when it is a valid broker URL, else the compiled one. */
export function brokerUrl(platform: ClimatePlatform): string {
  const site: any = platform.storage ? platform.storage.readJSON(SITE_FILE, true) : undefined;
  const url = site && typeof site === 'object' ? site.broker : undefined;
  if (url === undefined) return SETTINGS.broker;
  try {
    if (typeof url !== 'string' || url.length > 128) throw new Error('broker must be a string of at most 128 characters');
    parseBrokerUrl(url);
    return url;
  } catch (e) {
    // A bad setting must not brick the sensor: say so and keep the compiled broker.
    platform.print('error ' + SITE_FILE + ': ' + String(e && (e as Error).message ? (e as Error).message : e));
    return SETTINGS.broker;
  }
}

function serialize(_ctx: RuntimeContext, r: Reading): string {
  return '{"t":' + r.t + ',"v":' + Math.round(r.v * 10) / 10 + '}';
}

function parseJson(_ctx: RuntimeContext, p: Payload): any {
  return JSON.parse(typeof p === 'string' ? p : utf8Decode(p));
}

/** A configuration the sensor can run with: 0.1 s to 1 h between samples, an offset within ±50 °C. */
export function validConfig(c: any): boolean {
  return !!c && typeof c.intervalMs === 'number' && c.intervalMs >= 100 && c.intervalMs <= 3600000 && typeof c.tempOffset === 'number' && c.tempOffset > -50 && c.tempOffset < 50;
}

/** A configuration from the broker: refused (counted, never stored nor persisted) unless valid. */
function parseConfig(ctx: RuntimeContext, p: Payload): SensorConfig {
  const c = parseJson(ctx, p);
  if (!validConfig(c)) throw new Error('bad config refused');
  return { intervalMs: c.intervalMs, tempOffset: c.tempOffset };
}

/**
 * Reads the sensor. A DHT22/SHT3x driver goes here; the stand-in makes a slow daily-like curve so
 * that the pipeline has plausible data.
 */
function sample(nowMs: number): { celsius: number; humidity: number } {
  const phase = (nowMs / 600000) % (2 * Math.PI);
  return { celsius: 21 + 3 * Math.sin(phase), humidity: 55 - 10 * Math.sin(phase) };
}

/**
 * Builds and starts the sensor.
 *
 * @example
 * bootEspruino(main, board); // the board bundle's entry does this
 */
export function main(platform: ClimatePlatform): { stop(): void; db: Database } {
  const rt = platform.runtime;
  const print = platform.print;
  const online = !!(platform.sockets && platform.startWifi);
  const connectors: Connector[] = online ? [mqttConnector({ url: brokerUrl(platform), sockets: platform.sockets!, keepalive: 60 })] : [];
  const b = builder(rt).nodeId(SETTINGS.nodeId);
  for (let i = 0; i < connectors.length; i++) b.withConnector(connectors[i]);
  let config = DEFAULT_CONFIG;
  const db = b
    .configure(Keys.config, (r) => {
      r.buffer(singleLatest()).tap((_ctx, c) => {
        c.each((v) => {
          // A bad value that got in another way (an old flash image) is not run with.
          if (!validConfig(v)) return;
          config = v;
          print('config interval=' + v.intervalMs + ' offset=' + v.tempOffset);
        });
      });
      if (online) r.linkFrom(Keys.config.link!).withDeserializer(parseConfig).finish();
      return r.remote({ writable: true });
    })
    .configure(Keys.temp, (r) => {
      r.buffer(ring(HISTORY, { layout: { t: 'f64', v: 'f32' } })).source((ctx, producer) => {
        const hum = humidityProducer;
        function tick() {
          const now = ctx.now();
          const s = sample(now);
          producer.produce({ t: now, v: s.celsius + config.tempOffset });
          if (hum) hum.produce({ t: now, v: s.humidity });
          ctx.after(config.intervalMs, tick);
        }
        ctx.after(1000, tick);
      });
      if (online) r.linkTo(Keys.temp.link!).withSerializer(serialize).finish();
      return r.remote();
    })
    .configure(Keys.hum, (r) => {
      r.buffer(ring(HISTORY, { layout: { t: 'f64', v: 'f32' } }));
      if (online) r.linkTo(Keys.hum.link!).withSerializer(serialize).finish();
      return r.remote();
    })
    .configure(Keys.cmd, (r) => {
      r.buffer(mailbox()).tap((ctx, c) => {
        c.each((cmd) => {
          if (!cmd) return;
          if (cmd.action === 'calibrate' && typeof cmd.value === 'number' && cmd.value > -50 && cmd.value < 50) {
            configProducer.produce({ intervalMs: config.intervalMs, tempOffset: cmd.value });
            ctx.log.info('calibrated: offset ' + cmd.value);
          } else print('cmd ' + cmd.action);
        });
      });
      if (online) r.linkFrom(Keys.cmd.link!).withDeserializer(parseJson).finish();
      return r.remote({ writable: true });
    })
    .build();
  // The humidity record has no stage of its own: the temperature source samples both (one sensor read).
  const humidityProducer = db.producer(Keys.hum);
  const configProducer = db.producer(Keys.config);
  const persisted = platform.storage ? persistLatest(db, [Keys.config], { runtime: rt, storage: platform.storage }) : null;
  if (!persisted || persisted.restored.length === 0 || !validConfig(db.peek(Keys.config))) configProducer.produce(DEFAULT_CONFIG);
  const wifi = online ? platform.startWifi!({ ssid: SETTINGS.ssid, password: SETTINGS.password, onConnected: (ip) => print('wifi ' + ip) }) : null;
  db.start();
  print('climate-sensor ' + (online ? 'online' : 'link-free') + ' on ' + rt.name);
  return {
    stop: function () {
      if (persisted) persisted.stop();
      if (wifi) wifi.stop();
      db.stop();
    },
    db: db,
  };
}
