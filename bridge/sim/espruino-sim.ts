/**
 * A simulated Espruino board (Node only): runs a real dist bundle in a `vm` context that offers the
 * Espruino API the bundles use and nothing the device lacks. Used by the demo and by integration
 * tests (a gateway talking to a simulated Pico over a UART pair, an ESP32 publishing over loopback).
 *
 * Offered: `setTimeout`/`setInterval`/`clear*` on virtual or real time, `getTime()` (seconds, float),
 * `E.on('init'|'kill')`, `E.getSizeOf` (estimate), `process.memory()` (estimate, in JsVars),
 * `print`/`console.log`, `Serial1`/`USB` wired to the Node side ({@link SimUart}), `require('net')`
 * to real loopback TCP, `require('Wifi')` (simulated station), `require('Storage')` backed by a JSON
 * file. Deleted: `Map`, `Set`, `WeakMap`, `WeakSet`, `Symbol`, `Promise`, `Proxy`, `Reflect`,
 * `setImmediate`, `queueMicrotask`, and the built-ins ENGINES.md lists as missing (see QUIRKS).
 *
 * Not reproduced (V8 cannot be made to behave so; the build checks them statically instead): missing
 * hoisting, `Array.prototype.x` being undefined, labels, `arr.length = n` throwing, the JsVar memory
 * model and out-of-memory. See docs/MEMORY.md and tools/hoist.mjs.
 */
import net from 'node:net';
import { isLoopback, ModuleHost, simNet, SimStorage, simStorage, SimWifi, simWifi, sizeOf } from './espruino-modules.js';
import { Duplex } from 'node:stream';
import vm from 'node:vm';

export { isLoopback };

/** Globals removed from the context (missing on Espruino, ENGINES.md §1). */
export const MISSING_GLOBALS = ['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Promise', 'Proxy', 'Reflect', 'setImmediate', 'queueMicrotask', 'RangeError'];

/**
 * Built-ins deleted inside the context because Espruino lacks them (cheap to reproduce: deleting a
 * property of the context's own intrinsics affects only that context).
 */
export const QUIRKS = [
  'Object.freeze', 'Object.seal', 'Object.preventExtensions', 'Array.from', 'Array.prototype.lastIndexOf',
  'Array.prototype.reduceRight', 'Number.isInteger', 'Number.isFinite', 'Number.isNaN', 'Number.MAX_SAFE_INTEGER',
  'Number.prototype.toPrecision', 'Math.trunc', 'Math.sign',
];

/** Options of {@link EspruinoSim}. */
export interface SimOptions {
  /** Board name shown by `process.env.BOARD`. Default `'SIM'`. */
  board?: string;
  /** JsVars of the board (for `process.memory()`). Default `5100` (Pico). */
  jsVars?: number;
  /** `'virtual'` (default): time moves with {@link EspruinoSim.advance}; `'real'`: wall-clock timers. */
  time?: 'virtual' | 'real';
  /** File backing `require('Storage')`. Default: in memory only. */
  storageFile?: string;
  /** Receives every printed line (also kept in {@link EspruinoSim.lines}). */
  print?: (line: string) => void;
  /** Simulated Wi-Fi: connect attempts that fail before one succeeds (default 0), and the IP. */
  wifi?: { failFirst?: number; ip?: string; connectMs?: number };
  /** Reproduce the cheap quirks (delete the built-ins in {@link QUIRKS}). Default true. */
  quirks?: boolean;
  /** JsVars the loaded code is estimated to use (from the build report), for `process.memory()`. */
  codeJsVars?: number;
  /**
   * Where `require('net').connect(host, port)` really goes. A firmware bundle names the addresses of
   * its site (e.g. the gateway at 192.168.1.10); a simulation maps them to its own loopback services.
   * Return `null` to refuse. Default: loopback hosts (127.0.0.0/8, localhost, ::1) as given, any
   * other host refused — a simulation never sends traffic off this machine.
   */
  netRoute?: (host: string, port: number) => { host: string; port: number } | null;
}


interface SimTimer {
  id: number;
  due: number;
  interval: number;
  fn: () => void;
  real?: NodeJS.Timeout;
}

/** The Node side of a simulated serial port. */
export interface SimUart {
  /** Bytes into the device (arrive as a binary string on its `Serial1.on('data')`). */
  write(data: Buffer | Uint8Array | string): void;
  /** Bytes the device wrote. */
  onData(fn: (data: Buffer) => void): void;
  /** Baud rate the device set up (0 before `setup`). */
  readonly baud: number;
}

/** A simulated Espruino board. */
export class EspruinoSim {
  readonly lines: string[] = [];
  readonly context: vm.Context;
  private readonly opts: SimOptions;
  private clock = 0;
  private readonly bootWall = Date.now();
  private timers: SimTimer[] = [];
  private nextId = 1;
  private readonly handlers: { [event: string]: Array<() => void> } = {};
  private readonly sockets = new Set<net.Socket>();
  private readonly uarts: { [name: string]: { device: Array<(s: string) => void>; node: Array<(b: Buffer) => void>; baud: number } } = {};
  private readonly wifi: SimWifi;
  private readonly store: SimStorage;
  private disposed = false;
  /** Where the device put its REPL console (`USB.setConsole(true)` → `'USB (forced)'`). */
  consoleDevice = 'Serial1';
  /** Output pins the device drove (`digitalWrite`), by name. */
  readonly pins: { [name: string]: boolean } = {};

