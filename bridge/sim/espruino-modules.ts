/**
 * The built-in modules of the simulated Espruino board (espruino-sim.ts): `require('net')` to real
 * sockets, `require('Wifi')` as a station that connects after a delay (optionally failing first),
 * `require('Storage')` backed by a JSON file, and a rough `E.getSizeOf`. Events reach the device from
 * its idle loop (`host.later`), as on Espruino.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';

/** What the modules need from the simulator. */
export interface ModuleHost {
  /** Runs `fn` from the device's idle loop. */
  later(fn: () => void): void;
  /** A device timer (virtual or real time). */
  addTimer(fn: () => void, ms: number): number;
}

/** True for loopback host names and addresses. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

type Listeners = { [event: string]: Array<(a?: unknown) => void> };

function on(listeners: Listeners, event: string, fn: (a?: unknown) => void): void {
  (listeners[event] = listeners[event] || []).push(fn);
}

/**
 * `require('net')`: `connect({host, port}, onConnect)` over a real socket. `route` maps the address
 * the device names to one to really connect to, or refuses it (`null`): error, then close.
 */
export function simNet(host: ModuleHost, sockets: Set<net.Socket>, route: (host: string, port: number) => { host: string; port: number } | null) {
  return {
    connect(options: { host: string; port: number }, onConnect: () => void) {
      const listeners: Listeners = {};
      const emit = (e: string, a?: unknown) => host.later(() => (listeners[e] || []).forEach((fn) => fn(a)));
      const to = route(options.host, options.port);
      if (!to) {
        emit('error', `simulated net: ${options.host}:${options.port} is not reachable from a simulation (map it with netRoute)`);
        emit('close');
        return { write() {}, end() {}, on: (event: string, fn: (a?: unknown) => void) => on(listeners, event, fn) };
      }
      const sock = net.connect({ host: to.host, port: to.port });
      sockets.add(sock);
      sock.on('connect', () => host.later(onConnect));
      sock.on('data', (d: Buffer) => emit('data', d.toString('latin1')));
      sock.on('error', (err: Error) => emit('error', err.message));
      sock.on('close', () => {
        sockets.delete(sock);
        emit('close');
      });
      return {
        write(data: string) {
          if (!sock.destroyed) sock.write(Buffer.from(data, 'latin1'));
        },
        end() {
          sock.end();
        },
        on: (event: string, fn: (a?: unknown) => void) => on(listeners, event, fn),
      };
    },
  };
}

/** The simulated station and the control to drop its link. */
export interface SimWifi {
  module: unknown;
  /** The device sees `disconnected`. */
  drop(): void;
}

/** `require('Wifi')`: connects after `connectMs` (default 100), failing the first `failFirst` tries. */
export function simWifi(host: ModuleHost, options: { failFirst?: number; ip?: string; connectMs?: number }): SimWifi {
  const listeners: Listeners = {};
  const ip = options.ip || '127.0.0.1';
  let failures = 0;
  return {
    module: {
      connect(_ssid: string, _options: unknown, cb: (err: unknown) => void) {
        host.addTimer(() => {
          if (failures < (options.failFirst || 0)) {
            failures++;
            cb('auth failed');
          } else {
            cb(null);
            for (const fn of listeners.connected || []) fn({ ip });
          }
        }, options.connectMs ?? 100);
      },
      disconnect(cb?: () => void) {
        if (cb) host.later(cb);
      },
      getIP(cb?: (err: unknown, info: { ip: string }) => void) {
        const info = { ip };
        if (cb) host.later(() => cb(null, info));
        return info;
      },
      on: (event: string, fn: (d: unknown) => void) => on(listeners, event, fn),
    },
    drop() {
      for (const fn of listeners.disconnected || []) fn({ reason: 'sim' });
    },
  };
}

/** The simulated Storage and a view of its contents. */
export interface SimStorage {
  module: unknown;
  contents(): { [name: string]: unknown };
}

/** `require('Storage')`, kept in memory and, when `file` is given, in that JSON file. */
export function simStorage(file?: string): SimStorage {
  const data: { [name: string]: unknown } = file && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const save = () => {
    if (file) writeFileSync(file, JSON.stringify(data));
  };
  return {
    module: {
      readJSON(name: string, noExceptions?: boolean) {
        if (!(name in data)) return undefined;
        const v = data[name];
        if (typeof v !== 'string') return v;
        try {
          return JSON.parse(v);
        } catch (e) {
          if (noExceptions) return undefined;
          throw e;
        }
      },
      writeJSON(name: string, value: unknown) {
        data[name] = JSON.stringify(value);
        save();
        return true;
      },
      read(name: string) {
        const v = data[name];
        return v === undefined ? undefined : String(v);
      },
      write(name: string, value: string) {
        data[name] = value;
        save();
        return true;
      },
      erase(name: string) {
        delete data[name];
        save();
      },
      list() {
        return Object.keys(data);
      },
      getFree() {
        return 1 << 20;
      },
    },
    contents() {
      return JSON.parse(JSON.stringify(data));
    },
  };
}

/** A rough `E.getSizeOf` in JsVars, with the model of docs/MEMORY.md. */
export function sizeOf(v: unknown, seen = new Set<unknown>()): number {
  if (v === null || v === undefined || typeof v === 'boolean' || typeof v === 'number') return 1;
  if (typeof v === 'string') return 1 + Math.ceil(v.length / 10);
  if (typeof v === 'function') return 3;
  if (seen.has(v)) return 0;
  seen.add(v);
  if (ArrayBuffer.isView(v)) return 3 + Math.ceil((v as Uint8Array).byteLength / 13);
  let n = 1;
  for (const k of Object.keys(v as object)) n += 1 + sizeOf((v as any)[k], seen);
  return n;
}
