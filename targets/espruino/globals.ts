/**
 * The Espruino globals this target uses, typed (Espruino 2v29, ENGINES.md §1) and declared in this
 * module only: `declare` inside a module is module-scoped, so neither the core (lib ES5, types [])
 * nor the Node-typed root project sees them. Other files of the target reach the device through the
 * functions below, which check `typeof` first so that a bundle loaded on another engine does not
 * throw a ReferenceError.
 */

/** An Espruino serial port: `Serial1`…, `USB`, `LoopbackA`. */
export interface EspruinoSerial {
  setup(baud: number, options?: { rx?: unknown; tx?: unknown; bytesize?: number; parity?: string | null; stopbits?: number; path?: string }): void;
  /** Writes a binary string (one char per byte) or an array of bytes. */
  write(data: string | ArrayLike<number>): void;
  on(event: 'data', fn: (data: string) => void): void;
  removeAllListeners(event?: string): void;
  /** Moves the REPL console to this port; `force` keeps it there when USB is (un)plugged. */
  setConsole?(force?: boolean): void;
}

/** `E`: Espruino utilities. */
export interface EspruinoE {
  on(event: 'init' | 'kill', fn: () => void): void;
  /** JsVars used by a value. */
  getSizeOf(value: unknown, depth?: number): number;
}

/** `process.memory()`, in JsVars. */
export interface EspruinoMemory {
  free: number;
  usage: number;
  total: number;
  blocksize: number;
}

/** A socket from `require('net').connect`. Data arrives as binary strings. */
export interface EspruinoSocket {
  write(data: string): void;
  end(): void;
  on(event: string, fn: (arg?: any) => void): void;
}

/** `require('net')`. */
export interface EspruinoNet {
  connect(options: { host: string; port: number }, onConnect: () => void): EspruinoSocket;
}

/** `require('Wifi')` on ESP32/ESP8266. */
export interface EspruinoWifi {
  connect(ssid: string, options: { password?: string }, cb: (err: unknown) => void): void;
  disconnect(cb?: () => void): void;
  getIP(cb?: (err: unknown, info: { ip: string }) => void): { ip: string } | undefined;
  on(event: 'connected' | 'disconnected', fn: (details: unknown) => void): void;
}

/** `require('Storage')`: the flash file store. */
export interface EspruinoStorage {
  readJSON(name: string, noExceptions?: boolean): unknown;
  writeJSON(name: string, data: unknown): boolean;
  erase(name: string): void;
}

declare function setTimeout(fn: () => void, ms: number): number;
declare function clearTimeout(id: number): void;
declare function getTime(): number;
declare function print(text: string): void;
declare function require(name: string): any;
declare const E: EspruinoE;
declare const process: { memory(gc?: boolean): EspruinoMemory };
declare const Serial1: EspruinoSerial;
declare const USB: EspruinoSerial;
declare const global: { [name: string]: unknown };
declare function digitalWrite(pin: unknown, value: boolean | number): void;

/** True when the Espruino API is present (`E` and `getTime`). */
export function isEspruino(): boolean {
  return typeof E !== 'undefined' && typeof getTime === 'function';
}

/** Seconds since boot, float (`getTime()`). */
export function espGetTime(): number {
  return getTime();
}

/** `setTimeout` of the device. */
export function espSetTimeout(fn: () => void, ms: number): number {
  return setTimeout(fn, ms);
}

/** `clearTimeout` of the device. */
export function espClearTimeout(id: number): void {
  clearTimeout(id);
}

/** Prints a console line (`print`). */
export function espPrint(text: string): void {
  print(text);
}

/** Registers a boot (`init`) or shutdown (`kill`) handler. */
export function espOn(event: 'init' | 'kill', fn: () => void): void {
  E.on(event, fn);
}

/** JsVars used by `value` (`E.getSizeOf`). */
export function espSizeOf(value: unknown): number {
  return E.getSizeOf(value);
}

/** `process.memory()` (JsVars). */
export function espMemory(): EspruinoMemory {
  return process.memory();
}

/** A serial port by name (`'Serial1'`, `'USB'`), or `undefined` when the board has none. */
export function espSerial(name: string): EspruinoSerial | undefined {
  if (name === 'USB') return typeof USB !== 'undefined' ? USB : undefined;
  if (name === 'Serial1') return typeof Serial1 !== 'undefined' ? Serial1 : undefined;
  const port = typeof global !== 'undefined' ? global[name] : undefined;
  return port ? (port as EspruinoSerial) : undefined;
}

/**
 * Keeps the REPL console off `Serial1` so that a data link can use it: Espruino moves its console to
 * Serial1 whenever USB is unplugged (a Pico powered by the gateway), which would mix REPL output into
 * the link. Forces it to USB where the board has USB, else to `LoopbackA`. Returns where it went.
 */
export function espFreeSerial1(): string {
  if (typeof USB !== 'undefined' && USB.setConsole) {
    USB.setConsole(true);
    return 'USB';
  }
  const loop = typeof global !== 'undefined' ? (global.LoopbackA as EspruinoSerial | undefined) : undefined;
  if (loop && loop.setConsole) {
    loop.setConsole(true);
    return 'LoopbackA';
  }
  return '';
}

/** A built-in module (`net`, `Wifi`, `Storage`), or `undefined` when the board lacks it. */
export function espRequire<T>(name: 'net' | 'Wifi' | 'Storage'): T | undefined {
  try {
    return require(name) as T;
  } catch (e) {
    return undefined;
  }
}

/** Drives an output pin by name (`'LED1'`, `'B3'`); returns false when the board has no such pin. */
export function espDigitalWrite(pin: string, value: boolean): boolean {
  const p = typeof global !== 'undefined' ? global[pin] : undefined;
  if (p === undefined || typeof digitalWrite !== 'function') return false;
  digitalWrite(p, value);
  return true;
}