  constructor(options: SimOptions = {}) {
    this.opts = options;
    this.store = simStorage(options.storageFile);
    this.wifi = simWifi(this.moduleHost(), options.wifi || {});
    this.context = vm.createContext(this.globals());
    vm.runInContext(MISSING_GLOBALS.map((g) => `delete globalThis.${g};`).join(''), this.context);
    vm.runInContext('var global = globalThis;', this.context);
    if (options.quirks !== false) {
      vm.runInContext(QUIRKS.map((q) => `delete ${q};`).join(''), this.context);
    }
  }

  /** Runs code as an upload would (top level, statement by statement). */
  load(code: string, filename = 'bundle.js'): void {
    vm.runInContext(code, this.context, { filename });
  }

  /** Emits `init`, as Espruino does after `save()` and at every power-on. */
  boot(): void {
    this.emit('init');
  }

  /** Emits `kill`, as before `save()`, `reset()` or `load()`. */
  kill(): void {
    this.emit('kill');
  }

  /** Monotonic milliseconds since the simulated boot. */
  now(): number {
    return this.opts.time === 'real' ? Date.now() - this.bootWall : this.clock;
  }

  /** Virtual time: moves the clock forward by `ms`, firing timers in order. */
  advance(ms: number): void {
    if (this.opts.time === 'real') throw new Error('advance() needs virtual time');
    const end = this.clock + ms;
    for (;;) {
      this.timers.sort((a, b) => a.due - b.due || a.id - b.id);
      const t = this.timers[0];
      if (!t || t.due > end) break;
      this.clock = Math.max(this.clock, t.due);
      this.fire(t);
    }
    this.clock = end;
  }

  /** Lets `ms` pass: virtual time in small steps with real I/O in between, or real time. */
  async runFor(ms: number, stepMs = 10): Promise<void> {
    if (this.opts.time === 'real') {
      await new Promise((r) => setTimeout(r, ms));
      return;
    }
    for (let t = 0; t < ms; t += stepMs) {
      this.advance(Math.min(stepMs, ms - t));
      await new Promise((r) => setImmediate(r));
    }
  }

  /** The Node side of a serial port (`'Serial1'`, `'USB'`). */
  uart(name = 'Serial1'): SimUart {
    const u = this.port(name);
    const self = this;
    return {
      write(data: Buffer | Uint8Array | string) {
        const s = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
        self.later(() => {
          for (const fn of u.device) fn(s);
        });
      },
      onData(fn: (data: Buffer) => void) {
        u.node.push(fn);
      },
      get baud() {
        return u.baud;
      },
    };
  }

