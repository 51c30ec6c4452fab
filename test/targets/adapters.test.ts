/**
 * The runtime adapters and byte ports of the three targets, on Node: the Node adapter (timers, defer,
 * JSON-lines logs), the serial port (on @serialport/binding-mock), the JerryScript host contract, and
 * the Espruino adapter over stubbed device globals.
 */
import { expect } from 'chai';
import { SerialPortMock } from 'serialport';
import { nodeRuntime } from '../../targets/node/index.js';
import { openSerialPort } from '../../targets/node/serial.js';
import { bootHost, jerryRuntime } from '../../targets/jerryscript/index.js';
import type { HostApi } from '../../targets/jerryscript/index.js';
import { espruinoRuntime } from '../../targets/espruino/runtime.js';

describe('targets/node', () => {
  describe('nodeRuntime', () => {
    it('is server-sized and named node', () => {
      const rt = nodeRuntime({ sink: () => undefined });
      expect(rt.name).to.equal('node');
      expect(rt.joinQueueCapacity).to.equal(64);
      expect(rt.wallClock()).to.be.within(Date.now() - 1000, Date.now() + 1000);
    });
    it('runs timers, cancels them, and defers after the current stack', async () => {
      const rt = nodeRuntime({ sink: () => undefined });
      const log: string[] = [];
      rt.defer(() => log.push('deferred'));
      const t = rt.setTimer(() => log.push('cancelled'), 5);
      rt.clearTimer(t);
      rt.clearTimer(t);
      rt.setTimer(() => log.push('timer'), 10);
      log.push('sync');
      await new Promise((r) => setTimeout(r, 40));
      expect(log).to.deep.equal(['sync', 'deferred', 'timer']);
    });
    it('writes text lines, or JSON lines, at or above the level', () => {
      const lines: string[] = [];
      const text = nodeRuntime({ sink: (l) => lines.push(l), wallClock: () => 0, level: 'warn' });
      text.log('info', 'rec', 'dropped');
      text.log('warn', 'rec', 'kept');
      const json = nodeRuntime({ sink: (l) => lines.push(l), wallClock: () => 0, format: 'json', level: 'debug' });
      json.log('debug', 'climate.temp', 'a "quoted" message');
      expect(lines).to.deep.equal([
        '1970-01-01T00:00:00.000Z warn rec: kept',
        '{"time":"1970-01-01T00:00:00.000Z","level":"debug","source":"climate.temp","message":"a \\"quoted\\" message"}',
      ]);
    });
    it('hands records to onLog instead of the sink', () => {
      const got: unknown[] = [];
      const rt = nodeRuntime({ onLog: (r) => got.push(r), sink: () => expect.fail('sink used'), wallClock: () => 0 });
      rt.log('error', 'db', 'x');
      expect(got).to.deep.equal([{ time: '1970-01-01T00:00:00.000Z', level: 'error', source: 'db', message: 'x' }]);
    });
  });

  describe('openSerialPort', () => {
    it('writes chunks of every kind and delivers received bytes (mock binding, echo)', async () => {
      SerialPortMock.binding.createPort('/dev/AIMDB0', { echo: true, record: true });
      const port = new SerialPortMock({ path: '/dev/AIMDB0', baudRate: 115200 });
      const got: number[] = [];
      let connected = 0;
      const s = openSerialPort({ path: '/dev/AIMDB0', port: port as any }, {
        onData: (c) => {
          for (let i = 0; i < c.length; i++) got.push((c as Buffer)[i]);
        },
        onConnect: () => connected++,
      });
      await new Promise((r) => setTimeout(r, 20));
      s.write('\x00\xff');
      s.write([1, 2]);
      s.write(new Uint8Array([3]));
      await new Promise((r) => setTimeout(r, 50));
      expect(connected).to.be.greaterThan(0);
      expect(got).to.deep.equal([0, 255, 1, 2, 3]);
      let closed: string | undefined = 'open';
      await new Promise<void>((resolve) => {
        const s2 = openSerialPort({ path: '/dev/AIMDB0', port: port as any }, { onData: () => undefined, onClose: (why) => ((closed = why), resolve()) });
        s2.close();
      });
      expect(closed).to.equal(undefined);
      SerialPortMock.binding.reset();
    });
  });
});

