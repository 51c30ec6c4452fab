/**
 * The simulated Espruino board (bridge/sim/espruino-sim.ts) and the espruino target's ports on it:
 * real dist bundles on virtual time, Serial1, loopback TCP, Wi-Fi bring-up, Storage persistence.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { bootBundle, EspruinoSim, MISSING_GLOBALS } from '../../bridge/sim/espruino-sim.js';
import { builder, key, manualRuntime, singleLatest } from '../../core/index.js';
import { openUart } from '../../targets/espruino/uart.js';
import { espruinoSockets } from '../../targets/espruino/tcp.js';
import { startWifi } from '../../targets/espruino/wifi.js';
import { persistLatest } from '../../targets/espruino/persist.js';
import { appBundles, ensureBuilt, ROOT, runSourceHostDriven } from './helpers.js';

describe('EspruinoSim', function () {
  this.timeout(120_000);
  before(() => ensureBuilt());

  describe('globals', () => {
    it('offers none of the globals Espruino lacks', () => {
      const sim = new EspruinoSim();
      for (const g of MISSING_GLOBALS) expect(vm.runInContext(`typeof ${g}`, sim.context), g).to.equal('undefined');
      expect(vm.runInContext('typeof Object.freeze + typeof Math.trunc + typeof [].lastIndexOf', sim.context)).to.equal('undefinedundefinedundefined');
      expect(typeof Object.freeze, 'the host realm keeps its built-ins').to.equal('function');
    });
    it('gives getTime in seconds and throws for an unknown timeout, as Espruino does', () => {
      const sim = new EspruinoSim();
      sim.advance(1500);
      expect(vm.runInContext('getTime()', sim.context)).to.equal(1.5);
      expect(() => vm.runInContext('clearTimeout(99)', sim.context)).to.throw('Unknown Timeout');
    });
  });

  describe('smoke bundles', () => {
    let expected: string[];
    before(async () => {
      expected = await runSourceHostDriven(join(ROOT, 'examples/smoke/main.ts'), { name: 'node', engine: 'node', defaultUart: 'none', network: [] }, 2500);
    });
    for (const b of appBundles().filter((x) => x.app === 'smoke' && x.board !== 'stm32f4-discovery-jerry')) {
      it(`runs dist/smoke.${b.board}.js from E.on('init') and prints the Node output`, () => {
        const sim = bootBundle(readFileSync(b.file, 'utf8'));
        expect(sim.lines).to.deep.equal([]);
        sim.advance(2500);
        expect(sim.lines).to.deep.equal(expected);
        sim.dispose();
      });
    }
    it('stops the app on kill (before save or reset)', () => {
      const sim = bootBundle(readFileSync(join(ROOT, 'dist/smoke.pico.js'), 'utf8'));
      sim.advance(250);
      sim.kill();
      const n = sim.lines.length;
      sim.advance(3000);
      expect(sim.lines.length).to.equal(n);
    });
  });

  describe('Serial1 and openUart', () => {
    it('moves bytes both ways as binary strings', () => {
      const sim = new EspruinoSim();
      const got: string[] = [];
      const link = openUart({ serial: (sim.context as any).Serial1, baud: 9600 }, { onData: (c) => got.push(c as string) });
      const node = sim.uart('Serial1');
      const out: Buffer[] = [];
      node.onData((b) => out.push(b));
      link.write([0x01, 0xff, 0x00]);
      link.write('A\x80');
      node.write(Buffer.from([0x00, 0xfe]));
      sim.advance(1);
      expect(node.baud).to.equal(9600);
      expect(Buffer.concat(out)).to.deep.equal(Buffer.from([0x01, 0xff, 0x00, 0x41, 0x80]));
      expect(got).to.deep.equal(['\x00\xfe']);
      let closed = false;
      openUart({ serial: (sim.context as any).USB, port: 'USB' }, { onData: () => undefined, onClose: () => (closed = true) }).close();
      expect(closed).to.equal(true);
    });
  });

  describe('uartStream', () => {
    it('is a Node Duplex over Serial1', async () => {
      const sim = new EspruinoSim({ time: 'real' });
      sim.load("Serial1.setup(9600); Serial1.on('data', function (d) { Serial1.write('<' + d + '>'); });");
      const stream = sim.uartStream('Serial1');
      const got = new Promise<string>((resolve) => stream.once('data', (b: Buffer) => resolve(b.toString('latin1'))));
      stream.write(Buffer.from('hi'));
      expect(await got).to.equal('<hi>');
      sim.dispose();
    });
  });

  describe("require('net') and espruinoSockets", () => {
    it('connects to a loopback server and echoes binary data', async () => {
      const server = net.createServer((s) => s.pipe(s));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as net.AddressInfo).port;
      const sim = new EspruinoSim({ time: 'real' });
      const got: string[] = [];
      let closedWith: string | undefined = 'open';
      await new Promise<void>((resolve) => {
        const s = espruinoSockets(sim.require('net')).connect('127.0.0.1', port, {
          onConnect: () => s.write([0x00, 0x10, 0xff]),
          onData: (c) => {
            got.push(c as string);
            if (got.join('').length >= 3) s.close();
          },
          onClose: (why) => {
            closedWith = why;
            resolve();
          },
        });
      });
      expect(got.join('')).to.equal('\x00\x10\xff');
      expect(closedWith).to.equal(undefined);
      sim.dispose();
      server.close();
    });
    it('reports a connect that throws later, through onClose, never from inside connect()', async () => {
      const failing = { connect: () => { throw new Error('no route'); } };
      let during = true;
      const why = await new Promise<string | undefined>((resolve) => {
        espruinoSockets(failing as any).connect('10.0.0.1', 1883, { onData: () => undefined, onClose: (w) => resolve(during ? 'sync!' : w) });
        during = false;
      });
      expect(why).to.equal('connect failed: Error: no route');
    });
    it('reports a refused connection through onClose, never by throwing', async () => {
      const sim = new EspruinoSim({ time: 'real' });
      const why = await new Promise<string | undefined>((resolve) => {
        espruinoSockets(sim.require('net')).connect('127.0.0.1', 1, { onData: () => undefined, onClose: resolve });
      });
      expect(why).to.match(/^error: .*ECONNREFUSED/);
      sim.dispose();
    });
  });

  describe("require('Wifi') and startWifi", () => {
    it('retries with doubling delays until connected, and reconnects after a drop', () => {
      const sim = new EspruinoSim({ wifi: { failFirst: 2, connectMs: 100 } });
      const rt = manualRuntime();
      const events: string[] = [];
      const link = startWifi(rt, {
        ssid: 'lab',
        password: 'x',
        retryMs: 1000,
        wifi: sim.require('Wifi'),
        onConnected: (ip) => events.push(`up ${ip} @${sim.now()}`),
        onDisconnected: (why) => events.push(`down ${why} @${sim.now()}`),
      });
      // The sim's Wi-Fi answers on virtual time; the supervisor retries on the runtime's timers
      // (1 s, then 2 s); both clocks move in 50 ms steps, the sim first.
      for (let t = 0; t < 5000; t += 50) {
        sim.advance(50);
        rt.advance(50);
      }
      expect(events).to.deep.equal(['down connect failed: auth failed @100', 'down connect failed: auth failed @1150', 'up 127.0.0.1 @3200']);
      expect(link.attempts).to.equal(3);
      expect(link.connected).to.equal(true);
      sim.wifiDrop();
      expect(link.connected).to.equal(false);
      for (let t = 0; t < 2000; t += 50) {
        sim.advance(50);
        rt.advance(50);
      }
      expect(link.connected).to.equal(true);
      link.stop();
    });
  });

  describe("require('Storage') and persistLatest", () => {
    interface Setpoint {
      celsius: number;
    }
    const Target = key<Setpoint>('room.target', 'Setpoint');
    function makeDb(rt: ReturnType<typeof manualRuntime>) {
      return builder(rt).configure(Target, (r) => r.buffer(singleLatest())).build();
    }

    it('saves the latest value after the debounce and restores it after a reboot', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'aimdb-storage-')), 'storage.json');
      const rt = manualRuntime();
      const sim = new EspruinoSim({ storageFile: file });
      const db = makeDb(rt);
      const p = persistLatest(db, [Target], { runtime: rt, storage: sim.require('Storage'), debounceMs: 1000 });
      db.start();
      db.set(Target, { celsius: 20 });
      rt.advance(100);
      db.set(Target, { celsius: 21.5 });
      rt.advance(100);
      expect(p.writes).to.equal(0);
      rt.advance(1000);
      expect(p.writes).to.equal(1);
      expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal({ 'aimdb.latest': '{"room.target":{"celsius":21.5}}' });
      db.stop();

      const rt2 = manualRuntime();
      const sim2 = new EspruinoSim({ storageFile: file });
      const db2 = makeDb(rt2);
      const p2 = persistLatest(db2, [Target], { runtime: rt2, storage: sim2.require('Storage') });
      db2.start();
      expect(p2.restored).to.deep.equal(['room.target']);
      expect(db2.peek(Target)).to.deep.equal({ celsius: 21.5 });
      rt2.advance(10_000);
      expect(p2.writes, 'a restored value is not written back').to.equal(0);
      p2.stop();
    });
  });
});

describe('simulated net stays on this machine', () => {
  it('refuses a non-loopback host when no netRoute maps it', async () => {
    const { EspruinoSim: Sim, isLoopback } = await import('../../bridge/sim/espruino-sim.js');
    expect(['127.0.0.1', '127.9.9.9', 'localhost', '::1'].every(isLoopback)).to.equal(true);
    expect(['192.168.1.10', '10.0.0.1', '8.8.8.8', 'example.com'].some(isLoopback)).to.equal(false);
    const sim = new Sim();
    sim.load("var log=[]; var s=require('net').connect({host:'192.168.1.10',port:1883},function(){log.push('connected')}); s.on('error',function(e){log.push('error '+e)}); s.on('close',function(){log.push('close')});");
    sim.advance(10);
    const log = sim.context.log as string[];
    expect(log[0]).to.match(/^error simulated net: 192\.168\.1\.10:1883 is not reachable/);
    expect(log[1]).to.equal('close');
    sim.dispose();
  });
});
