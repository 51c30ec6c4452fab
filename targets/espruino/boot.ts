/**
 * How a board bundle starts an app on Espruino. The app is a function of a {@link Platform} (the
 * runtime adapter and the board's ports); the bundle's entry calls {@link bootEspruino} with it.
 *
 * Boot (ENGINES.md §1): after `save()` the code is not re-run at power-on, so the app starts from
 * `E.on('init')` — which Espruino also fires right after `save()` — and stops on `E.on('kill')`.
 */
import type { ByteStream, ByteStreamHandlers, RuntimeAdapter, SocketFactory } from '../../core/index.js';
import { espDigitalWrite, espOn, espPrint, espRequire, EspruinoStorage } from './globals.js';
import { espruinoRuntime } from './runtime.js';
import { openUart } from './uart.js';
import type { WifiLink, WifiOptions } from './wifi.js';

/** What the build knows about the board (a subset of boards/<name>/board.json). */
export interface BoardInfo {
  name: string;
  engine: string;
  /** Serial port of the gateway link, e.g. `'Serial1'`. */
  defaultUart: string;
  /** `'wifi'`, `'tcp'`. */
  network: string[];
}

/** The capabilities a board hands an app (ECMA-419 style: one object, fixed at start). */
export interface Platform {
  runtime: RuntimeAdapter;
  board: BoardInfo;
  /** Writes one console line. */
  print(line: string): void;
  /** Opens the board's default UART (`board.defaultUart`) as a byte stream. */
  openSerial(handlers: ByteStreamHandlers, baud?: number): ByteStream;
  /** TCP client sockets; present when the board has a network. */
  sockets?: SocketFactory;
  /** Wi-Fi bring-up; present on Wi-Fi boards. */
  startWifi?(options: WifiOptions): WifiLink;
  /** The flash file store, for `persistLatest`; present when the board has `Storage`. */
  storage?: EspruinoStorage;
  /** Drives an output pin by name (`'LED1'`); false when the board has no such pin. */
  setPin?(pin: string, on: boolean): boolean;
}

/** An app: builds and starts its database; returns a handle to stop it (or nothing). */
export type AppMain = (platform: Platform) => { stop(): void } | void;

/**
 * Network ports a board bundle links in: passed by the entry only for boards that have a network,
 * so that a Pico bundle carries no TCP or Wi-Fi code.
 */
export interface NetworkPorts {
  sockets?: () => SocketFactory;
  startWifi?: (rt: RuntimeAdapter, options: WifiOptions) => WifiLink;
}

/** Storage file naming the host device of the board's UART on Espruino's Linux build. */
export const UART_FILE = 'uart.json';

/** Makes the Espruino platform for a board. */
export function espruinoPlatform(board: BoardInfo, ports?: NetworkPorts, runtime?: RuntimeAdapter): Platform {
  const rt = runtime || espruinoRuntime();
  const p = ports || {};
  const wifi = p.startWifi;
  const storage = espRequire<EspruinoStorage>('Storage');
  return {
    runtime: rt,
    board: board,
    print: espPrint,
    openSerial: function (handlers: ByteStreamHandlers, baud?: number) {
      // On Espruino's Linux build a UART is a host device: Storage `uart.json` {"path": "/dev/…"}
      // names it (a board has no such file).
      const host: any = storage ? storage.readJSON(UART_FILE, true) : undefined;
      const path = host && typeof host.path === 'string' ? host.path : undefined;
      return openUart({ port: board.defaultUart, baud: baud, path: path }, handlers);
    },
    sockets: p.sockets ? p.sockets() : undefined,
    startWifi: wifi
      ? function (options: WifiOptions) {
          return wifi(rt, options);
        }
      : undefined,
    storage: storage,
    setPin: espDigitalWrite,
  };
}

/**
 * Starts `main` at every boot (`E.on('init')`) and stops it on `E.on('kill')` (before `save()`,
 * `reset()`, `load()`).
 *
 * @example
 * bootEspruino(main, { name: 'esp32', engine: 'espruino', defaultUart: 'Serial1', network: ['wifi', 'tcp'] },
 *   { sockets: espruinoSockets, startWifi: startWifi });
 */
export function bootEspruino(main: AppMain, board: BoardInfo, ports?: NetworkPorts): void {
  let running: { stop(): void } | null = null;
  function stop() {
    const r = running;
    running = null;
    if (r) r.stop();
  }
  function start() {
    stop();
    try {
      running = main(espruinoPlatform(board, ports)) || null;
    } catch (e) {
      espPrint('error boot: ' + String(e));
    }
  }
  espOn('init', start);
  espOn('kill', stop);
}
