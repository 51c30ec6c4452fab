/**
 * A scripted broker for virtual-time tests of the core client: a SocketFactory whose connections the
 * test opens, feeds (packets made by mqtt-packet) and inspects (written bytes parsed by mqtt-packet).
 */
import mqttPacket from 'mqtt-packet';
import type { ByteChunk, ByteStream, ByteStreamHandlers, SocketFactory } from '../../core/bytes.js';
import { toBuffer } from '../../targets/node/net.js';
import { manualRuntime, ManualRuntime } from '../../core/runtime/manual.js';
import { makeContext, TimerSet, RuntimeContext } from '../../core/runtime/context.js';

export interface FakeConn {
  handlers: ByteStreamHandlers;
  written: Buffer[];
  closed: boolean;
  /** Fires onConnect. */
  open(): void;
  /** Delivers a packet (mqtt-packet object) or raw bytes. */
  recv(p: mqttPacket.Packet | number[]): void;
  /** Every packet the client wrote, parsed. */
  sent(): any[];
  /** Packets written since the last call. */
  fresh(): any[];
  /** Closes from the broker's side. */
  drop(error?: string): void;
}

export function fakeSockets(): SocketFactory & { conns: FakeConn[]; last(): FakeConn } {
  const conns: FakeConn[] = [];
  return {
    conns,
    last: () => conns[conns.length - 1],
    connect(_host: string, _port: number, handlers: ByteStreamHandlers): ByteStream {
      let seen = 0;
      const c: FakeConn = {
        handlers,
        written: [],
        closed: false,
        open: () => handlers.onConnect?.(),
        recv: (p) => handlers.onData(Array.isArray(p) ? p : mqttPacket.generate(p)),
        sent: () => parseAll(Buffer.concat(c.written)),
        fresh: () => {
          const all = c.sent();
          const out = all.slice(seen);
          seen = all.length;
          return out;
        },
        drop: (error) => {
          if (c.closed) return;
          c.closed = true;
          handlers.onClose?.(error);
        },
      };
      conns.push(c);
      return {
        write(chunk: ByteChunk) {
          if (!c.closed) c.written.push(toBuffer(chunk));
        },
        close() {
          c.drop();
        },
      };
    },
  };
}

export function parseAll(buf: Buffer): any[] {
  const out: any[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (p) => out.push(p));
  parser.on('error', (e) => out.push({ cmd: 'error', message: e.message }));
  parser.parse(buf);
  return out;
}

/** Virtual time: a manual runtime and a RuntimeContext on it, logs kept. */
export function virtual(): { rt: ManualRuntime; ctx: RuntimeContext; timers: TimerSet; logs: string[] } {
  const logs: string[] = [];
  const rt = manualRuntime({ log: (l, s, m) => logs.push(l + ' ' + m) });
  const timers = new TimerSet(rt);
  return { rt, ctx: makeContext({ adapter: rt, minRank: 0 }, timers, 'mqtt'), timers, logs };
}

export const connack = (returnCode = 0, sessionPresent = false): mqttPacket.Packet => ({ cmd: 'connack', returnCode, sessionPresent } as any);
