/**
 * climate-sensor (ESP32): temperature and humidity rings in compact numeric layouts (two typed
 * arrays each instead of 256 objects: ~200 JsVars instead of ~1,290, ENGINES.md §1), a SingleLatest
 * configuration (remote via MQTT, persisted to flash), a Mailbox command, and MQTT over Wi-Fi with
 * the core's MCU connector. Without a network (the host-driven engine tests) it runs link-free.
 */
import { builder, keyTable, mailbox, ring, singleLatest, utf8Decode } from '../../core/index.js';
import type { Connector, Database, Payload, RuntimeContext } from '../../core/index.js';
import { mqttConnector } from '../../core/mqtt/index.js';
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

function serialize(_ctx: RuntimeContext, r: Reading): string {
  return '{"t":' + r.t + ',"v":' + Math.round(r.v * 10) / 10 + '}';
}

function parseJson(_ctx: RuntimeContext, p: Payload): any {
  return JSON.parse(typeof p === 'string' ? p : utf8Decode(p));
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
  const connectors: Connector[] = online ? [mqttConnector({ url: SETTINGS.broker, sockets: platform.sockets!, keepalive: 60 })] : [];
  const b = builder(rt).nodeId(SETTINGS.nodeId);
  for (let i = 0; i < connectors.length; i++) b.withConnector(connectors[i]);
  let config = DEFAULT_CONFIG;
  const db = b
    .configure(Keys.config, (r) => {
      r.buffer(singleLatest()).tap((_ctx, c) => {
        c.each((v) => {
          config = v;
        });
      });
      if (online) r.linkFrom(Keys.config.link!).withDeserializer(parseJson).finish();
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
          if (cmd.action === 'calibrate' && typeof cmd.value === 'number') {
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
  if (!persisted) configProducer.produce(DEFAULT_CONFIG);
  else if (persisted.restored.length === 0) configProducer.produce(DEFAULT_CONFIG);
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