describe('targets/jerryscript', () => {
  describe('jerryRuntime', () => {
    it('is MCU-sized, host-driven and logs through print', () => {
      const lines: string[] = [];
      const rt = jerryRuntime({ print: (l) => lines.push(l) });
      expect(rt.name).to.equal('jerryscript');
      expect(rt.joinQueueCapacity).to.equal(16);
      const fired: number[] = [];
      rt.setTimer(() => fired.push(rt.now()), 100);
      rt.tick(50);
      expect(fired).to.deep.equal([]);
      rt.tick(250);
      expect(fired).to.deep.equal([250]);
      rt.log('warn', 'rec', 'hello');
      expect(lines).to.deep.equal(['warn rec: hello']);
    });
  });

  describe('bootHost', () => {
    const board = { name: 'b', engine: 'jerryscript', defaultUart: 'USART2', network: [] };
    it('does nothing without a host object', () => {
      expect(bootHost(() => undefined, board, undefined)).to.equal(false);
    });
    it('adds tick/receive/nextDue/stop and wires the UART through the host', () => {
      const out: string[] = [];
      const host: HostApi = { print: (l) => out.push('print ' + l), write: (b) => out.push('write ' + JSON.stringify(b)) };
      let stopped = false;
      expect(
        bootHost(
          (p) => {
            const s = p.openSerial({ onData: (c) => s.write(typeof c === 'string' ? c.toUpperCase() : c) });
            p.runtime.setTimer(() => p.print('timer at ' + p.runtime.now()), 30);
            return { stop: () => (stopped = true) };
          },
          board,
          host,
        ),
      ).to.equal(true);
      expect(host.nextDue!()).to.equal(30);
      host.receive!('ab');
      host.receive!([0x00, 0xff]);
      host.tick!(100);
      host.stop!();
      expect(out).to.deep.equal(['write "AB"', 'write "\\u0000ÿ"', 'print timer at 100']);
      expect(stopped).to.equal(true);
    });
    it('reports an app that throws at boot through print', () => {
      const out: string[] = [];
      bootHost(() => {
        throw new Error('boom');
      }, board, { print: (l) => out.push(l) });
      expect(out).to.deep.equal(['error boot: Error: boom']);
    });
  });
});

describe('targets/espruino espruinoRuntime (stubbed device globals)', () => {
  const g = globalThis as any;
  let seconds = 0;
  const printed: string[] = [];
  const timers: Array<{ fn: () => void; ms: number; id: number }> = [];
  // The device globals are stubbed only while one synchronous test body runs, so that nothing else
  // in the process ever sees them.
  function withDevice(body: () => void): void {
    const saved = { getTime: g.getTime, print: g.print, setTimeout: g.setTimeout, clearTimeout: g.clearTimeout };
    g.getTime = () => seconds;
    g.print = (s: string) => printed.push(s);
    g.setTimeout = (fn: () => void, ms: number) => {
      timers.push({ fn, ms, id: timers.length + 1 });
      return timers.length;
    };
    g.clearTimeout = (id: number) => {
      // Espruino throws for a timer that already fired.
      if (!timers[id - 1] || !timers[id - 1].fn) throw new Error('Unknown Timeout');
      timers[id - 1].fn = undefined as any;
    };
    try {
      body();
    } finally {
      Object.assign(g, saved);
    }
  }

  it('reads getTime() seconds as monotonic milliseconds', () =>
    withDevice(() => {
      const rt = espruinoRuntime();
      seconds = 1.5;
      expect(rt.now()).to.equal(1500);
      seconds = 1.2; // setTime() moved the clock back
      expect(rt.now()).to.equal(1500);
      expect(rt.name).to.equal('espruino');
      expect(rt.joinQueueCapacity).to.equal(16);
    }));
  it('defers with setTimeout(fn, 0), clamps delays, and never throws when cancelling twice', () =>
    withDevice(() => {
      const rt = espruinoRuntime();
      rt.defer(() => undefined);
      const id = rt.setTimer(() => undefined, -5);
      expect(timers.slice(-2).map((t) => t.ms)).to.deep.equal([0, 0]);
      rt.clearTimer(id);
      expect(() => rt.clearTimer(id)).to.not.throw();
    }));
  it('knows the wall clock only once told, and logs through print', () =>
    withDevice(() => {
      seconds = 10;
      const rt = espruinoRuntime();
      expect(rt.wallClock()).to.equal(undefined);
      rt.setWallClock(1_700_000_000_000);
      seconds = 12;
      expect(rt.wallClock()).to.equal(1_700_000_002_000);
      rt.log('info', 'climate.temp', 'ok');
      expect(printed).to.deep.equal(['info climate.temp: ok']);
    }));
});