  /**
   * The Node side of a serial port as a Node `Duplex` stream (bytes the device writes are readable;
   * bytes written to the stream reach the device), e.g. to pipe it into a gateway's serial code.
   */
  uartStream(name = 'Serial1'): Duplex {
    const u = this.uart(name);
    const stream = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        u.write(chunk);
        cb();
      },
    });
    u.onData((b) => stream.push(b));
    return stream;
  }

  /** A built-in module as the device's `require` returns it (for tests of the target's ports). */
  require(name: string): any {
    return (this.context as any).require(name);
  }

  /** `process.memory()` of the device (estimate). */
  memory(): { free: number; usage: number; total: number; blocksize: number } {
    return (this.context as any).process.memory();
  }

  /** The Storage contents. */
  storageContents(): { [name: string]: unknown } {
    return this.store.contents();
  }

  /** Drops the simulated Wi-Fi link (the device sees `disconnected`). */
  wifiDrop(): void {
    this.wifi.drop();
  }

  /** Stops everything: timers, sockets. */
  dispose(): void {
    this.disposed = true;
    for (const t of this.timers) if (t.real) clearTimeout(t.real);
    this.timers = [];
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  // -------------------------------------------------------------------------------------------

  private emit(event: string): void {
    for (const fn of this.handlers[event] || []) fn();
  }

  private fire(t: SimTimer): void {
    if (t.interval > 0) {
      t.due += t.interval;
      if (this.opts.time === 'real') t.real = setTimeout(() => this.fire(t), t.interval);
    } else this.timers = this.timers.filter((x) => x !== t);
    try {
      t.fn();
    } catch (e) {
      this.printLine('Uncaught ' + String(e));
    }
  }

  private addTimer(fn: () => void, ms: number, repeat: boolean): number {
    const delay = Math.max(0, +ms || 0);
    const t: SimTimer = { id: this.nextId++, due: this.now() + delay, interval: repeat ? Math.max(1, delay) : 0, fn };
    this.timers.push(t);
    if (this.opts.time === 'real') t.real = setTimeout(() => this.fire(t), delay);
    return t.id;
  }

  private clearTimer(id: number): void {
    const t = this.timers.find((x) => x.id === id);
    // Espruino throws for an unknown timer; the espruino target guards its clearTimeout for that.
    if (!t) throw new Error('Unknown Timeout');
    if (t.real) clearTimeout(t.real);
    this.timers = this.timers.filter((x) => x !== t);
  }

  /** Runs `fn` from the device's idle loop: a 0 ms timer (virtual time) or the next Node tick. */
  private later(fn: () => void): void {
    if (this.disposed) return;
    if (this.opts.time === 'real') setImmediate(fn);
    else this.addTimer(fn, 0, false);
  }

  private printLine(line: string): void {
    this.lines.push(line);
    if (this.opts.print) this.opts.print(line);
  }

  private port(name: string) {
    if (!this.uarts[name]) this.uarts[name] = { device: [], node: [], baud: 0 };
    return this.uarts[name];
  }

  private serialObject(name: string) {
    const u = this.port(name);
    return {
      setup: (baud: number) => {
        u.baud = baud;
      },
      write: (data: string | ArrayLike<number>) => {
        const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(Array.from(data as ArrayLike<number>));
        for (const fn of u.node) fn(b);
      },
      on: (event: string, fn: (s: string) => void) => {
        if (event === 'data') u.device.push(fn);
      },
      removeAllListeners: (event?: string) => {
        if (!event || event === 'data') u.device.splice(0, u.device.length);
      },
      setConsole: (force?: boolean) => {
        this.consoleDevice = name + (force ? ' (forced)' : '');
      },
    };
  }

  private moduleHost(): ModuleHost {
    return { later: (fn) => this.later(fn), addTimer: (fn, ms) => this.addTimer(fn, ms, false) };
  }

  private globals(): Record<string, unknown> {
    const self = this;
    const total = this.opts.jsVars || 5100;
    const modules: { [name: string]: () => unknown } = {
      net: () => simNet(this.moduleHost(), this.sockets, (host, port) => (this.opts.netRoute ? this.opts.netRoute(host, port) : isLoopback(host) ? { host, port } : null)),
      Wifi: () => this.wifi.module,
      Storage: () => this.store.module,
    };
    const cache: { [name: string]: unknown } = {};
    return {
      print: (s: unknown) => this.printLine(String(s)),
      console: { log: (...a: unknown[]) => this.printLine(a.map(String).join(' ')) },
      setTimeout: (fn: () => void, ms: number) => this.addTimer(fn, ms, false),
      setInterval: (fn: () => void, ms: number) => this.addTimer(fn, ms, true),
      clearTimeout: (id: number) => this.clearTimer(id),
      clearInterval: (id: number) => this.clearTimer(id),
      getTime: () => this.now() / 1000,
      E: {
        on: (event: string, fn: () => void) => {
          (this.handlers[event] = this.handlers[event] || []).push(fn);
        },
        getSizeOf: (v: unknown) => sizeOf(v),
      },
      process: {
        env: { BOARD: this.opts.board || 'SIM', VERSION: '2v29-sim' },
        memory: () => {
          const usage = Math.min(total, 200 + (self.opts.codeJsVars || 0));
          return { free: total - usage, usage, total, blocksize: 13 };
        },
      },
      LED1: { name: 'LED1' },
      LED2: { name: 'LED2' },
      LED3: { name: 'LED3' },
      digitalWrite: (pin: { name: string }, value: boolean | number) => {
        this.pins[pin.name] = !!value;
      },
      Serial1: this.serialObject('Serial1'),
      Serial2: this.serialObject('Serial2'),
      USB: this.serialObject('USB'),
      LoopbackA: this.serialObject('LoopbackA'),
      require: (name: string) => {
        if (!modules[name]) throw new Error('Module ' + name + ' not found');
        if (!(name in cache)) cache[name] = modules[name]();
        return cache[name];
      },
      // `Modules.addCached(id, source)`: a module's source, run as CommonJS on first `require(id)`
      // (how dist/aimdb-core.js is loaded from Storage on a device).
      Modules: {
        addCached: (id: string, source: string) => {
          modules[id] = () => {
            const wrapper = vm.runInContext('(function (module, exports) {\n' + source + '\n})', this.context, { filename: id });
            const module = { exports: {} as unknown };
            wrapper(module, module.exports);
            return module.exports;
          };
          delete cache[id];
        },
        removeCached: (id: string) => {
          delete modules[id];
          delete cache[id];
        },
      },
    };
  }
}

/**
 * Loads a built bundle (`dist/<app>.<board>.js`) into a new simulator and boots it.
 *
 * @example
 * const sim = bootBundle(readFileSync('dist/pico-actuator.pico.js', 'utf8'), { jsVars: 5100 });
 * sim.uart('Serial1').onData((b) => gateway.push(b));
 * sim.advance(1000);
 */
export function bootBundle(code: string, options: SimOptions = {}): EspruinoSim {
  const sim = new EspruinoSim(options);
  sim.load(code);
  sim.boot();
  return sim;
}
