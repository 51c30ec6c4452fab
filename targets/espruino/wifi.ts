/**
 * Wi-Fi bring-up on ESP32/ESP8266 (`require('Wifi')`): connect, retry with back-off, report state.
 * Timers go through the runtime adapter, so the same code runs on virtual time in tests.
 */
import type { RuntimeAdapter } from '../../core/index.js';
import { espRequire, EspruinoWifi } from './globals.js';

/** Options of {@link startWifi}. */
export interface WifiOptions {
  ssid: string;
  /** WPA password. Default none (open network). */
  password?: string;
  /** First retry delay in ms after a failure or a disconnect. Default `2000`. */
  retryMs?: number;
  /** Longest retry delay in ms (doubles up to it). Default `60000`. */
  maxRetryMs?: number;
  /** Called with the IP address once connected (and after every reconnect). */
  onConnected?: (ip: string) => void;
  /** Called when the link is lost or a connect attempt failed. */
  onDisconnected?: (reason: string) => void;
  /** The Wifi module (tests); default `require('Wifi')`. */
  wifi?: EspruinoWifi;
}

/** A running Wi-Fi supervisor. */
export interface WifiLink {
  /** True while associated and holding an IP address. */
  readonly connected: boolean;
  /** Connect attempts made. */
  readonly attempts: number;
  /** Stops retrying and disconnects. */
  stop(): void;
}

/**
 * Connects and keeps the station connected.
 *
 * @example
 * startWifi(rt, { ssid: 'greenhouse', password: '…', onConnected: (ip) => mqtt.kick() });
 */
export function startWifi(rt: RuntimeAdapter, options: WifiOptions): WifiLink {
  const wifi = options.wifi || espRequire<EspruinoWifi>('Wifi');
  if (!wifi) throw new Error("wifi: this board has no 'Wifi' module");
  const base = options.retryMs || 2000;
  const max = options.maxRetryMs || 60000;
  let delay = base;
  let timer: unknown = undefined;
  let stopped = false;
  function retry(reason: string) {
    link.connected = false;
    if (options.onDisconnected) options.onDisconnected(reason);
    if (stopped || timer !== undefined) return;
    timer = rt.setTimer(function () {
      timer = undefined;
      attempt();
    }, delay);
    delay = delay * 2 > max ? max : delay * 2;
  }

  function attempt() {
    if (stopped) return;
    link.attempts++;
    wifi!.connect(options.ssid, { password: options.password }, function (err: unknown) {
      if (stopped) return;
      if (err) {
        retry('connect failed: ' + String(err));
        return;
      }
      delay = base;
      link.connected = true;
      const info = wifi!.getIP();
      if (options.onConnected) options.onConnected(info ? info.ip : '');
    });
  }

  function stop() {
    stopped = true;
    if (timer !== undefined) rt.clearTimer(timer);
    timer = undefined;
    wifi!.disconnect();
    link.connected = false;
  }

  // Declared after the functions: Espruino does not hoist (ENGINES.md §1).
  const link = { connected: false, attempts: 0, stop: stop };
  wifi.on('disconnected', function () {
    if (!stopped && link.connected) retry('disconnected');
  });
  attempt();
  return link;
}
