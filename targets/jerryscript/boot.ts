/**
 * How a board bundle starts an app on a host-driven engine (JerryScript; also duktape and mujs in
 * the tests). The firmware's `aimdbHost` object (host.ts) becomes the app's platform: its `print`,
 * its UART `write`, and the `tick`/`receive` entry points the bundle adds to it.
 */
import type { ByteChunk, ByteStream, ByteStreamHandlers, ManualRuntime, RuntimeAdapter } from '../../core/index.js';
import type { HostApi } from './host.js';
import { jerryRuntime } from './runtime.js';

/** What the build knows about the board. */
export interface BoardInfo {
  name: string;
  engine: string;
  defaultUart: string;
  network: string[];
}

/** The capabilities a host-driven board hands an app. */
export interface HostPlatform {
  runtime: RuntimeAdapter;
  board: BoardInfo;
  print(line: string): void;
  /** Opens the host's UART: bytes out through `aimdbHost.write`, in through `aimdbHost.receive`. */
  openSerial(handlers: ByteStreamHandlers, baud?: number): ByteStream;
}

/** An app: builds and starts its database; returns a handle to stop it (or nothing). */
export type HostAppMain = (platform: HostPlatform) => { stop(): void } | void;

function toBinary(chunk: ByteChunk): string {
  if (typeof chunk === 'string') return chunk;
  let s = '';
  for (let i = 0; i < chunk.length; i++) s += String.fromCharCode(chunk[i] & 0xff);
  return s;
}

/** Makes the platform over a host object and a runtime. */
export function hostPlatform(host: HostApi, board: BoardInfo, rt: ManualRuntime): HostPlatform {
  let rx: ByteStreamHandlers | null = null;
  host.receive = function (chunk: ByteChunk) {
    if (rx) rx.onData(chunk);
  };
  return {
    runtime: rt,
    board: board,
    print: function (line: string) {
      host.print(line);
    },
    openSerial: function (handlers: ByteStreamHandlers) {
      rx = handlers;
      if (handlers.onConnect) handlers.onConnect();
      return {
        write: function (chunk: ByteChunk) {
          if (rx === handlers && host.write) host.write(toBinary(chunk));
        },
        close: function () {
          if (rx !== handlers) return;
          rx = null;
          if (handlers.onClose) handlers.onClose();
        },
      };
    },
  };
}

/**
 * Starts `main` on the host object: adds `tick`, `receive`, `nextDue` and `stop` to it. Returns
 * false (and does nothing) when there is no host object.
 *
 * @example
 * // firmware: aimdbHost = { print: …, write: … }; eval(bundle); then every few ms: aimdbHost.tick(ms)
 */
export function bootHost(main: HostAppMain, board: BoardInfo, host: HostApi | undefined): boolean {
  if (!host || typeof host.print !== 'function') return false;
  const rt = jerryRuntime({ print: host.print, wallClockAtStart: host.wallClockMs });
  let running: { stop(): void } | null = null;
  host.tick = function (nowMs: number) {
    rt.tick(nowMs);
  };
  host.nextDue = function () {
    return rt.nextDue();
  };
  host.stop = function () {
    const r = running;
    running = null;
    if (r) r.stop();
    rt.runUntilIdle();
  };
  try {
    running = main(hostPlatform(host, board, rt)) || null;
  } catch (e) {
    host.print('error boot: ' + String(e));
  }
  return true;
}
